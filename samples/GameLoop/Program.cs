// A game's tick loop driving several AgentRnn agents, built from the packed AgentRnn packages (samples/run.sh).
//
// Each agent lives in its own small arena, rendered every tick into an RGBA buffer as a game's frame buffer would be.
// One AgentBrain steps every agent in one batched call per tick; an agent's episode start resets its memory (recurrent
// state and frame stack). Halfway, the game is saved (arena states plus the agents' memory); the second half is then
// replayed from the save in a fresh brain, and every action must be the same. One agent's frames come bottom-up, as
// glReadPixels returns them, and must give the same actions as its top-down twin. Exit status 1 when a check fails.
using System.Diagnostics;
using AgentRnn;
using AgentRnn.Vision;
using GameLoop;

const int Agents = 4;           // agent 3 is agent 0's world rendered bottom-up
const int Ticks = 200;
const int SaveAt = Ticks / 2;
const int ModelSeed = 7;

int failures = 0;
void Check(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    if (!ok)
    {
        failures++;
    }
}

using AgentBrain brain = AgentBrain.CreateDefault(seed: ModelSeed);
Console.WriteLine($"model: {brain.Model.ActionCount} actions, {brain.Model.ParameterCount:N0} parameters, " +
                  $"memory {brain.Model.MemorySize} floats per agent, fingerprint {brain.Model.Fingerprint[..12]}");

var arenas = new Arena[Agents];
for (int i = 0; i < Agents; i++)
{
    arenas[i] = new Arena(seed: (uint)(1000 + (i == 3 ? 0 : i)));
}
byte[][] frames = [.. Enumerable.Range(0, Agents).Select(_ => new byte[Arena.Size * Arena.Size * 4])];
var actions = new int[Ticks, Agents];
Arena[]? saved = null;
byte[]? savedMemory = null;
int episodes = 0;

var clock = Stopwatch.StartNew();
for (int tick = 0; tick < Ticks; tick++)
{
    if (tick == SaveAt)
    {
        saved = [.. arenas.Select(a => a.Clone())];
        savedMemory = brain.SaveMemory();   // every agent: recurrent state, frame stack, model fingerprint
    }
    Tick(brain, arenas, frames, actions, tick, ref episodes);
}
clock.Stop();
Console.WriteLine($"played {Ticks} ticks × {Agents} agents in {clock.Elapsed.TotalMilliseconds:F0} ms " +
                  $"({Ticks * Agents / clock.Elapsed.TotalSeconds:F0} agent-steps/s), {episodes} episode starts, " +
                  $"scores {string.Join(", ", arenas.Select(a => a.Score))}");

bool twins = true;
for (int tick = 0; tick < Ticks; tick++)
{
    twins &= actions[tick, 0] == actions[tick, 3];
}
Check(twins, "bottom-up frames (OpenGL read-back) give the same actions as top-down ones");

// Load the save game into a fresh brain and replay the second half.
Console.WriteLine($"save game: {savedMemory!.Length:N0} bytes of agent memory");
using (AgentBrain restored = AgentBrain.CreateDefault(seed: ModelSeed))
{
    restored.RestoreMemory(savedMemory);
    var replay = new int[Ticks, Agents];
    int ignored = 0;
    for (int tick = SaveAt; tick < Ticks; tick++)
    {
        Tick(restored, saved!, frames, replay, tick, ref ignored);
    }
    bool same = true;
    for (int tick = SaveAt; tick < Ticks; tick++)
    {
        for (int a = 0; a < Agents; a++)
        {
            same &= replay[tick, a] == actions[tick, a];
        }
    }
    Check(same, $"restored memory replays ticks {SaveAt}..{Ticks - 1} with identical actions");
}

// Memory saved by one model does not go into another.
using (AgentBrain other = AgentBrain.CreateDefault(seed: ModelSeed + 1))
{
    try
    {
        other.RestoreMemory(savedMemory);
        Check(false, "memory from another model is refused");
    }
    catch (Exception e) when (e.Message.Length > 0)
    {
        Check(!e.Message.Contains('\n'), $"memory from another model is refused: {e.Message}");
    }
}

// Off the game thread: AsyncAgentBrain batches requests from any thread.
using (var async = new AsyncAgentBrain(AgentBrain.CreateDefault(seed: ModelSeed)))
{
    var arena = new Arena(seed: 1000);
    byte[] pixels = new byte[Arena.Size * Arena.Size * 4];
    bool same = true;
    for (int tick = 0; tick < 20; tick++)
    {
        arena.Render(pixels, bottomUp: false);
        AgentDecision decision = await async.ActAsync(0, new GameFrame(pixels, Arena.Size, Arena.Size, PixelFormat.Rgba));
        same &= decision.Action == actions[tick, 0];
        if (arena.Apply(decision.Action))
        {
            async.StartEpisode(0);
        }
    }
    Check(same, "AsyncAgentBrain gives the same first 20 actions as the tick loop");
}

Console.WriteLine(failures == 0 ? "GameLoop: all checks passed" : $"GameLoop: {failures} check(s) failed");
return failures == 0 ? 0 : 1;

static void Tick(AgentBrain brain, Arena[] arenas, byte[][] frames, int[,] actions, int tick, ref int episodes)
{
    for (int a = 0; a < arenas.Length; a++)
    {
        bool bottomUp = a == 3;
        arenas[a].Render(frames[a], bottomUp);
        brain.Observe(a, new GameFrame(frames[a], Arena.Size, Arena.Size, Arena.Size * 4, PixelFormat.Rgba, bottomUp));
    }
    brain.Step();                                   // one batched step for every agent
    for (int a = 0; a < arenas.Length; a++)
    {
        int action = brain.ActionOf(a);
        actions[tick, a] = action;
        if (arenas[a].Apply(action))
        {
            brain.StartEpisode(a);                  // new episode: memory and frame stack start empty
            episodes++;
        }
    }
}
