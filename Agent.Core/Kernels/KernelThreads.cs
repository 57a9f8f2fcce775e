namespace AgentRnn.Core.Kernels;

/// <summary>
/// A tiny fork-join pool for kernels: <c>ProcessorCount − 1</c> background workers plus the calling thread share the
/// items of one job. Jobs are a function pointer and a pointer to the caller's (stack) state, so a dispatch allocates
/// nothing. One job runs at a time; a caller that finds the pool busy (another thread's job, or a job started from
/// inside a job) runs its items itself, so kernels stay correct under any concurrency.
/// The caller never waits for a worker that has not started: workers join an open job, the caller closes it once
/// every item is taken and waits only for the workers that joined. On a busy machine a descheduled worker thus costs
/// parallelism, not latency. The calling thread's <see cref="KernelParallelism.Effective"/> limit caps how many workers a job wakes.
/// </summary>
internal static unsafe class KernelThreads
{
    // Each item of a job is worth at least this many FLOPs before waking workers pays off (a wake costs ~10–20 µs).
    internal const long MinFlopsToSplit = 400_000;

    // _control: the number of workers inside the current job, plus Closed once the caller has taken the last item.
    private const int Closed = 1 << 30;

    private static readonly ManualResetEventSlim Done = CreateDone();
    private static readonly Worker[] Workers = StartWorkers();
    private static int _busy;
    private static int _control = Closed;
    private static delegate*<void*, int, int, void> _body;
    private static void* _state;
    private static int _items;
    private static int _next;
    private static Exception? _failure;

    [ThreadStatic]
    private static int t_widest;

    /// <summary>Threads a job may use: the workers and the caller.</summary>
    internal static int Count => Workers.Length + 1;

    /// <summary>
    /// The most threads (the caller included) one job started on this thread has used since the last reset: what a
    /// per-device thread limit actually allowed. Setting it (to 0) resets it.
    /// </summary>
    internal static int WidestOnThisThread
    {
        get => t_widest;
        set => t_widest = value;
    }

    /// <summary>
    /// Runs body(state, i, slot) for i in [0, items), spread over the workers and the calling thread, and returns when
    /// all are done. slot ∈ [0, <see cref="Count"/>) names the thread (0 is the caller), so items may use per-thread
    /// scratch. <paramref name="state"/> must stay valid until then (a struct on the caller's stack does).
    /// </summary>
    internal static void Run(delegate*<void*, int, int, void> body, void* state, int items)
    {
        int helpers = Math.Min(Math.Min(Workers.Length, items - 1), KernelParallelism.Effective - 1);
        if (helpers <= 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            t_widest = Math.Max(t_widest, 1);
            for (int i = 0; i < items; i++)
            {
                body(state, i, 0);
            }
            return;
        }
        t_widest = Math.Max(t_widest, helpers + 1);
        try
        {
            _body = body;
            _state = state;
            _items = items;
            _next = 0;
            _failure = null;
            Done.Reset();
            Volatile.Write(ref _control, 0);
            for (int w = 0; w < helpers; w++)
            {
                Workers[w].Wake.Set();
            }
            DrainCatching(0);
            if ((Interlocked.Or(ref _control, Closed) & ~Closed) != 0)
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

    // A worker enters the open job, if any; the job's fields are only read after this succeeds.
    private static bool TryJoin()
    {
        int c = Volatile.Read(ref _control);
        while ((c & Closed) == 0)
        {
            int seen = Interlocked.CompareExchange(ref _control, c + 1, c);
            if (seen == c)
            {
                return true;
            }
            c = seen;
        }
        return false;
    }

    private static void Leave()
    {
        if (Interlocked.Decrement(ref _control) == Closed)
        {
            Done.Set();
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

    // A ManualResetEventSlim creates its lock object the first time a Wait has to block, on the waiting thread.
    // One blocking wait here, at start-up, keeps that allocation off the first caller that waits for a worker,
    // which would otherwise be a (one-time) allocation inside a kernel call on a frame path.
    private static ManualResetEventSlim CreateDone()
    {
        var done = new ManualResetEventSlim(false, 200);
        done.Wait(1);
        return done;
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
        // Spinning briefly before sleeping keeps back-to-back layers of one step from paying a full wake-up each.
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
                if (TryJoin())
                {
                    DrainCatching(_slot);
                    Leave();
                }
            }
        }
    }
}
