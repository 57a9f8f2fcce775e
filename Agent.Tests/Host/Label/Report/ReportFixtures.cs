using AgentRnn.Host.Labeling.Report;

namespace AgentRnn.Tests.Host.Label.Report;

/// <summary>
/// Synthetic label streams for report tests: smooth per-class logits (softmax), the argmax as label, a slow value
/// curve, and timestamps from a caller's function (regular, jittered, with gaps).
/// </summary>
internal static class ReportFixtures
{
    /// <summary>Frame i of a stream with <paramref name="classes"/> classes: probabilities, label, score and value.</summary>
    public static (int Label, float Score, float Value) Frame(long i, int classes, Span<float> probs)
    {
        double sum = 0;
        for (int k = 0; k < classes; k++)
        {
            // Each class peaks in turn over a 300-frame cycle, with a faster ripple on top.
            double logit = 3 * Math.Cos(2 * Math.PI * (i / 300.0 - (double)k / classes)) + 0.4 * Math.Sin(i / 7.0 + k);
            probs[k] = (float)Math.Exp(logit);
            sum += probs[k];
        }
        int label = 0;
        for (int k = 0; k < classes; k++)
        {
            probs[k] = (float)(probs[k] / sum);
            label = probs[k] > probs[label] ? k : label;
        }
        return (label, probs[label], (float)(Math.Sin(i / 120.0) + 0.1 * Math.Sin(i / 3.0)));
    }

    /// <summary>A timeline of <paramref name="frames"/> frames at 30 fps (or <paramref name="time"/>'s times).</summary>
    public static LabelTimeline Timeline(long frames, int classes, Func<long, double>? time = null, int columns = LabelTimeline.DefaultColumns)
    {
        var timeline = new LabelTimeline(classes, probabilities: true, value: true, columns);
        Span<float> probs = stackalloc float[classes];
        for (long i = 0; i < frames; i++)
        {
            (int label, float score, float value) = Frame(i, classes, probs);
            timeline.Add(i, time?.Invoke(i) ?? i / 30.0, label, score, probs, value);
        }
        return timeline;
    }

    /// <summary>The report of <paramref name="timeline"/> with class names and a made-up 30 fps video.</summary>
    public static LabelReport Report(LabelTimeline timeline, IReadOnlyList<string>? classes = null, string video = "match.mp4", int minSegment = 1) =>
        LabelReport.Build(timeline, new ReportInfo
        {
            Video = video,
            Width = 160,
            Height = 210,
            Fps = 30,
            DeclaredFrames = (int)Math.Min(int.MaxValue, timeline.Frames),
            Model = "agent.safetensors: cleanrl, nature_cnn 4×84×84 → lstm 128, 4 actions, 1,234 parameters",
            Classes = classes ?? Enumerable.Range(0, timeline.Classes).Select(k => $"class{k}").ToArray(),
            MinSegment = minSegment,
        });

    /// <summary>Class names meant to break out of HTML, script and attribute contexts.</summary>
    public static readonly string[] HostileClasses =
    [
        "noop",
        "</script><img src=x onerror=\"document.title='pwned'\">",
        "\"'><svg onload=alert(1)>&amp;",
        "<!-- \u2028 fire",
    ];
}
