using System.Net;
using Nexus.Gateway.Webhooks;

namespace Nexus.Tests.Webhooks;

/// <summary>Where webhooks may go: https to public addresses, unless the operator allows a host.</summary>
public sealed class WebhookUrlPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")] [InlineData("10.1.2.3")] [InlineData("172.16.0.1")] [InlineData("172.31.255.255")] [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")] [InlineData("100.64.0.1")] [InlineData("0.0.0.0")] [InlineData("224.0.0.1")] [InlineData("255.255.255.255")]
    [InlineData("::1")] [InlineData("::")] [InlineData("fe80::1")] [InlineData("fd00:ec2::254")] [InlineData("fc00::1")] [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")] [InlineData("::ffff:10.0.0.1")] [InlineData("64:ff9b::a9fe:a9fe")] [InlineData("2001:db8::1")]
    public void Internal_addresses_are_blocked(string address) => Assert.True(WebhookUrlPolicy.IsBlocked(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")] [InlineData("8.8.8.8")] [InlineData("172.32.0.1")] [InlineData("100.128.0.1")] [InlineData("2606:4700::1111")]
    public void Public_addresses_are_not(string address) => Assert.False(WebhookUrlPolicy.IsBlocked(IPAddress.Parse(address)));

    [Theory]
    [InlineData("http://hooks.example.com/x", "must use https")]
    [InlineData("https://127.0.0.1/x", "loopback")]
    [InlineData("https://[::1]:8443/x", "loopback")]
    [InlineData("https://169.254.169.254/latest/meta-data", "metadata")]
    [InlineData("https://localhost/x", "this machine")]
    [InlineData("https://metadata.google.internal/x", "metadata")]
    [InlineData("https://user:pw@hooks.example.com/x", "credentials")]
    [InlineData("ftp://hooks.example.com/x", "absolute https")]
    [InlineData("/relative", "absolute https")]
    [InlineData("", "required")]
    public void Refused_urls_say_why(string url, string reason)
    {
        var error = new WebhookUrlPolicy(null).Check(url, out var uri);
        Assert.NotNull(error);
        Assert.Contains(reason, error);
        Assert.Null(uri);
    }

    [Fact]
    public void Https_to_a_public_name_passes_and_allowed_hosts_may_use_http_and_loopback()
    {
        Assert.Null(new WebhookUrlPolicy(null).Check("https://hooks.example.com/nexus?x=1", out var uri));
        Assert.Equal("hooks.example.com", uri!.Host);
        var dev = new WebhookUrlPolicy("127.0.0.1, localhost");
        Assert.Null(dev.Check("http://127.0.0.1:9000/hook", out _));
        Assert.Null(dev.Check("http://localhost:9000/hook", out _));
        Assert.NotNull(dev.Check("http://10.0.0.1/hook", out _));
        Assert.NotNull(dev.Check("http://[::1]:9000/hook", out _));
    }

    [Fact]
    public void Backoff_doubles_per_attempt_within_its_jitter_and_stops_at_the_cap()
    {
        var baseDelay = TimeSpan.FromSeconds(5);
        var max = TimeSpan.FromHours(1);
        Assert.Equal(TimeSpan.FromSeconds(2.5), WebhookSender.Backoff(1, baseDelay, max, 0));
        Assert.Equal(TimeSpan.FromSeconds(5), WebhookSender.Backoff(1, baseDelay, max, 0.99999999).RoundTo());
        Assert.Equal(TimeSpan.FromSeconds(20), WebhookSender.Backoff(4, baseDelay, max, 0));
        Assert.Equal(TimeSpan.FromMinutes(30), WebhookSender.Backoff(40, baseDelay, max, 0));
        Assert.Equal(max, WebhookSender.Backoff(40, baseDelay, max, 0.99999999).RoundTo());
    }
}

internal static class TimeSpanRounding
{
    public static TimeSpan RoundTo(this TimeSpan t) => TimeSpan.FromSeconds(Math.Round(t.TotalSeconds));
}
