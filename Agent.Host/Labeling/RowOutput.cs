using System.Text;

namespace AgentRnn.Host.Labeling;

/// <summary>Where one stream's label rows go: a file committed atomically, or a text writer (stdout).</summary>
internal abstract class RowOutput : IDisposable
{
    /// <summary>A description for messages (the final path, or "stdout").</summary>
    public abstract string Name { get; }

    /// <summary>Writes formatted UTF-8 bytes; each call reaches the OS (or the writer) before it returns.</summary>
    public abstract void Write(ReadOnlySpan<byte> utf8);

    /// <summary>Finalises the output: renames a partial file into place.</summary>
    public abstract void Commit();

    /// <summary>Drops an output whose run never started (deletes a partial file).</summary>
    public abstract void Discard();

    /// <inheritdoc/>
    public abstract void Dispose();

    /// <summary>Rows to an <see cref="AtomicFile"/>.</summary>
    public sealed class File(AtomicFile file) : RowOutput
    {
        public override string Name => file.Path;

        public override void Write(ReadOnlySpan<byte> utf8) => file.Write(utf8);

        public override void Commit() => file.Commit();

        public override void Discard() => file.Discard();

        public override void Dispose() => file.Dispose();
    }

    /// <summary>
    /// Rows to a text writer, decoded through one reused char buffer. When the writer fails with an
    /// <see cref="IOException"/> (stdout's reader has gone: a broken pipe) the output is <see cref="Broken"/>, later rows
    /// are dropped and <paramref name="onBroken"/> runs once, so the run can stop instead of labelling for nobody.
    /// </summary>
    public sealed class Text(TextWriter writer, Action? onBroken = null) : RowOutput
    {
        private char[] _chars = new char[1024];

        public override string Name => "stdout";

        /// <summary>Whether a write failed (the reader has gone); rows after it were dropped.</summary>
        public bool Broken { get; private set; }

        public override void Write(ReadOnlySpan<byte> utf8)
        {
            if (Broken)
            {
                return;
            }
            int needed = Encoding.UTF8.GetMaxCharCount(utf8.Length);
            if (needed > _chars.Length)
            {
                _chars = new char[needed];
            }
            int count = Encoding.UTF8.GetChars(utf8, _chars);
            try
            {
                writer.Write(_chars, 0, count);
                writer.Flush();
            }
            catch (IOException)
            {
                Broken = true;
                onBroken?.Invoke();
            }
        }

        public override void Commit()
        {
            if (Broken)
            {
                return;
            }
            try
            {
                writer.Flush();
            }
            catch (IOException)
            {
                Broken = true;
                onBroken?.Invoke();
            }
        }

        public override void Discard()
        {
        }

        public override void Dispose()
        {
        }
    }
}
