using System.Globalization;
using System.Text;

namespace AgentRnn.Host.Labeling;

/// <summary>
/// Merges a stream's per-frame labels into runs as frames arrive (memory grows with label changes, not frames),
/// then merges runs shorter than a minimum into a neighbour.
/// </summary>
internal sealed class SegmentBuilder
{
    private readonly List<Segment> _runs = [];

    /// <summary>Runs so far, before any minimum-length merging.</summary>
    public IReadOnlyList<Segment> Runs => _runs;

    /// <summary>Adds the next frame (frames arrive in order).</summary>
    public void Add(long frame, double time, int action)
    {
        if (_runs.Count > 0 && _runs[^1].Action == action)
        {
            _runs[^1] = _runs[^1] with { EndFrame = frame, EndTime = time };
            return;
        }
        _runs.Add(new Segment(action, frame, frame, time, time));
    }

    /// <summary>
    /// The segments with every run shorter than <paramref name="minFrames"/> merged into a neighbour: repeatedly the
    /// shortest such run (the earliest on ties) joins its longer neighbour (the earlier one on ties), and neighbours
    /// that then share a label join. A lone run is kept whatever its length. O(n log n) in the number of runs.
    /// </summary>
    public List<Segment> Build(int minFrames)
    {
        int n = _runs.Count;
        var runs = _runs.ToArray();
        var previous = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++)
        {
            previous[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // Short runs ordered by (frames, start frame); a run's entry is removed before its length changes.
        var queue = new SortedSet<(long Frames, long Start, int Run)>();
        for (int i = 0; i < n; i++)
        {
            Enqueue(i);
        }
        int alive = n;
        while (alive > 1 && queue.Count > 0)
        {
            int shortest = queue.Min.Run;
            queue.Remove(queue.Min);
            int before = previous[shortest];
            int after = next[shortest];
            int into = after < 0 || (before >= 0 && runs[before].Frames >= runs[after].Frames) ? before : after;
            Dequeue(into);
            runs[into] = into == before
                ? runs[into] with { EndFrame = runs[shortest].EndFrame, EndTime = runs[shortest].EndTime }
                : runs[into] with { StartFrame = runs[shortest].StartFrame, StartTime = runs[shortest].StartTime };
            Unlink(shortest);
            foreach (int neighbour in new[] { previous[into], next[into] })
            {
                if (neighbour >= 0 && runs[neighbour].Action == runs[into].Action)
                {
                    Dequeue(neighbour);
                    runs[into] = neighbour < into
                        ? runs[into] with { StartFrame = runs[neighbour].StartFrame, StartTime = runs[neighbour].StartTime }
                        : runs[into] with { EndFrame = runs[neighbour].EndFrame, EndTime = runs[neighbour].EndTime };
                    Unlink(neighbour);
                }
            }
            Enqueue(into);
        }

        var segments = new List<Segment>(alive);
        for (int i = Array.IndexOf(previous, -1); i >= 0; i = next[i])
        {
            segments.Add(runs[i]);
        }
        return segments;

        void Enqueue(int i)
        {
            if (runs[i].Frames < minFrames)
            {
                queue.Add((runs[i].Frames, runs[i].StartFrame, i));
            }
        }

        void Dequeue(int i) => queue.Remove((runs[i].Frames, runs[i].StartFrame, i));

        void Unlink(int i)
        {
            if (previous[i] >= 0)
            {
                next[previous[i]] = next[i];
            }
            if (next[i] >= 0)
            {
                previous[next[i]] = previous[i];
            }
            previous[i] = -2;
            next[i] = -2;
            alive--;
        }
    }

    /// <summary>Writes segments as CSV: label,start_frame,end_frame,start_time,end_time,frames.</summary>
    public static void WriteCsv(AtomicFile file, IReadOnlyList<Segment> segments, ClassNames classes)
    {
        var text = new StringBuilder("label,start_frame,end_frame,start_time,end_time,frames\n");
        foreach (Segment s in segments)
        {
            text.Append(Encoding.UTF8.GetString(classes.Csv(s.Action))).Append(',')
                .Append(s.StartFrame.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(s.EndFrame.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(s.StartTime.ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(s.EndTime.ToString("R", CultureInfo.InvariantCulture)).Append(',')
                .Append(s.Frames.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        file.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }
}
