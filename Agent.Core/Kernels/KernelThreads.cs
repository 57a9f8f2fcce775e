namespace Agent.Core.Kernels;

/// <summary>
/// A tiny fork-join pool for kernels: <c>ProcessorCount − 1</c> background workers plus the calling thread share the
/// items of one job. Jobs are a function pointer and a pointer to the caller's (stack) state, so a dispatch allocates
/// nothing. One job runs at a time; a caller that finds the pool busy (another thread's job, or a job started from
/// inside a job) runs its items itself, so kernels stay correct under any concurrency.
/// </summary>
internal static unsafe class KernelThreads
{
    // Each item of a job is worth at least this many FLOPs before waking workers pays off (a wake costs ~10–20 µs).
    internal const long MinFlopsToSplit = 400_000;

    private static readonly ManualResetEventSlim Done = new(false, 200);
    private static readonly Worker[] Workers = StartWorkers();
    private static int _busy;
    private static delegate*<void*, int, int, void> _body;
    private static void* _state;
    private static int _items;
    private static int _next;
    private static int _running;
    private static Exception? _failure;

    /// <summary>Threads a job may use: the workers and the caller.</summary>
    internal static int Count => Workers.Length + 1;

    /// <summary>
    /// Runs body(state, i, slot) for i in [0, items), spread over the workers and the calling thread, and returns when
    /// all are done. slot ∈ [0, <see cref="Count"/>) names the thread (0 is the caller), so items may use per-thread
    /// scratch. <paramref name="state"/> must stay valid until then (a struct on the caller's stack does).
    /// </summary>
    internal static void Run(delegate*<void*, int, int, void> body, void* state, int items)
    {
        if (items <= 1 || Workers.Length == 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < items; i++)
            {
                body(state, i, 0);
            }
            return;
        }
        try
        {
            _body = body;
            _state = state;
            _items = items;
            _next = 0;
            _failure = null;
            int helpers = Math.Min(Workers.Length, items - 1);
            _running = helpers;
            Done.Reset();
            for (int w = 0; w < helpers; w++)
            {
                Workers[w].Wake.Set();
            }
            DrainCatching(0);
            if (Volatile.Read(ref _running) != 0)
            {
                Done.Wait();
            }
            if (_failure is { } failure)
            {
                throw new AggregateException("a kernel worker failed", failure);
            }
        }
        finally
        {
            _body = null;
            _state = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    private static void Drain(int slot)
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _items)
        {
            _body(_state, i, slot);
        }
    }

    // A failed item stops the others from starting; the caller rethrows once every thread has left the job.
    private static void DrainCatching(int slot)
    {
        try
        {
            Drain(slot);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            Volatile.Write(ref _next, int.MaxValue / 2);
        }
    }

    private static Worker[] StartWorkers()
    {
        var workers = new Worker[Math.Clamp(Environment.ProcessorCount - 1, 0, 63)];
        for (int w = 0; w < workers.Length; w++)
        {
            workers[w] = new Worker(w);
        }
        return workers;
    }

    private sealed class Worker
    {
        // Spinning briefly before sleeping keeps back-to-back layers from paying a full wake-up each.
        internal readonly ManualResetEventSlim Wake = new(false, 2000);

        private readonly int _slot;

        internal Worker(int index)
        {
            _slot = index + 1;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"agent-kernel-{index}" };
            thread.Start();
        }

        private void Loop()
        {
            while (true)
            {
                Wake.Wait();
                Wake.Reset();
                DrainCatching(_slot);
                if (Interlocked.Decrement(ref _running) == 0)
                {
                    Done.Set();
                }
            }
        }
    }
}
