using System.Numerics.Tensors;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Host.Training;

/// <summary>
/// A linear layer y = act(x·Wᵀ + b) over n rows with its backward pass: dW += dyᵀ·x, db += Σ dy, dx = dy·W. The
/// forward keeps a reference to its input and its post-activation output (the activation cache).
/// </summary>
internal sealed class DenseLayer
{
    private float[] _x = [];
    private float[] _y = [];
    private float[] _dx = [];
    private float[] _dyT = [];
    private int _n;

    public DenseLayer(TrainParameter weight, TrainParameter bias, Activation activation)
    {
        Weight = weight;
        Bias = bias;
        Activation = activation;
        Out = weight.Shape[0];
        In = weight.Shape[1];
    }

    public TrainParameter Weight { get; }
    public TrainParameter Bias { get; }
    public Activation Activation { get; }
    public int In { get; }
    public int Out { get; }

    /// <summary>The output of the last forward (n·Out valid).</summary>
    public float[] Output => _y;

    /// <summary>The input gradient of the last backward (n·In valid).</summary>
    public float[] InputGrad => _dx;

    public void Forward(float[] x, int n)
    {
        _x = x;
        _n = n;
        Span<float> y = Scratch.Ensure(ref _y, n * Out).AsSpan(0, n * Out);
        Gemm.MultiplyTransposedB(x.AsSpan(0, n * In), Weight.Data, y, n, Out, In);
        for (int i = 0; i < n; i++)
        {
            Span<float> row = y.Slice(i * Out, Out);
            TensorPrimitives.Add(row, Bias.Data, row);
        }
        Activate(Activation, y);
    }

    /// <summary>Backward from <paramref name="dy"/> (n·Out, overwritten with the pre-activation gradient).</summary>
    public void Backward(float[] dy, bool inputGrad)
    {
        int n = _n;
        Span<float> g = dy.AsSpan(0, n * Out);
        ActivationBackward(Activation, _y.AsSpan(0, n * Out), g);
        Span<float> gt = Scratch.Ensure(ref _dyT, n * Out).AsSpan(0, n * Out);
        Scratch.Transpose(g, gt, n, Out);
        Gemm.Multiply(gt, _x.AsSpan(0, n * In), Weight.Grad, Out, In, n, accumulate: true);
        for (int o = 0; o < Out; o++)
        {
            Bias.Grad[o] += TensorPrimitives.Sum(gt.Slice(o * n, n));
        }
        if (inputGrad)
        {
            Gemm.Multiply(g, Weight.Data, Scratch.Ensure(ref _dx, n * In).AsSpan(0, n * In), n, In, Out);
        }
    }

    internal static void Activate(Activation activation, Span<float> y)
    {
        switch (activation)
        {
            case Activation.ReLU:
                TensorPrimitives.Max(y, 0f, y);
                break;
            case Activation.Tanh:
                TensorPrimitives.Tanh(y, y);
                break;
            case Activation.Sigmoid:
                TensorPrimitives.Sigmoid(y, y);
                break;
        }
    }

    /// <summary>g ← g·act'(pre) written from the activation's output y.</summary>
    internal static void ActivationBackward(Activation activation, ReadOnlySpan<float> y, Span<float> g)
    {
        switch (activation)
        {
            case Activation.ReLU:
                for (int i = 0; i < g.Length; i++)
                {
                    if (y[i] <= 0f)
                    {
                        g[i] = 0f;
                    }
                }
                break;
            case Activation.Tanh:
                for (int i = 0; i < g.Length; i++)
                {
                    g[i] *= 1f - y[i] * y[i];
                }
                break;
            case Activation.Sigmoid:
                for (int i = 0; i < g.Length; i++)
                {
                    g[i] *= y[i] * (1f - y[i]);
                }
                break;
        }
    }
}
