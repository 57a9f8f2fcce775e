using AgentRnn.Core;
using AgentRnn.Core.Compute.Network;
using AgentRnn.Core.Kernels;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Compute;

/// <summary>Small random policy networks in the CleanRL and SB3 shapes, and their double-precision reference forward.</summary>
internal static class PolicyFixtures
{
    /// <summary>CleanRL's shape, shrunk: 1×36×36 frames, NatureCNN-style convs, dense 16→32, LSTM 32→24, heads 6 + 1.</summary>
    public static PolicyNetworkSpec CleanRlLike(int seed) => new()
    {
        Input = (1, 36, 36),
        Convolutions =
        [
            new ConvLayerSpec(T(seed + 1, 0.2f, 8, 1, 8, 8), T(seed + 2, 0.1f, 8), 4),
            new ConvLayerSpec(T(seed + 3, 0.2f, 16, 8, 4, 4), T(seed + 4, 0.1f, 16), 2),
            new ConvLayerSpec(T(seed + 5, 0.2f, 16, 16, 3, 3), T(seed + 6, 0.1f, 16), 1),
        ],
        Dense = [new LinearLayerSpec(T(seed + 7, 0.3f, 32, 16), T(seed + 8, 0.1f, 32), Activation.ReLU)],
        Branches =
        [
            new PolicyBranchSpec(
                RecurrentCellKind.Lstm,
                [new RecurrentLayerSpec(T(seed + 9, 0.3f, 96, 32), T(seed + 10, 0.2f, 96, 24), T(seed + 11, 0.2f, 96), T(seed + 12, 0.2f, 96))],
                [new LinearLayerSpec(T(seed + 13, 0.3f, 6, 24), T(seed + 14, 0.1f, 6)), new LinearLayerSpec(T(seed + 15, 0.3f, 1, 24), T(seed + 16, 0.1f, 1))]),
        ],
    };

    /// <summary>
    /// The full CleanRL ppo_atari_lstm network (4×84×84 frames, NatureCNN, dense 3136→512, LSTM 512→256, 6 actions + value)
    /// with PyTorch's default initialisation ranges (uniform ±1/√fan_in).
    /// </summary>
    public static PolicyNetworkSpec NatureCnnLstm(int seed) => new()
    {
        Input = (4, 84, 84),
        Convolutions =
        [
            new ConvLayerSpec(T(seed + 1, 1 / 16f, 32, 4, 8, 8), T(seed + 2, 1 / 16f, 32), 4),
            new ConvLayerSpec(T(seed + 3, 1 / 22.6f, 64, 32, 4, 4), T(seed + 4, 1 / 22.6f, 64), 2),
            new ConvLayerSpec(T(seed + 5, 1 / 24f, 64, 64, 3, 3), T(seed + 6, 1 / 24f, 64), 1),
        ],
        Dense = [new LinearLayerSpec(T(seed + 7, 1 / 56f, 512, 3136), T(seed + 8, 1 / 56f, 512), Activation.ReLU)],
        Branches =
        [
            new PolicyBranchSpec(
                RecurrentCellKind.Lstm,
                [new RecurrentLayerSpec(T(seed + 9, 1 / 16f, 1024, 512), T(seed + 10, 1 / 16f, 1024, 256), T(seed + 11, 1 / 16f, 1024), T(seed + 12, 1 / 16f, 1024))],
                [new LinearLayerSpec(T(seed + 13, 1 / 16f, 6, 256), T(seed + 14, 1 / 16f, 6)), new LinearLayerSpec(T(seed + 15, 1 / 16f, 1, 256), T(seed + 16, 1 / 16f, 1))]),
        ],
    };

    /// <summary>Vector observations (10), dense tanh 10→12, an actor branch of two GRU layers (H 8) and a critic LSTM branch (H 5) without biases.</summary>
    public static PolicyNetworkSpec TwoBranchVector(int seed) => new()
    {
        Input = (10, 1, 1),
        Dense = [new LinearLayerSpec(T(seed + 1, 0.4f, 12, 10), T(seed + 2, 0.1f, 12), Activation.Tanh)],
        Branches =
        [
            new PolicyBranchSpec(
                RecurrentCellKind.Gru,
                [
                    new RecurrentLayerSpec(T(seed + 3, 0.4f, 24, 12), T(seed + 4, 0.4f, 24, 8), T(seed + 5, 0.2f, 24), T(seed + 6, 0.2f, 24)),
                    new RecurrentLayerSpec(T(seed + 7, 0.4f, 24, 8), T(seed + 8, 0.4f, 24, 8), T(seed + 9, 0.2f, 24), T(seed + 10, 0.2f, 24)),
                ],
                [new LinearLayerSpec(T(seed + 11, 0.4f, 3, 8), T(seed + 12, 0.1f, 3))]),
            new PolicyBranchSpec(
                RecurrentCellKind.Lstm,
                [new RecurrentLayerSpec(T(seed + 13, 0.4f, 20, 12), T(seed + 14, 0.4f, 20, 5), null, null)],
                [new LinearLayerSpec(T(seed + 15, 0.4f, 1, 5), null)]),
        ],
    };

