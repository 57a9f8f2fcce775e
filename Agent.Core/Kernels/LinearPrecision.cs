namespace AgentRnn.Core.Kernels;

/// <summary>
/// The weight precision <see cref="Linear"/> layers take when their constructor is not given one: float32 unless a
/// scope on the constructing thread says otherwise. Lets a caller build a whole model (encoder, recurrent cores, heads)
/// with bfloat16 fully connected weights without each network class passing the option down.
/// </summary>
public static class LinearPrecision
{
    [ThreadStatic]
    private static WeightPrecision t_current;

    /// <summary>The precision Linear layers constructed on this thread now get by default.</summary>
    public static WeightPrecision Current => t_current;

    /// <summary>
    /// Until the returned scope is disposed, Linear layers constructed on this thread default to <paramref name="precision"/>.
    /// Dispose it on the same thread: an await inside the scope may resume elsewhere and leave this thread's default changed.
    /// </summary>
    public static Scope Use(WeightPrecision precision) => new(precision);

    /// <summary>Restores the previous default when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly WeightPrecision _previous;

        /// <summary>Sets this thread's default to <paramref name="precision"/>.</summary>
        public Scope(WeightPrecision precision)
        {
            _previous = t_current;
            t_current = precision;
        }

        /// <summary>Restores the previous default.</summary>
        public void Dispose() => t_current = _previous;
    }
}
