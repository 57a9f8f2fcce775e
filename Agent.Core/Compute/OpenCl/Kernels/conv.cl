// y (batch, out, oh, ow) = act(bias + scale · Σ weight (out, in, kh, kw) · x (batch, in, h, w)) with zero padding.
// One work-item per output pixel: global size (oh·ow, out, batch). The float and uint8 variants share one body;
// uint8 frames are uploaded raw and converted here, so a step moves one byte per pixel.

#define CONV2D_KERNEL(NAME, T)                                                                              \
__kernel void NAME(__global const T* x, int xOff, float scale,                                              \
                   __global const float* weight, int wOff, __global const float* bias, int biasOff, int hasBias, \
                   __global float* y, int yOff,                                                             \
                   int inC, int h, int w, int outC, int kh, int kw, int stride, int pad, int oh, int ow,   \
                   int activation)                                                                          \
{                                                                                                           \
    const int p = get_global_id(0);                                                                         \
    const int o = get_global_id(1);                                                                         \
    const int nb = get_global_id(2);                                                                        \
    if (p >= oh * ow) return;                                                                               \
    const int oy = p / ow;                                                                                  \
    const int ox = p - oy * ow;                                                                             \
    const int iy0 = oy * stride - pad;                                                                      \
    const int ix0 = ox * stride - pad;                                                                      \
    __global const T* xn = x + xOff + nb * inC * h * w;                                                     \
    __global const float* wo = weight + wOff + o * inC * kh * kw;                                           \
    float acc = 0.0f;                                                                                       \
    for (int ci = 0; ci < inC; ci++) {                                                                      \
        __global const T* xc = xn + ci * h * w;                                                             \
        __global const float* wc = wo + ci * kh * kw;                                                       \
        for (int ky = 0; ky < kh; ky++) {                                                                   \
            const int iy = iy0 + ky;                                                                        \
            if (iy < 0 || iy >= h) continue;                                                                \
            for (int kx = 0; kx < kw; kx++) {                                                               \
                const int ix = ix0 + kx;                                                                    \
                if (ix < 0 || ix >= w) continue;                                                            \
                acc = fma(wc[ky * kw + kx], (float)xc[iy * w + ix], acc);                                   \
            }                                                                                               \
        }                                                                                                   \
    }                                                                                                       \
    float v = scale * acc;                                                                                  \
    if (hasBias) v += bias[biasOff + o];                                                                    \
    y[yOff + (nb * outC + o) * oh * ow + p] = activate(v, activation);                                      \
}

CONV2D_KERNEL(conv2d_f32, float)
CONV2D_KERNEL(conv2d_u8, uchar)
