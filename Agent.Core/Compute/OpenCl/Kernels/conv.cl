// y (batch, out, oh, ow) = act(bias + scale · Σ weight (out, in, kh, kw) · x (batch, in, h, w)) with zero padding.
// One work-item per output pixel and group of OC_PER output channels: global size (oh·ow, ⌈out/OC_PER⌉, batch).
// Each input pixel loaded feeds OC_PER channels; channels past `out` are clamped to out − 1 (computed, not stored) so
// the inner loop has a compile-time trip count; the host defines OC_PER (OpenClProgram.ConvChannelsPerItem).
// The float and uint8 variants share one body; uint8 frames are uploaded raw and converted here, so a step moves
// one byte per pixel.

#define CONV2D_KERNEL(NAME, T)                                                                              \
__kernel void NAME(__global const T* x, int xOff, float scale,                                              \
                   __global const float* weight, int wOff, __global const float* bias, int biasOff, int hasBias, \
                   __global float* y, int yOff,                                                             \
                   int inC, int h, int w, int outC, int kh, int kw, int stride, int pad, int oh, int ow,   \
                   int activation)                                                                          \
{                                                                                                           \
    const int p = get_global_id(0);                                                                         \
    const int o0 = get_global_id(1) * OC_PER;                                                               \
    const int nb = get_global_id(2);                                                                        \
    if (p >= oh * ow || o0 >= outC) return;                                                                 \
    const int oy = p / ow;                                                                                  \
    const int ox = p - oy * ow;                                                                             \
    const int iy0 = oy * stride - pad;                                                                      \
    const int ix0 = ox * stride - pad;                                                                      \
    const int ksize = kh * kw;                                                                              \
    __global const T* xn = x + xOff + nb * inC * h * w;                                                     \
    __global const float* wo[OC_PER];                                                                       \
    float acc[OC_PER];                                                                                      \
    for (int r = 0; r < OC_PER; r++) {                                                                      \
        wo[r] = weight + wOff + min(o0 + r, outC - 1) * inC * ksize;                                        \
        acc[r] = 0.0f;                                                                                      \
    }                                                                                                       \
    for (int ci = 0; ci < inC; ci++) {                                                                      \
        __global const T* xc = xn + ci * h * w;                                                             \
        const int wc = ci * ksize;                                                                          \
        for (int ky = 0; ky < kh; ky++) {                                                                   \
            const int iy = iy0 + ky;                                                                        \
            if (iy < 0 || iy >= h) continue;                                                                \
            for (int kx = 0; kx < kw; kx++) {                                                               \
                const int ix = ix0 + kx;                                                                    \
                if (ix < 0 || ix >= w) continue;                                                            \
                const float xv = (float)xc[iy * w + ix];                                                    \
                const int wi = wc + ky * kw + kx;                                                           \
                for (int r = 0; r < OC_PER; r++)                                                            \
                    acc[r] = fma(wo[r][wi], xv, acc[r]);                                                    \
            }                                                                                               \
        }                                                                                                   \
    }                                                                                                       \
    for (int r = 0; r < OC_PER && o0 + r < outC; r++) {                                                     \
        float v = scale * acc[r];                                                                           \
        if (hasBias) v += bias[biasOff + o0 + r];                                                           \
        y[yOff + (nb * outC + o0 + r) * oh * ow + p] = activate(v, activation);                             \
    }                                                                                                       \
}

CONV2D_KERNEL(conv2d_f32, float)
CONV2D_KERNEL(conv2d_u8, uchar)
