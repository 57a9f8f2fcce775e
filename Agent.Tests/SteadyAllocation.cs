namespace AgentRnn.Tests;

/// <summary>What a warm hot path allocates on the calling thread, measured in windows.</summary>
internal static class SteadyAllocation
{
    /// <summary>
    /// Runs <paramref name="call"/> <paramref name="calls"/> times in each of <paramref name="windows"/> windows and
    /// returns the bytes each window allocated on this thread. An allocation made per call shows in every window. A
    /// one-time allocation by the runtime on a loaded machine shows in one at most: a full-suite run once counted
    /// 7,096 bytes over five warm <c>PolicyModel.StepSequence</c> calls that allocate nothing (they passed 66,317 of
    /// 66,317 single-call checks under contention), and the runtime's own GetAllocatedBytesForCurrentThread test has
    /// failed the same way by 6–10 KB. Tests assert that the least window is 0.
    /// </summary>
    public static long[] Windows(Action call, int calls, int windows = 3)
    {
        var bytes = new long[windows];
        for (int w = 0; w < windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
            {
                call();
            }
            bytes[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return bytes;
    }
}