    /// <summary>
    /// The spec's forward pass over steps × batch rows in double precision; state is (batch, StateSize) in the
    /// network's layout and is updated in place. observations are floats (frames already as 0..255 values).
    /// </summary>
    public static float[] Forward(PolicyNetworkSpec spec, float[] observations, bool frames, float[]? starts, double[][] state, int steps, int batch)
    {
        (int channels, int height, int width) = spec.Input;
        int rows = steps * batch;
        float[] x = observations;
        float scale = frames ? spec.FrameScale : 1f;
        foreach (ConvLayerSpec conv in spec.Convolutions)
        {
            int outC = conv.Weight.Dim(0), kh = conv.Weight.Dim(2), kw = conv.Weight.Dim(3);
            x = ComputeReference.Conv2d(x, scale, conv.Weight.Data, conv.Bias?.Data, rows, channels, height, width, outC, kh, kw, conv.Stride, conv.Padding, 1);
            scale = 1f;
            (channels, height, width) = (outC, (height + 2 * conv.Padding - kh) / conv.Stride + 1, (width + 2 * conv.Padding - kw) / conv.Stride + 1);
        }
        int features = channels * height * width;
        foreach (LinearLayerSpec dense in spec.Dense)
        {
            x = ComputeReference.Gemm(x, dense.Weight.Data, dense.Bias?.Data, null, rows, dense.Weight.Dim(0), features, (int)dense.Activation);
            features = dense.Weight.Dim(0);
        }
        int outputSize = spec.Branches.Sum(b => b.Heads.Sum(h => h.Weight.Dim(0)));
        var outputs = new float[rows * outputSize];
        int column = 0, stateAt = 0;
        foreach (PolicyBranchSpec branch in spec.Branches)
        {
            float[] h = x;
            int inputs = features;
            int hidden = branch.Layers[0].WeightHh.Dim(1);
            foreach (RecurrentLayerSpec layer in branch.Layers)
            {
                int gates = layer.WeightHh.Dim(0);
                float[] bih = layer.BiasIh?.Data ?? new float[gates], bhh = layer.BiasHh?.Data ?? new float[gates];
                double[] hs = Gather(state, stateAt, hidden, batch);
                if (branch.Cell == RecurrentCellKind.Lstm)
                {
                    double[] cs = Gather(state, stateAt + hidden, hidden, batch);
                    h = ComputeReference.Lstm(h, layer.WeightIh.Data, layer.WeightHh.Data, bih, bhh, hs, cs, starts, steps, batch, inputs, hidden);
                    Scatter(state, stateAt + hidden, hidden, cs);
                }
                else
                {
                    h = ComputeReference.Gru(h, layer.WeightIh.Data, layer.WeightHh.Data, bih, bhh, hs, starts, steps, batch, inputs, hidden);
                }
                Scatter(state, stateAt, hidden, hs);
                stateAt += branch.Cell == RecurrentCellKind.Lstm ? 2 * hidden : hidden;
                inputs = hidden;
            }
            foreach (LinearLayerSpec head in branch.Heads)
            {
                int w = head.Weight.Dim(0);
                float[] y = ComputeReference.Gemm(h, head.Weight.Data, head.Bias?.Data, null, rows, w, hidden, 0);
                for (int r = 0; r < rows; r++)
                {
                    Array.Copy(y, r * w, outputs, r * outputSize + column, w);
                }
                column += w;
            }
        }
        return outputs;
    }

    private static double[] Gather(double[][] state, int at, int hidden, int batch)
    {
        var values = new double[batch * hidden];
        for (int b = 0; b < batch; b++)
        {
            Array.Copy(state[b], at, values, b * hidden, hidden);
        }
        return values;
    }

    private static void Scatter(double[][] state, int at, int hidden, double[] values)
    {
        for (int b = 0; b < state.Length; b++)
        {
            Array.Copy(values, b * hidden, state[b], at, hidden);
        }
    }

    private static Tensor T(int seed, float scale, params int[] shape) => new(ComputeReference.Random(seed, Tensor.CheckedElementCount(shape), scale), shape);
}
