using System.Text;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Nexus.Gateway.Outcomes;
using Nexus.Gateway.Auth;

namespace Nexus.Tests.Gateway;

public class ApiKeyTests
{
    [Fact]
    public void Hash_is_lowercase_hex_sha256()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeyFormat.Hash("abc"));
    }

    [Fact]
    public void New_keys_are_prefixed_random_and_distinct()
    {
        var a = ApiKeyFormat.NewKey();
        var b = ApiKeyFormat.NewKey();
        Assert.StartsWith("nxk_", a);
        Assert.Equal(44, a.Length);
        Assert.NotEqual(a, b);
        Assert.All(a[4..], c => Assert.True(char.IsAsciiLetterOrDigit(c)));
    }

    [Fact]
    public void The_secret_holds_only_the_hash_and_round_trips()
    {
        const string key = "nxk_test";
        var secret = ApiKeySecret.Build("k1", ApiKeyFormat.Hash(key), ["acme", "globex"], ["ai-jobs:read"], "ci");
        Assert.Equal("true", secret.Metadata.Labels["nexus.ai/api-key"]);
        Assert.DoesNotContain(secret.Data.Values, v => Encoding.UTF8.GetString(v).Contains(key, StringComparison.Ordinal));
        var parsed = ApiKeySecret.Parse(secret)!;
        Assert.Equal(["acme", "globex"], parsed.Tenants);
        Assert.Equal(["ai-jobs:read"], parsed.Scopes);
        Assert.Equal("ci", parsed.Description);
    }

    [Fact]
    public void A_secret_without_a_valid_hash_is_ignored()
    {
        var secret = ApiKeySecret.Build("k1", "not-a-hash", ["acme"], ["ai-jobs:read"], null);
        Assert.Null(ApiKeySecret.Parse(secret));
    }

    [Fact]
    public void The_store_finds_keys_by_hash_and_forgets_revoked_and_replaced_ones()
    {
        var store = new ApiKeyIndex();
        var s1 = ApiKeySecret.Build("k1", ApiKeyFormat.Hash("key-1"), ["acme"], ["ai-jobs:read"], null);
        var s2 = ApiKeySecret.Build("k2", ApiKeyFormat.Hash("key-2"), ["acme"], ["ai-jobs:write"], null);
        store.Upsert(s1);
        store.Upsert(s2);
        Assert.Equal("k1", store.FindByKey("key-1")!.Name);
        store.Delete(s1);
        Assert.Null(store.FindByKey("key-1"));
        // A Secret whose hash changes (key rotated in place) stops accepting the old key.
        store.Upsert(ApiKeySecret.Build("k2", ApiKeyFormat.Hash("key-3"), ["acme"], ["ai-jobs:write"], null));
        Assert.Null(store.FindByKey("key-2"));
        Assert.NotNull(store.FindByKey("key-3"));
        store.Delete(s2);
        Assert.Null(store.FindByKey("key-3"));
    }

    [Theory]
    [InlineData("ai-jobs:read", Access.Read, true)]
    [InlineData("reports:read", Access.Read, true)]
    [InlineData("ai-jobs:write", Access.Read, false)]
    [InlineData("ai-jobs:write", Access.Write, true)]
    [InlineData("ai-jobs:read", Access.Write, false)]
    public void Scopes_grant_reads_and_writes(string scope, Access access, bool allowed)
    {
        Assert.Equal(allowed, Scopes.Allows([scope], access));
    }

    private static (Rejection? Error, Caller? Caller) Authenticate(ApiKeyIndex store, string? bearer, string? tenant, Access access)
    {
        var http = new DefaultHttpContext();
        if (bearer is not null) http.Request.Headers.Authorization = "Bearer " + bearer;
        if (tenant is not null) http.Request.Headers["X-Tenant-ID"] = tenant;
        var error = new Authenticator(store.FindByKey, () => true).Authenticate(http.Request, access, out var caller);
        return (error, caller);
    }

    [Fact]
    public void Authentication_picks_the_tenant_and_refuses_what_the_key_does_not_allow()
    {
        var store = new ApiKeyIndex();
        store.Upsert(ApiKeySecret.Build("one", ApiKeyFormat.Hash("k-one"), ["acme"], ["ai-jobs:read"], null));
        store.Upsert(ApiKeySecret.Build("two", ApiKeyFormat.Hash("k-two"), ["acme", "globex"], ["ai-jobs:read", "ai-jobs:write"], null));

        Assert.Equal(ErrorCodes.Unauthenticated, Authenticate(store, null, null, Access.Read).Error!.Code);
        Assert.Equal(ErrorCodes.Unauthenticated, Authenticate(store, "k-unknown", null, Access.Read).Error!.Code);
        Assert.Equal(ErrorCodes.InsufficientScope, Authenticate(store, "k-one", null, Access.Write).Error!.Code);
        Assert.Equal("acme", Authenticate(store, "k-one", null, Access.Read).Caller!.Tenant);
        Assert.Equal(ErrorCodes.TenantNotAllowed, Authenticate(store, "k-one", "globex", Access.Read).Error!.Code);
        Assert.Equal(ErrorCodes.TenantRequired, Authenticate(store, "k-two", null, Access.Write).Error!.Code);
        Assert.Equal("globex", Authenticate(store, "k-two", "globex", Access.Write).Caller!.Tenant);
    }
}
