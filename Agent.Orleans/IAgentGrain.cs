using Orleans;

namespace AgentRnn.Orleans;

/// <summary>
/// One agent's memory in the cluster: the grain keyed by the agent id holds the agent's recurrent state and frame stack
/// (through the silo's model), its last applied step and that step's result, persisted in the "agent-memory" grain
/// storage (Redis in production).
/// </summary>
/// <remarks>
/// <para>Steps are numbered from 0 by the caller, one per frame. <see cref="Act"/> applies step <c>n</c> only when the
/// last applied step is <c>n - 1</c>; a call for the last applied step returns its stored result without stepping
/// again, so a step retried after a timeout or a silo failure is never applied twice. Any other step number fails with
/// <see cref="AgentStepException"/>, which names the last applied step so the caller can resend from there (what a
/// silo failure under interval persistence requires; see <see cref="AgentSiloOptions.PersistInterval"/>).</para>
/// <para>Agent ids are the grain's integer key and must fit in an <see cref="int"/> (the model's agent id).</para>
/// </remarks>
public interface IAgentGrain : IGrainWithIntegerKey
{
    /// <summary>Applies one frame as step <paramref name="step"/> and returns the agent's decision.</summary>
    /// <param name="frame">The frame the agent sees at this step.</param>
    /// <param name="step">The step number: the last applied step + 1, or the last applied step again (a retry).</param>
    /// <param name="details">Also return the action probabilities (the value is always returned).</param>
    Task<AgentAction> Act(AgentFrame frame, long step, bool details = false);

    /// <summary>Starts a new episode: clears the recurrent state and the frame stack. The step count goes on.</summary>
    Task Reset();

    /// <summary>The agent's memory as the model saves it (with the model fingerprint), the last step and its result.</summary>
    Task<AgentSnapshot> Snapshot();
}

/// <summary>A frame sent to a grain: packed pixel rows of one of <see cref="AgentRnn.Vision.PixelFormat"/>'s layouts.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentFrame
{
    /// <summary>Creates a frame; the silo checks the layout against the pixels when it builds the model's frame.</summary>
    public AgentFrame(byte[] pixels, int width, int height, int stride, int pixelFormat, bool bottomUp = false)
    {
        Pixels = pixels;
        Width = width;
        Height = height;
        Stride = stride;
        PixelFormat = pixelFormat;
        BottomUp = bottomUp;
    }

    /// <summary>The pixel rows (stride bytes apart).</summary>
    [Id(0)] public byte[] Pixels { get; init; }

    /// <summary>Width in pixels.</summary>
    [Id(1)] public int Width { get; init; }

    /// <summary>Height in pixels.</summary>
    [Id(2)] public int Height { get; init; }

    /// <summary>Bytes from one row to the next.</summary>
    [Id(3)] public int Stride { get; init; }

    /// <summary>The <see cref="AgentRnn.Vision.PixelFormat"/> as its integer value.</summary>
    [Id(4)] public int PixelFormat { get; init; }

    /// <summary>Rows stored bottom row first (Unity, OpenGL read-backs).</summary>
    [Id(5)] public bool BottomUp { get; init; }

    /// <summary>A frame of packed rows (stride = width × bytes per pixel).</summary>
    public static AgentFrame Packed(byte[] pixels, int width, int height, AgentRnn.Vision.PixelFormat format)
        => new(pixels, width, height, width * AgentRnn.Vision.PixelFormatExtensions.BytesPerPixel(format), (int)format);
}

/// <summary>An agent's decision at one step.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentAction
{
    /// <summary>The step this decision belongs to.</summary>
    [Id(0)] public long Step { get; init; }

    /// <summary>The greedy action (the most probable; the first of equals).</summary>
    [Id(1)] public int Action { get; init; }

    /// <summary>The value head's estimate (0 for a model without one).</summary>
    [Id(2)] public float Value { get; init; }

    /// <summary>The action probabilities, when asked for; otherwise null.</summary>
    [Id(3)] public float[]? Probabilities { get; init; }

    /// <summary>How many agents' steps the silo batched into the model step that produced this decision.</summary>
    [Id(4)] public int BatchSize { get; init; }

    /// <summary>True when this is the stored result of a step applied before (a retry), not a new step.</summary>
    [Id(5)] public bool Replayed { get; init; }
}

/// <summary>An agent's state as <see cref="IAgentGrain.Snapshot"/> returns it.</summary>
[GenerateSerializer, Immutable]
public sealed record AgentSnapshot
{
    /// <summary>The model's memory bytes for this agent (recurrent state, frame stack, model fingerprint); empty before the first step.</summary>
    [Id(0)] public byte[] Memory { get; init; } = [];

    /// <summary>The last applied step, -1 before the first.</summary>
    [Id(1)] public long LastStep { get; init; } = -1;

    /// <summary>The last applied step's decision, null before the first.</summary>
    [Id(2)] public AgentAction? LastResult { get; init; }

    /// <summary>The fingerprint of the model the memory belongs to.</summary>
    [Id(3)] public string ModelFingerprint { get; init; } = "";
}

/// <summary>
/// <see cref="IAgentGrain.Act"/> was called with a step that is neither the next one nor the last one applied.
/// <see cref="LastStep"/> says where the agent is, so the caller can resend frames from <c>LastStep + 1</c>.
/// </summary>
[GenerateSerializer]
public sealed class AgentStepException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AgentStepException(long agentId, long requested, long lastStep)
        : base($"agent {agentId}: step {requested} cannot be applied, the last applied step is {lastStep} (send step {lastStep + 1})")
    {
        AgentId = agentId;
        Requested = requested;
        LastStep = lastStep;
    }

    /// <summary>The agent.</summary>
    [Id(0)] public long AgentId { get; }

    /// <summary>The step asked for.</summary>
    [Id(1)] public long Requested { get; }

    /// <summary>The last step the agent applied (-1: none).</summary>
    [Id(2)] public long LastStep { get; }
}
