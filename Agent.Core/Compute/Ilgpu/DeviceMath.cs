using ILGPU;

namespace AgentRnn.Core.Compute.Ilgpu;

/// <summary>
/// exp, sigmoid and tanh written with adds, multiplies and bit casts only, so every ILGPU backend computes them the
/// same way: the CUDA backend would otherwise lower MathF.Tanh to tanh.approx (relative error 2^-11, outside the
/// 1e-4 parity the devices promise) and some of its accurate math needs libdevice, which a bare driver lacks.
/// </summary>
internal static class DeviceMath
{
    private const float Log2E = 1.44269504089f;
    private const float Ln2Hi = 0.693145751953125f;     // ln 2 split in two so n·Ln2Hi is exact (Cody–Waite)
    private const float Ln2Lo = 1.42860682030941723e-6f;

    /// <summary>e^x to about 2 ulp for x in [−87, 88]; clamped outside (0 below, 2^127-ish above).</summary>
    public static float Exp(float x)
    {
        x = x < -87f ? -87f : (x > 88f ? 88f : x);
        float t = x * Log2E;
        int n = (int)(t + (t >= 0f ? 0.5f : -0.5f));
        float r = x - n * Ln2Hi - n * Ln2Lo;             // |r| ≤ ln2/2
        // e^r by its Taylor series to r^7 (error below 2e-9 on the reduced range), Horner form.
        float p = 1f / 5040f;
        p = p * r + 1f / 720f;
        p = p * r + 1f / 120f;
        p = p * r + 1f / 24f;
        p = p * r + 1f / 6f;
        p = p * r + 0.5f;
        p = p * r + 1f;
        p = p * r + 1f;
        // 2^n as a float: n + 127 in the exponent field; n ∈ [−126, 127] after the clamp, except n = −126 at x = −87
        // which is still a normal number.
        float scale = Interop.IntAsFloat((uint)(n + 127) << 23);
        return p * scale;
    }

    /// <summary>1 / (1 + e^−x).</summary>
    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    /// <summary>tanh x = sign(x)·(1 − e^−2|x|) / (1 + e^−2|x|).</summary>
    public static float Tanh(float x)
    {
        float ax = x < 0f ? -x : x;
        float e = Exp(-2f * ax);
        float t = (1f - e) / (1f + e);
        return x < 0f ? -t : t;
    }

    /// <summary>The activation codes of <see cref="Kernels.Activation"/>: 0 none, 1 ReLU, 2 tanh, 3 sigmoid.</summary>
    public static float Activate(float v, int activation)
    {
        if (activation == 1)
        {
            return v > 0f ? v : 0f;
        }
        if (activation == 2)
        {
            return Tanh(v);
        }
        if (activation == 3)
        {
            return Sigmoid(v);
        }
        return v;
    }
}
