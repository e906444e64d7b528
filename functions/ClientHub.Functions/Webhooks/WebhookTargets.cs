using System.Net;
using System.Net.Sockets;

namespace ClientHub.Functions.Webhooks;

/// <summary>
/// Where outbound webhooks may go: https URLs whose every address is public. Loopback, private, carrier-grade NAT, link-local (the
/// cloud metadata service at 169.254.169.254 among them), unique-local, multicast and unspecified addresses are refused, checked after
/// DNS resolution when a subscription is saved and again on every connection (so a name re-pointed at a private address later is
/// refused too). <see cref="WebhookOptions.AllowPrivateTargets"/> lifts both rules (and allows http) for development and tests.
/// </summary>
public static class WebhookTargets
{
    /// <summary>Null when <paramref name="url"/> may be called; otherwise why not.</summary>
    public static async Task<string?> ProblemAsync(string? url, bool allowPrivate, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(uri.UserInfo))
            return "An absolute https URL without credentials is required.";
        if (allowPrivate) return null;
        if (uri.Scheme != "https") return "Only https URLs are allowed.";
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.DnsSafeHost, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(uri.DnsSafeHost, cancellationToken);
        }
        catch (SocketException)
        {
            return "The host name does not resolve.";
        }
        if (addresses.Length == 0) return "The host name does not resolve.";
        return addresses.All(IsPublic) ? null : "The URL resolves to a private, loopback or link-local address.";
    }

    /// <summary>For <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves, refuses non-public addresses (unless allowed), connects.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connect(bool allowPrivate) => async (context, ct) =>
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (!allowPrivate && !addresses.All(IsPublic))
            throw new HttpRequestException($"Refused to connect to {host}: it resolves to a private, loopback or link-local address.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 || b[0] >= 224 // this network, private, loopback; multicast, reserved, broadcast
                || (b[0] == 100 && b[1] is >= 64 and <= 127) // carrier-grade NAT
                || (b[0] == 169 && b[1] == 254) // link-local, the metadata service
                || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168));
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        var first = address.GetAddressBytes()[0];
        return !(address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (first & 0xFE) == 0xFC); // unique-local fc00::/7
    }
}
