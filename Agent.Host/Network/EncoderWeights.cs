using System.Runtime.CompilerServices;
using AgentRnn.Core;

namespace AgentRnn.Host.Network;

/// <summary>Fetches encoder weights by name and checks their shapes, so a wrong checkpoint fails with the tensor's name.</summary>
internal static class EncoderWeights
{
    /// <summary>Marks a dimension that may take any positive size.</summary>
    internal const int Any = -1;

    /// <summary>The tensor called <paramref name="name"/>, whose shape must match <paramref name="expected"/> (<see cref="Any"/> matches any positive size).</summary>
    internal static Tensor Require(Func<string, Tensor> tensor, string name, params int[] expected)
    {
        Tensor? t = tensor(name);
        if (t is null)
        {
            throw new ArgumentException($"tensor '{name}' is missing; expected shape {Format(expected)}");
        }
        bool ok = t.Rank == expected.Length;
        for (int i = 0; ok && i < expected.Length; i++)
        {
            ok = expected[i] == Any ? t.Dim(i) > 0 : t.Dim(i) == expected[i];
        }
        if (!ok)
        {
            throw new ArgumentException($"tensor '{name}' has shape {t.ShapeString}, expected {Format(expected)}");
        }
        return t;
    }

    /// <summary>
    /// w is (F, C·H·W) over a flattened NCHW activation; returns it reordered to read an NHWC activation (F, H·W·C),
    /// so the encoders can keep their activations channels-last and still match PyTorch's flatten.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float[] ColumnsToHwc(ReadOnlySpan<float> w, int rows, int channels, int height, int width)
    {
        int plane = height * width;
        int k = channels * plane;
        var result = new float[rows * k];
        for (int f = 0; f < rows; f++)
        {
            ReadOnlySpan<float> from = w.Slice(f * k, k);
            Span<float> to = result.AsSpan(f * k, k);
            for (int c = 0; c < channels; c++)
            {
                for (int p = 0; p < plane; p++)
                {
                    to[p * channels + c] = from[c * plane + p];
                }
            }
        }
        return result;
    }

    private static string Format(int[] shape) => "(" + string.Join(", ", shape.Select(d => d == Any ? "*" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ")";
}
