using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentRnn.Core.Spaces;
using AgentRnn.Host.Env;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Env;

/// <summary>
/// Random and mutated messages against the C# decoders: every case must decode or throw <see cref="EnvProtocolException"/>
/// — no other exception, no read out of range, and no allocation beyond a small bound (the message is already in memory).
/// </summary>
public sealed class DecoderFuzzTests(ITestOutputHelper output)
{
    private const int MaxMessage = 1 << 20;

    private sealed class Case
    {
        public required EnvSpec Spec { get; init; }
        public required List<byte[]> Messages { get; init; }
        public required VectorStep Result { get; init; }
        public required SpaceBatch Actions { get; init; }
        public required bool[] Mask { get; init; }
    }

    private static Box Image => new(0, 255, [6, 5, 3], DType.UInt8);

    private static Box Vector => new([-1.0, -2.0, -3.0], [1.0, 2.0, double.PositiveInfinity], [3], DType.Float32);

    private static List<Case> Cases()
    {
        var nested = new Dict([new("frame", Image), new("state", new Dict([new("v", Vector), new("k", new Discrete(4, 1))]))]);
        var specs = new[]
        {
            new EnvSpec(Image, new Discrete(3), 1, AutoresetMode.NextStep, "{\"env\":\"fuzz\"}"),
            new EnvSpec(Vector, new Box(-1, 1, [2]), 4, AutoresetMode.SameStep),
            new EnvSpec(nested, new MultiDiscrete(3, 2), 2),
            new EnvSpec(Vector, new Dict([new("a", new Discrete(2)), new("b", new Box(0, 1, [2, 2], DType.Float64))]), 3, AutoresetMode.Disabled),
        };
        var random = new Random(5);
        return specs.Select(spec =>
        {
            int n = spec.NumEnvs;
            var result = new VectorStep(spec);
            for (int k = 0; k < result.Observations.LeafCount; k++)
            {
                random.NextBytes(result.Observations.Leaf(k).Bytes);
                random.NextBytes(result.FinalObservations.Leaf(k).Bytes);
            }
            var actions = new SpaceBatch(spec.ActionSpace, n);
            for (int k = 0; k < actions.LeafCount; k++)
            {
                if (spec.ActionSpace.Leaves[k] is Box)
                {
                    random.NextBytes(actions.Leaf(k).Bytes);
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        for (int e = 0; e < spec.ActionSpace.Leaves[k].ElementCount; e++)
                        {
                            long start = spec.ActionSpace.Leaves[k] is Discrete d ? d.Start : 0;
                            actions.Leaf(k).SetInt64(i, e, start + random.Next(2));
                        }
                    }
                }
            }
            for (int i = 0; i < n; i++)
            {
                result.Rewards[i] = i * 0.5;
                result.Flags[i] = i == 0 ? StepFlags.Terminated | (spec.Autoreset == AutoresetMode.SameStep ? StepFlags.FinalObservation | StepFlags.EpisodeStart : 0) : StepFlags.None;
            }
            result.SetInfoJson(Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, n).Select(i => $"{{\"k\":{i}}}")) + "]"));
            var w = new WireWriter();
            var messages = new List<byte[]>();
            void Add(Action write)
            {
                write();
                messages.Add(w.Written.ToArray());
            }
            Add(() => MessageCodec.WriteHello(w, MaxMessage));
            Add(() => MessageCodec.WriteSpec(w, spec, MaxMessage));
            Add(() => MessageCodec.WriteReset(w, 7, Enumerable.Repeat(true, n).ToArray(), "{\"difficulty\":2}"));
            Add(() => MessageCodec.WriteReset(w, null, [], null));
            Add(() => MessageCodec.WriteResetResult(w, result));
            Add(() => MessageCodec.WriteStep(w, actions));
            Add(() => MessageCodec.WriteStepResult(w, result));
            Add(() => MessageCodec.WriteError(w, EnvErrorCode.EnvFailed, "boom"));
            Add(() => MessageCodec.WriteClose(w));
            return new Case { Spec = spec, Messages = messages, Result = new VectorStep(spec), Actions = new SpaceBatch(spec.ActionSpace, n), Mask = new bool[n] };
        }).ToList();
    }

    private static byte[] Mutate(byte[] data, Random random)
    {
        var b = new List<byte>(data);
        switch (random.Next(9))
        {
            case 0 when b.Count > 0:
                for (int i = random.Next(1, 5); i > 0; i--)
                {
                    int at = random.Next(b.Count);
                    b[at] ^= (byte)(1 << random.Next(8));
                }
                break;
            case 1 when b.Count > 0:
                for (int i = random.Next(1, 5); i > 0; i--)
                {
                    b[random.Next(b.Count)] = new byte[] { 0, 1, 0x7F, 0x80, 0xFF }[random.Next(5)];
                }
                break;
            case 2:
                int cut = random.Next(b.Count + 1);
                b.RemoveRange(cut, b.Count - cut);
                if (b.Count >= 4 && random.Next(2) == 0)
                {
                    SetU32(b, 0, (uint)(b.Count - 4));
                }
                break;
            case 3:
                for (int i = random.Next(1, 17); i > 0; i--)
                {
                    b.Add((byte)random.Next(256));
                }
                if (random.Next(2) == 0)
                {
                    SetU32(b, 0, (uint)(b.Count - 4));
                }
                break;
            case 4 when b.Count >= 5:
                SetU32(b, 0, new uint[] { 0, 1, uint.MaxValue, int.MaxValue, (uint)b.Count, (uint)random.NextInt64(1L << 32) }[random.Next(6)]);
                break;
            case 5 when b.Count >= 9:
                SetU32(b, random.Next(5, b.Count - 3), new uint[] { uint.MaxValue, 0x10000, 1u << 31, (uint)random.NextInt64(1L << 32) }[random.Next(4)]);
                break;
            case 6 when b.Count >= 5:
                b[4] = (byte)random.Next(256);
                break;
            case 7:
                int j = random.Next(b.Count + 1);
                int from = random.Next(b.Count + 1);
                b = [.. b.Take(j), .. b.Skip(from)];
                break;
            default:
                byte[] body = new byte[random.Next(65)];
                random.NextBytes(body);
                b = [.. BitConverter.GetBytes((uint)body.Length + 1), (byte)random.Next(1, 10), .. body];
                break;
        }
        return [.. b];
    }

    private static void SetU32(List<byte> b, int at, uint value)
    {
        Span<byte> raw = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(raw, value);
        for (int i = 0; i < 4; i++)
        {
            b[at + i] = raw[i];
        }
    }

    /// <summary>Decodes one whole frame held in memory, as the socket reader and the message handlers would.</summary>
    private static void DecodeFrame(byte[] data, Case c)
    {
        if (data.Length < EnvProtocol.HeaderSize)
        {
            throw new EnvProtocolException("short frame (a socket reader would wait for the rest)");
        }
        (MessageType type, int payloadLength) = MessageCodec.ReadHeader(data, MaxMessage, "fuzz", "anything");
        if (payloadLength != data.Length - EnvProtocol.HeaderSize)
        {
            throw new EnvProtocolException("frame length differs from the data (a socket reader would wait or read on)");
        }
        ReadOnlySpan<byte> payload = data.AsSpan(EnvProtocol.HeaderSize);
        switch (type)
        {
            case MessageType.Hello: MessageCodec.ReadHello(payload); break;
            case MessageType.Spec: MessageCodec.ReadSpec(payload, MaxMessage); break;
            case MessageType.Reset: MessageCodec.ReadReset(payload, c.Mask); break;
            case MessageType.ResetResult: MessageCodec.ReadResetResult(payload, c.Result); break;
            case MessageType.Step: MessageCodec.ReadStep(payload, c.Actions); break;
            case MessageType.StepResult: MessageCodec.ReadStepResult(payload, c.Result); break;
            case MessageType.Error: MessageCodec.ReadError(payload); break;
            default: break;
        }
    }

    [Fact]
    public void Decoders_ValidMessages_RoundTrip()
    {
        foreach (Case c in Cases())
        {
            foreach (byte[] message in c.Messages)
            {
                DecodeFrame(message, c);
            }
        }
    }

    [Fact]
    public void Decoders_TwelveThousandMutatedMessages_OnlyProtocolErrorsAndBoundedAllocation()
    {
        const int count = 12000;
        List<Case> cases = Cases();
        var random = new Random(12345);
        int accepted = 0, rejected = 0;
        long worstAllocation = 0;
        for (int i = 0; i < count; i++)
        {
            Case c = cases[random.Next(cases.Count)];
            byte[] data = Mutate(c.Messages[random.Next(c.Messages.Count)], random);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                DecodeFrame(data, c);
                accepted++;
            }
            catch (EnvProtocolException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i}: {e.GetType().Name}: {e.Message} on {Convert.ToHexString(data.AsSpan(0, Math.Min(64, data.Length)))}");
            }
            worstAllocation = Math.Max(worstAllocation, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        output.WriteLine($"{count} cases: {accepted} accepted, {rejected} rejected; worst allocation in one case {worstAllocation} bytes");
        Assert.True(worstAllocation < 256 * 1024, $"one case allocated {worstAllocation} bytes");
    }

    [Fact]
    public void Client_MutatedServerStreams_FailsWithEnvExceptionOrPlays()
    {
        Case c = Cases()[0];
        byte[][] good = [c.Messages[1], c.Messages[4], c.Messages[6]]; // SPEC, RESET_RESULT, STEP_RESULT
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        var address = EnvAddress.Tcp("127.0.0.1", ((IPEndPoint)listener.LocalEndPoint!).Port);
        var random = new Random(99);
        int failed = 0;
        for (int i = 0; i < 200; i++)
        {
            byte[] stream = [.. good.SelectMany(m => random.Next(3) == 0 ? Mutate(m, random) : m)];
            var serve = new Thread(() =>
            {
                using Socket s = listener.Accept();
                try
                {
                    var hello = new byte[17];
                    s.ReceiveTimeout = 5000;
                    s.Receive(hello);
                    s.Send(stream);
                    s.Shutdown(SocketShutdown.Send);
                    var sink = new byte[4096];
                    while (s.Receive(sink) > 0)
                    {
                    }
                }
                catch (SocketException)
                {
                    // The client hung up first, as it should on a bad stream.
                }
            });
            serve.Start();
            try
            {
                using SocketVectorEnv env = SocketVectorEnv.Connect(address, TimeSpan.FromSeconds(5), MaxMessage);
                var result = new VectorStep(env.Spec);
                env.Reset(1, [], null, result);
                env.Step(new SpaceBatch(env.Spec.ActionSpace, env.Spec.NumEnvs), result);
            }
            catch (EnvException)
            {
                failed++;
            }
            Assert.True(serve.Join(TimeSpan.FromSeconds(10)), $"case {i}: the fake server did not finish");
        }
        output.WriteLine($"200 mutated server streams: {failed} failed cleanly, {200 - failed} played");
    }
}
