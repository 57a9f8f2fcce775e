using System.Net;
using System.Net.Sockets;

namespace AgentRnn.Host.Env;

/// <summary>
/// The env client: a vector env played over a socket by any server that speaks the env protocol (envs/serve.py,
/// a C# <see cref="EnvServer"/>). Every operation — connecting, the handshake, each reset and step — fails within
/// <see cref="Timeout"/> with one <see cref="EnvException"/> line naming the address and what went wrong.
/// </summary>
/// <remarks>Steps allocate nothing: messages are built and received in buffers owned by the connection.</remarks>
public sealed class SocketVectorEnv : IVectorEnv
{
    private readonly FramedConnection _connection;
    private readonly WireWriter _writer = new();
    private bool _disposed;

    private SocketVectorEnv(EnvAddress address, FramedConnection connection, EnvSpec spec, int maxMessage, TimeSpan timeout)
    {
        Address = address;
        _connection = connection;
        Spec = spec;
        MaxMessageSize = maxMessage;
        Timeout = timeout;
    }

    /// <summary>The server's address.</summary>
    public EnvAddress Address { get; }

    /// <inheritdoc />
    public EnvSpec Spec { get; }

    /// <summary>The negotiated maximum message size.</summary>
    public int MaxMessageSize { get; }

    /// <summary>The per-operation deadline.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>
    /// Connects, sends HELLO and reads SPEC. <paramref name="maxMessageSize"/> is the largest message this client accepts.
    /// </summary>
    public static SocketVectorEnv Connect(EnvAddress address, TimeSpan timeout, int maxMessageSize = EnvProtocol.DefaultMaxMessageSize)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (maxMessageSize < EnvProtocol.MinMaxMessageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMessageSize), maxMessageSize, $"must be at least {EnvProtocol.MinMaxMessageSize}");
        }
        string peer = $"env at {address}";
        EndPoint endPoint = address.ToEndPoint();
        Socket socket = address.CreateSocket(endPoint);
        try
        {
            ConnectWithin(socket, endPoint, timeout, peer);
            var connection = new FramedConnection(socket, peer, maxMessageSize, timeout);
            var writer = new WireWriter(64);
            MessageCodec.WriteHello(writer, maxMessageSize);
            connection.Send(writer);
            MessageType type = connection.Receive("the handshake (SPEC)") ?? throw new EnvException($"{peer} closed the connection during the handshake");
            (EnvSpec spec, int negotiated) = type switch
            {
                MessageType.Spec => MessageCodec.ReadSpec(connection.Payload, maxMessageSize),
                MessageType.Error => throw RemoteError(peer, connection.Payload),
                _ => throw new EnvProtocolException($"{peer} answered the handshake with message type {(byte)type}, not SPEC (is it an AgentRnn env server?)"),
            };
            connection.MaxMessage = negotiated;
            return new SocketVectorEnv(address, connection, spec, negotiated, timeout);
        }
        catch (EnvProtocolException e)
        {
            socket.Dispose();
            throw new EnvProtocolException($"{peer}: {e.Message}", e.Code);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // A blocking connect on a pool thread, abandoned (socket closed) at the deadline. Not ConnectAsync or a
    // non-blocking connect: .NET then switches the descriptor to non-blocking mode for good and emulates every later
    // blocking call with allocations, which the step loop must not make.
    private static void ConnectWithin(Socket socket, EndPoint endPoint, TimeSpan timeout, string peer)
    {
        Task connect = Task.Run(() => socket.Connect(endPoint));
        bool done;
        try
        {
            done = connect.Wait(timeout);
        }
        catch (AggregateException e) when (e.InnerException is SocketException se)
        {
            string why = se.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (is the env server running?)",
                SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported => "address not available",
                _ => se.Message,
            };
            throw new EnvException($"could not connect to {peer}: {why}", null, se);
        }
        if (!done)
        {
            socket.Dispose();
            connect.ContinueWith(t => t.Exception, TaskScheduler.Default);
            throw new EnvException($"{peer}: no connection within {timeout.TotalSeconds:0.###} s");
        }
    }

    /// <inheritdoc />
    public void Reset(long? seed, ReadOnlySpan<bool> mask, string? optionsJson, VectorStep result)
    {
        ArgumentNullException.ThrowIfNull(result);
        ThrowIfDisposed();
        if (!mask.IsEmpty && mask.Length != Spec.NumEnvs)
        {
            throw new ArgumentException($"reset mask has {mask.Length} entries for {Spec.NumEnvs} envs", nameof(mask));
        }
        MessageCodec.WriteReset(_writer, seed, mask, optionsJson);
        Exchange(MessageType.ResetResult, "RESET_RESULT");
        Decode(() => MessageCodec.ReadResetResult(_connection.Payload, result));
    }

    /// <inheritdoc />
    public void Step(SpaceBatch actions, VectorStep result)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(result);
        ThrowIfDisposed();
        if (actions.Batch != Spec.NumEnvs)
        {
            throw new ArgumentException($"{actions.Batch} actions for {Spec.NumEnvs} envs", nameof(actions));
        }
        MessageCodec.WriteStep(_writer, actions);
        if (_writer.Length > MaxMessageSize)
        {
            throw new EnvException($"a STEP of {_writer.Length} bytes exceeds the negotiated maximum {MaxMessageSize} for env at {Address}");
        }
        Exchange(MessageType.StepResult, "STEP_RESULT");
        try
        {
            MessageCodec.ReadStepResult(_connection.Payload, result);
        }
        catch (EnvProtocolException e)
        {
            throw Broken(e);
        }
    }

    private void Decode(Action decode)
    {
        try
        {
            decode();
        }
        catch (EnvProtocolException e)
        {
            throw Broken(e);
        }
    }

    private EnvProtocolException Broken(EnvProtocolException e)
    {
        Dispose();
        return new EnvProtocolException($"env at {Address} sent a bad message: {e.Message}", e.Code);
    }

    private void Exchange(MessageType expected, string name)
    {
        try
        {
            _connection.Send(_writer);
            MessageType type = _connection.Receive(name) ?? throw new EnvException($"env at {Address} closed the connection (waiting for {name})");
            if (type == MessageType.Error)
            {
                throw RemoteError($"env at {Address}", _connection.Payload);
            }
            if (type != expected)
            {
                throw new EnvProtocolException($"env at {Address} sent message type {(byte)type} instead of {name}", EnvErrorCode.Unexpected);
            }
        }
        catch (EnvException)
        {
            Dispose();
            throw;
        }
    }

    private static EnvException RemoteError(string peer, ReadOnlySpan<byte> payload)
    {
        ushort code;
        string text;
        try
        {
            (code, text) = MessageCodec.ReadError(payload);
        }
        catch (EnvProtocolException e)
        {
            // A malformed ERROR (its text length past the payload, say) is still that env's fault: name it.
            return new EnvProtocolException($"{peer} sent a bad ERROR message: {e.Message}", e.Code);
        }
        return new EnvException($"{peer} reported: {text}", (EnvErrorCode)code);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Sends CLOSE (best effort) and closes the socket.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            MessageCodec.WriteClose(_writer);
            _connection.Timeout = TimeSpan.FromSeconds(1);
            _connection.Send(_writer);
        }
        catch (Exception e) when (e is EnvException or SocketException or ObjectDisposedException)
        {
            // The server may already be gone; the socket is closed below either way.
        }
        _connection.Dispose();
    }
}
