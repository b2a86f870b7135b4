using System.Net;
using System.Net.Sockets;

namespace Nexus.Gateway.Webhooks;

/// <summary>
/// Where webhooks may go. A URL must be https to a host whose every use resolves to a public address: loopback,
/// private, link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254), CGNAT, multicast and reserved ranges
/// are refused as literals here and again after DNS resolution, at connect time (<see cref="ConnectAsync"/>), so a
/// name that resolves to an internal address later is refused too. Hosts the operator lists
/// (<c>NEXUS_GATEWAY_WEBHOOK_ALLOWED_HOSTS</c>: development and tests) may use http and any address.
/// </summary>
public sealed class WebhookUrlPolicy
{
    public const int MaxUrlLength = 2048;

    private static readonly string[] MetadataNames = ["metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"];

    private readonly HashSet<string> _allowedHosts;

    public WebhookUrlPolicy(string? allowedHosts)
    {
        _allowedHosts = (allowedHosts ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Normalize).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public bool IsAllowedHost(string host) => _allowedHosts.Contains(Normalize(host));

    /// <summary>Null when <paramref name="text"/> is an acceptable webhook URL (before DNS), else why not.</summary>
    public string? Check(string? text, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(text)) return "is required";
        if (text.Length > MaxUrlLength) return $"must be at most {MaxUrlLength} characters";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("https" or "http") || parsed.Host.Length == 0)
            return "must be an absolute https URL";
        if (parsed.UserInfo.Length > 0) return "must not carry credentials (user:password@)";
        if (parsed.Fragment.Length > 0) return "must not have a #fragment";
        var allowed = IsAllowedHost(parsed.Host);
        if (parsed.Scheme == "http" && !allowed) return "must use https";
        if (!allowed)
        {
            var host = Normalize(parsed.Host);
            if (IPAddress.TryParse(host, out var ip) && IsBlocked(ip)) return "must not point at a loopback, private, link-local or metadata address";
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
                || MetadataNames.Contains(host, StringComparer.OrdinalIgnoreCase))
                return "must not point at this machine or a metadata service";
        }
        uri = parsed;
        return null;
    }

    /// <summary>
    /// The sender's connect step: resolves the host, drops every refused address, and connects to the first one left;
    /// a host with nothing left fails with <see cref="WebhookAddressRefusedException"/>. Checking the address actually
    /// connected to (not an earlier lookup) leaves no window for a name to change its answer in between.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var allowed = IsAllowedHost(host);
        IPAddress[] addresses = IPAddress.TryParse(Normalize(host), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        var usable = allowed ? addresses : addresses.Where(a => !IsBlocked(a)).ToArray();
        if (usable.Length == 0)
            throw new WebhookAddressRefusedException($"{host} resolves only to loopback, private, link-local or metadata addresses");
        Exception? last = null;
        foreach (var address in usable)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>True for addresses no webhook may reach: not globally routable, or a cloud metadata service.</summary>
    public static bool IsBlocked(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = ip.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,                                  // this network, private, loopback
                100 => b[1] >= 64 && b[1] <= 127,                        // 100.64.0.0/10 carrier-grade NAT
                169 => b[1] == 254,                                      // link-local, cloud metadata
                172 => b[1] >= 16 && b[1] <= 31,                         // private
                192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99), // private, IETF, TEST-NET-1, 6to4 relay
                198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100),  // benchmarking, TEST-NET-2
                203 => b[1] == 0 && b[2] == 113,                         // TEST-NET-3
                >= 224 => true,                                          // multicast, reserved, broadcast
                _ => false,
            };
        }
        if (ip.AddressFamily != AddressFamily.InterNetworkV6) return true;
        if (IPAddress.IsLoopback(ip) || ip.Equals(IPAddress.IPv6None) || ip.Equals(IPAddress.IPv6Any)) return true;
        if (ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6Multicast || ip.IsIPv6UniqueLocal) return true; // fe80::/10, fec0::/10, ff00::/8, fc00::/7 (fd00:ec2::254)
        var v6 = ip.GetAddressBytes();
        // NAT64 (64:ff9b::/96) and IPv4-compatible (::/96) addresses carry an IPv4 address: judge that one.
        if ((v6[0] == 0 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            || v6.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
            return IsBlocked(new IPAddress(v6.AsSpan(12, 4)));
        if (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0d && v6[3] == 0xb8) return true; // 2001:db8::/32 documentation
        return false;
    }

    private static string Normalize(string host) => host.Trim().TrimStart('[').TrimEnd(']').TrimEnd('.');
}

/// <summary>A webhook host that resolves only to refused addresses: the delivery fails for good, it is not retried.</summary>
public sealed class WebhookAddressRefusedException(string message) : Exception(message);
