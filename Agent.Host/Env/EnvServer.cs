using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AgentRnn.Host.IO;

namespace AgentRnn.Host.Env;

/// <summary>
/// Serves vector envs over the env protocol, so a game written in C# can be trained by Python (envs/client.py) or
/// played by `agent run`. Every connection gets its own env from the factory, on its own thread; a client that
/// vanishes — mid-episode or mid-message — or sends garbage costs only its own connection.
/// </summary>
/// <remarks>
/// Lifecycle: construct, <see cref="Start"/> (binds and listens; port 0 picks a free port, see <see cref="Address"/>),
/// then <see cref="Dispose"/> stops accepting and closes every connection and env.
/// </remarks>
public sealed class EnvServer : IDisposable
{
    private readonly Func<IVectorEnv> _factory;
    private readonly int _maxMessage;
    private readonly TimeSpan _handshakeTimeout;
    private readonly ConcurrentDictionary<Socket, byte> _clients = new();
    private Socket? _listener;
    private Thread? _acceptThread;
    private volatile bool _stopping;
    private int _served;

    /// <summary>
    /// <paramref name="factory"/> makes one vector env per connection (called on the connection's thread).
    /// <paramref name="log"/> receives one line per connection problem (null: silent).
    /// </summary>
    public EnvServer(Func<IVectorEnv> factory, int maxMessageSize = EnvProtocol.DefaultMaxMessageSize, TimeSpan? handshakeTimeout = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageSize, EnvProtocol.MinMaxMessageSize);
        _factory = factory;
        _maxMessage = maxMessageSize;
        _handshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(30);
        Log = log;
    }

    /// <summary>Where the server listens (the real port after binding port 0); null before <see cref="Start"/>.</summary>
    public EnvAddress? Address { get; private set; }

    /// <summary>Connections that have ended so far (cleanly or not).</summary>
    public int ConnectionsServed => Volatile.Read(ref _served);

    private Action<string>? Log { get; }

    /// <summary>Binds <paramref name="address"/>, listens, and starts accepting on a background thread.</summary>
    public EnvAddress Start(EnvAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (_listener is not null)
        {
            throw new InvalidOperationException("the server is already started");
        }
        EndPoint endPoint = address.ToEndPoint();
        if (address.IsUnix && FileStat.Of(address.UnixPath!, followLinks: false).Kind == FileKind.Socket)
        {
            // A socket left by a server that died; anything else at the path is the user's and stays (bind then fails).
            File.Delete(address.UnixPath!);
        }
        Socket listener = address.CreateSocket(endPoint);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(16);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new EnvException($"cannot listen on {address}: {e.Message}", null, e);
        }
        _listener = listener;
        Address = address.IsUnix ? address : EnvAddress.Tcp(address.Host!, ((IPEndPoint)listener.LocalEndPoint!).Port);
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = $"EnvServer {Address}" };
        _acceptThread.Start();
        return Address;
    }

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = _listener!.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_stopping)
                {
                    return;
                }
                Log?.Invoke($"accept failed: {e.Message}");
                continue;
            }
            if (client.AddressFamily != AddressFamily.Unix)
            {
                client.NoDelay = true;
            }
            _clients[client] = 0;
            new Thread(() => Serve(client)) { IsBackground = true, Name = "EnvServer connection" }.Start();
        }
    }

    private void Serve(Socket socket)
    {
        string peer = socket.RemoteEndPoint is IPEndPoint ip ? $"client {ip}" : "client";
        using var connection = new FramedConnection(socket, peer, _maxMessage, _handshakeTimeout);
        var writer = new WireWriter();
        IVectorEnv? env = null;
        try
        {
            env = Handshake(connection, writer);
            if (env is not null)
            {
                connection.Timeout = Timeout.InfiniteTimeSpan; // trainers may pause between steps for as long as they like
                Loop(connection, writer, env);
            }
        }
        catch (EnvProtocolException e)
        {
            Log?.Invoke($"{peer}: {e.Message}");
            TrySend(connection, writer, e.Code, e.Message);
        }
        catch (EnvException e)
        {
            Log?.Invoke($"{peer}: {e.Message}");
        }
        finally
        {
            env?.Dispose();
            _clients.TryRemove(socket, out _);
            Interlocked.Increment(ref _served);
        }
    }

    private IVectorEnv? Handshake(FramedConnection connection, WireWriter writer)
    {
        MessageType? type = connection.Receive("HELLO", EnvProtocol.HelloLimit);
        if (type is null)
        {
            return null;
        }
        if (type != MessageType.Hello)
        {
            throw new EnvProtocolException($"expected HELLO, got message type {(byte)type} at byte 4", EnvErrorCode.Unexpected);
        }
        (ushort version, uint clientMax) = MessageCodec.ReadHello(connection.Payload);
        if (version != EnvProtocol.Version)
        {
            throw new EnvProtocolException(
                $"protocol version mismatch: the client speaks version {version}, this server speaks version {EnvProtocol.Version}",
                EnvErrorCode.VersionMismatch);
        }
        if (clientMax < EnvProtocol.MinMaxMessageSize)
        {
            throw new EnvProtocolException($"HELLO max_message_size {clientMax} is below {EnvProtocol.MinMaxMessageSize} at byte 13");
        }
        connection.MaxMessage = (int)Math.Min(clientMax, (uint)_maxMessage);
        IVectorEnv env;
        try
        {
            env = _factory();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TrySend(connection, writer, EnvErrorCode.EnvFailed, $"creating the env failed: {e.GetType().Name}: {e.Message}");
            Log?.Invoke($"creating the env failed: {e}");
            return null;
        }
        long worst = MessageCodec.WorstStepResultBytes(env.Spec);
        if (worst > connection.MaxMessage)
        {
            env.Dispose();
            throw new EnvProtocolException(
                $"a step result of {env.Spec.NumEnvs} envs can take {worst} bytes, more than the negotiated maximum message size {connection.MaxMessage}",
                EnvErrorCode.TooLarge);
        }
        MessageCodec.WriteSpec(writer, env.Spec, connection.MaxMessage);
        connection.Send(writer);
        return env;
    }

    private void Loop(FramedConnection connection, WireWriter writer, IVectorEnv env)
    {
        var result = new VectorStep(env.Spec);
        var actions = new SpaceBatch(env.Spec.ActionSpace, env.Spec.NumEnvs);
        var mask = new bool[env.Spec.NumEnvs];
        bool started = false;
        while (true)
        {
            MessageType? type = connection.Receive("a request");
            if (type is null or MessageType.Close)
            {
                return;
            }
            long? seed = null;
            string? options = null;
            switch (type)
            {
                case MessageType.Reset:
                    (seed, options) = MessageCodec.ReadReset(connection.Payload, mask);
                    break;
                case MessageType.Step:
                    if (!started)
                    {
                        throw new EnvProtocolException("STEP before the first RESET", EnvErrorCode.Unexpected);
                    }
                    MessageCodec.ReadStep(connection.Payload, actions);
                    break;
                default:
                    throw new EnvProtocolException($"unexpected message type {(byte)type} after the handshake at byte 4", EnvErrorCode.Unexpected);
            }
            try
            {
                if (type == MessageType.Reset)
                {
                    env.Reset(seed, mask, options, result);
                    MessageCodec.WriteResetResult(writer, result);
                    started = true;
                }
                else
                {
                    env.Step(actions, result);
                    MessageCodec.WriteStepResult(writer, result);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log?.Invoke($"{connection.Peer}: the env raised {e}");
                TrySend(connection, writer, EnvErrorCode.EnvFailed, $"{e.GetType().Name}: {e.Message}");
                return;
            }
            if (writer.Length > connection.MaxMessage)
            {
                throw new EnvProtocolException($"the reply of {writer.Length} bytes exceeds the negotiated maximum {connection.MaxMessage}", EnvErrorCode.TooLarge);
            }
            connection.Send(writer);
        }
    }

    private static void TrySend(FramedConnection connection, WireWriter writer, EnvErrorCode code, string text)
    {
        try
        {
            MessageCodec.WriteError(writer, code, text);
            connection.Timeout = TimeSpan.FromSeconds(1);
            connection.Send(writer);
        }
        catch (Exception e) when (e is EnvException or SocketException or ObjectDisposedException)
        {
            // The client is gone; there is no one left to tell.
        }
    }

    /// <summary>Stops accepting, closes every connection (their envs are disposed by their threads) and the listener.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        _listener?.Dispose();
        foreach (Socket client in _clients.Keys)
        {
            try
            {
                client.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already closed by its own thread.
            }
        }
        _acceptThread?.Join(TimeSpan.FromSeconds(5));
        if (Address is { IsUnix: true } && FileStat.Of(Address.UnixPath!, followLinks: false).Kind == FileKind.Socket)
        {
            File.Delete(Address.UnixPath!);
        }
    }
}
