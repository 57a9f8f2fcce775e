using AgentRnn.Core;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Memory.Reference;

/// <summary>
/// Plain reference steps straight from PyTorch's formulas and parameter layout: no packing, no fusion, no SIMD,
/// scalar loops with double accumulation. Tests cross-check the fused cells against it; it is not for production
/// (it allocates and is slow).
/// </summary>
internal static class RecurrentReference
{
    /// <summary>
    /// One step of nn.LSTM/GRU/RNN(tanh). x is (batch, inputSize); state is (batch, StateSize) in
    /// <see cref="RecurrentCore"/>'s layout, updated in place; output is (batch, hiddenSize).
    /// </summary>
    public static void Step(CellKind kind, int inputSize, int hiddenSize, int layers, Func<string, Tensor> tensor,
        ReadOnlySpan<float> x, Span<float> state, Span<float> output, int batch)
    {
        int perLayer = kind == CellKind.Lstm ? 2 * hiddenSize : hiddenSize;
        int size = layers * perLayer;
        int gates = RecurrentParameters.Gates(kind);
        for (int b = 0; b < batch; b++)
        {
            float[] input = x.Slice(b * inputSize, inputSize).ToArray();
            Span<float> stream = state.Slice(b * size, size);
            for (int l = 0; l < layers; l++)
            {
                (Tensor wih, Tensor whh, Tensor bih, Tensor bhh) = RecurrentParameters.Layer(kind, tensor, l, inputSize, hiddenSize);
                Span<float> h = stream.Slice(l * perLayer, hiddenSize);
                float[] hOld = h.ToArray();
                // gi = W_ih x + b_ih and gh = W_hh h + b_hh, each (gates·H), rows in PyTorch's gate order.
                double[] gi = Affine(wih.Data, bih.Data, input, gates * hiddenSize);
                double[] gh = Affine(whh.Data, bhh.Data, hOld, gates * hiddenSize);
                switch (kind)
                {
                    case CellKind.Lstm:
                        Span<float> c = stream.Slice(l * perLayer + hiddenSize, hiddenSize);
                        for (int j = 0; j < hiddenSize; j++)
                        {
                            double i = Sigmoid(gi[j] + gh[j]);
                            double f = Sigmoid(gi[hiddenSize + j] + gh[hiddenSize + j]);
                            double g = Math.Tanh(gi[2 * hiddenSize + j] + gh[2 * hiddenSize + j]);
                            double o = Sigmoid(gi[3 * hiddenSize + j] + gh[3 * hiddenSize + j]);
                            double cNew = f * c[j] + i * g;
                            c[j] = (float)cNew;
                            h[j] = (float)(o * Math.Tanh(cNew));
                        }
                        break;
                    case CellKind.Gru:
                        for (int j = 0; j < hiddenSize; j++)
                        {
                            double r = Sigmoid(gi[j] + gh[j]);
                            double z = Sigmoid(gi[hiddenSize + j] + gh[hiddenSize + j]);
                            double n = Math.Tanh(gi[2 * hiddenSize + j] + r * gh[2 * hiddenSize + j]);
                            h[j] = (float)((1 - z) * n + z * hOld[j]);
                        }
                        break;
                    default:
                        for (int j = 0; j < hiddenSize; j++)
                        {
                            h[j] = (float)Math.Tanh(gi[j] + gh[j]);
                        }
                        break;
                }
                input = h.ToArray();
            }
            input.CopyTo(output.Slice(b * hiddenSize, hiddenSize));
        }
    }

    // weight is (rows, v.Length), bias is (rows): returns weight·v + bias.
    private static double[] Affine(float[] weight, float[] bias, float[] v, int rows)
    {
        var result = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = bias[r];
            for (int k = 0; k < v.Length; k++)
            {
                sum += (double)weight[r * v.Length + k] * v[k];
            }
            result[r] = sum;
        }
        return result;
    }

    private static double Sigmoid(double v) => 1.0 / (1.0 + Math.Exp(-v));
}
