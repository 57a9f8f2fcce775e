using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AgentRnn.Core;

namespace AgentRnn.Host.Env;

/// <summary>Where an env server listens: "tcp://HOST:PORT" or "unix:PATH".</summary>
public sealed class EnvAddress
{
    private EnvAddress(string? host, int port, string? unixPath)
    {
        Host = host;
        Port = port;
        UnixPath = unixPath;
    }

    /// <summary>TCP host name or address; null for a Unix socket.</summary>
    public string? Host { get; }

    /// <summary>TCP port (0 asks the server for a free one); 0 for a Unix socket.</summary>
    public int Port { get; }

    /// <summary>Unix domain socket path; null for TCP.</summary>
    public string? UnixPath { get; }

    /// <summary>Whether this is a Unix domain socket address.</summary>
    public bool IsUnix => UnixPath is not null;

    /// <summary>A TCP address.</summary>
    public static EnvAddress Tcp(string host, int port)
    {
        if (port is < 0 or > 65535)
        {
            throw new AgentException($"env address port {port} is outside 0..65535");
        }
        return new EnvAddress(host, port, null);
    }

    /// <summary>A Unix domain socket address.</summary>
    public static EnvAddress Unix(string path) =>
        string.IsNullOrEmpty(path) ? throw new AgentException("env address 'unix:' has no path") : new EnvAddress(null, 0, path);

    /// <summary>Parses "tcp://HOST:PORT" (IPv6 hosts in brackets) or "unix:PATH"; a bad address is an <see cref="AgentException"/>.</summary>
    public static EnvAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            string path = text[5..];
            return Unix(path.StartsWith("//", StringComparison.Ordinal) ? path[2..] : path);
        }
        if (text.StartsWith("tcp://", StringComparison.Ordinal))
        {
            string rest = text[6..].TrimEnd('/');
            int colon = rest.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(rest.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port))
            {
                throw new AgentException($"env address '{text}' has no port (expected tcp://HOST:PORT)");
            }
            return Tcp(rest[..colon].Trim('[', ']'), port);
        }
        throw new AgentException($"env address '{text}' is not tcp://HOST:PORT or unix:PATH");
    }

    /// <summary>The socket endpoint (resolving a TCP host name, preferring IPv4).</summary>
    public EndPoint ToEndPoint()
    {
        if (UnixPath is not null)
        {
            return new UnixDomainSocketEndPoint(UnixPath);
        }
        if (IPAddress.TryParse(Host, out IPAddress? ip))
        {
            return new IPEndPoint(ip, Port);
        }
        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(Host!);
        }
        catch (SocketException e)
        {
            throw new EnvException($"cannot resolve env host '{Host}': {e.Message}", null, e);
        }
        IPAddress? chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        return chosen is null ? throw new EnvException($"env host '{Host}' has no address") : new IPEndPoint(chosen, Port);
    }

    /// <summary>A new stream socket for this address, with TCP_NODELAY on TCP.</summary>
    internal Socket CreateSocket(EndPoint endPoint)
    {
        var socket = IsUnix
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        return socket;
    }

    /// <inheritdoc />
    public override string ToString() =>
        UnixPath is not null ? $"unix:{UnixPath}" : Host!.Contains(':', StringComparison.Ordinal) ? $"tcp://[{Host}]:{Port}" : $"tcp://{Host}:{Port}";
}
