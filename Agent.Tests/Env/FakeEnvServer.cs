using System.Net;
using System.Net.Sockets;
using AgentRnn.Host.Env;

namespace AgentRnn.Tests.Env;

/// <summary>A TCP listener that treats each connection with a scripted (usually broken) behaviour, for fault tests.</summary>
internal sealed class FakeEnvServer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();

    public FakeEnvServer(Action<Socket, CancellationToken> behaviour)
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4);
        Address = EnvAddress.Tcp("127.0.0.1", ((IPEndPoint)_listener.LocalEndPoint!).Port);
        _thread = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    using Socket client = _listener.Accept();
                    client.ReceiveTimeout = 10000;
                    try
                    {
                        behaviour(client, _stop.Token);
                    }
                    catch (SocketException)
                    {
                        // The client under test hung up, as it should on broken input.
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The listener was closed by Dispose.
            }
        }) { IsBackground = true };
        _thread.Start();
    }

    public EnvAddress Address { get; }

    /// <summary>Reads the client's HELLO (17 bytes).</summary>
    public static void ReadHello(Socket s)
    {
        var hello = new byte[17];
        int got = 0;
        while (got < hello.Length)
        {
            int n = s.Receive(hello, got, hello.Length - got, SocketFlags.None);
            if (n == 0)
            {
                return;
            }
            got += n;
        }
    }

    /// <summary>Waits until the client closes or the server is disposed.</summary>
    public static void Linger(Socket s, CancellationToken stop)
    {
        var sink = new byte[256];
        while (!stop.IsCancellationRequested)
        {
            if (s.Poll(100_000, SelectMode.SelectRead) && s.Receive(sink) == 0)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _thread.Join(TimeSpan.FromSeconds(15));
        _stop.Dispose();
    }
}
