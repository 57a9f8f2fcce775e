using System.Diagnostics;
using System.Net.Sockets;

namespace AgentRnn.Host.Env;

/// <summary>
/// Length-prefixed messages over a connected stream socket. A message's length is checked against
/// <see cref="MaxMessage"/> before any of its payload is read or its buffer grown; every receive has a deadline of
/// <see cref="Timeout"/> for the whole message (not per chunk), so a peer that trickles bytes cannot stall it either.
/// </summary>
internal sealed class FramedConnection : IDisposable
{
    private readonly Socket _socket;
    private byte[] _receive = new byte[4096];
    private int _payloadLength;
    private TimeSpan _timeout;

    /// <summary>Wraps a connected socket; <paramref name="peer"/> names the other end in error messages.</summary>
    public FramedConnection(Socket socket, string peer, int maxMessage, TimeSpan timeout)
    {
        _socket = socket;
        Peer = peer;
        MaxMessage = maxMessage;
        Timeout = timeout;
    }

    /// <summary>The other end, as error messages name it.</summary>
    public string Peer { get; }

    /// <summary>Largest message accepted, header included.</summary>
    public int MaxMessage { get; set; }

    /// <summary>Deadline for receiving one whole message and for sending one; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            _timeout = value;
            int ms = ToMilliseconds(value);
            _socket.ReceiveTimeout = ms;
            _socket.SendTimeout = ms;
        }
    }

    /// <summary>The payload of the last message received (valid until the next receive).</summary>
    public ReadOnlySpan<byte> Payload => _receive.AsSpan(EnvProtocol.HeaderSize, _payloadLength);

    /// <summary>Sends one finished message.</summary>
    public void Send(WireWriter message)
    {
        try
        {
            ReadOnlySpan<byte> data = message.Written;
            while (!data.IsEmpty)
            {
                int sent = _socket.Send(data);
                data = data[sent..];
            }
        }
        catch (SocketException e)
        {
            throw Translate(e, "sending");
        }
        catch (ObjectDisposedException e)
        {
            throw new EnvException($"{Peer}: the connection is closed", null, e);
        }
    }

    /// <summary>
    /// Receives one message into the reused buffer and returns its type; the payload is <see cref="Payload"/>.
    /// Returns null when the peer closed the connection cleanly before a new message began.
    /// </summary>
    public MessageType? Receive(string waitingFor, int? limit = null)
    {
        long start = Stopwatch.GetTimestamp();
        int max = limit ?? MaxMessage;
        if (!ReceiveExactly(_receive.AsSpan(0, EnvProtocol.HeaderSize), start, waitingFor, allowCleanClose: true))
        {
            return null;
        }
        (MessageType type, int payloadLength) = MessageCodec.ReadHeader(_receive, max, Peer, waitingFor);
        int total = payloadLength + EnvProtocol.HeaderSize;
        if (_receive.Length < total)
        {
            // Grown only up to the capped size above, and kept for later messages.
            Array.Resize(ref _receive, Math.Min(max, Math.Max(total, _receive.Length * 2)));
        }
        _payloadLength = payloadLength;
        ReceiveExactly(_receive.AsSpan(EnvProtocol.HeaderSize, _payloadLength), start, waitingFor, allowCleanClose: false);
        return type;
    }

    private bool ReceiveExactly(Span<byte> into, long start, string waitingFor, bool allowCleanClose)
    {
        int got = 0;
        bool rearmed = false;
        try
        {
            while (got < into.Length)
            {
                if (_timeout != System.Threading.Timeout.InfiniteTimeSpan)
                {
                    TimeSpan left = _timeout - Stopwatch.GetElapsedTime(start);
                    if (left <= TimeSpan.Zero)
                    {
                        throw TimedOut(waitingFor);
                    }
                    if (got > 0)
                    {
                        // Only a message that arrives in pieces pays for re-arming the socket's timeout.
                        _socket.ReceiveTimeout = Math.Max(1, ToMilliseconds(left));
                        rearmed = true;
                    }
                }
                int n = _socket.Receive(into[got..]);
                if (n == 0)
                {
                    if (got == 0 && allowCleanClose)
                    {
                        return false;
                    }
                    throw new EnvException($"{Peer} closed the connection in the middle of a message (got {got} of {into.Length} bytes while waiting for {waitingFor})");
                }
                got += n;
            }
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut || e.SocketErrorCode == SocketError.WouldBlock)
        {
            throw TimedOut(waitingFor);
        }
        catch (SocketException e)
        {
            throw Translate(e, $"waiting for {waitingFor}");
        }
        catch (ObjectDisposedException e)
        {
            throw new EnvException($"{Peer}: the connection is closed", null, e);
        }
        finally
        {
            if (rearmed)
            {
                _socket.ReceiveTimeout = ToMilliseconds(_timeout);
            }
        }
    }

    private EnvException TimedOut(string waitingFor) =>
        new($"{Peer} did not answer within {_timeout.TotalSeconds:0.###} s (waiting for {waitingFor})");

    private EnvException Translate(SocketException e, string doing) => e.SocketErrorCode switch
    {
        SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted or SocketError.NotConnected =>
            new EnvException($"{Peer} closed the connection ({doing})", null, e),
        _ => new EnvException($"{Peer}: socket error while {doing}: {e.Message}", null, e),
    };

    private static int ToMilliseconds(TimeSpan t) =>
        t == System.Threading.Timeout.InfiniteTimeSpan ? 0 : (int)Math.Clamp(Math.Ceiling(t.TotalMilliseconds), 1, int.MaxValue);

    /// <summary>Closes the socket.</summary>
    public void Dispose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // The peer may already be gone; closing is all that is left to do.
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        _socket.Dispose();
    }
}
