// c (m, n) = act(a (m, k) · b (n, k)ᵀ + bias (n) [+ c]). Both operands are k-contiguous (PyTorch Linear layout).

#define TILE 64      // rows and columns of c per work-group
#define TILE_K 16    // depth of one local-memory slab
#define WPT 4        // each work-item computes WPT × WPT outputs, spaced 16 apart so stores coalesce

// Large m: a 16×16 work-group computes a 64×64 block of c from 64×16 slabs of a and b staged in local memory.
__kernel __attribute__((reqd_work_group_size(16, 16, 1)))
void gemm_tiled(__global const float* a, int aOff, __global const float* b, int bOff,
                __global const float* bias, int biasOff, int hasBias,
                __global float* c, int cOff, int m, int n, int k, int accumulate, int activation)
{
    // Stored k-major and padded by one column so the inner loop reads rows without bank conflicts.
    __local float as[TILE_K][TILE + 1];
    __local float bs[TILE_K][TILE + 1];
    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int lid = ty * 16 + tx;
    const int row0 = get_group_id(1) * TILE;
    const int col0 = get_group_id(0) * TILE;
    float acc[WPT][WPT];
    for (int i = 0; i < WPT; i++)
        for (int j = 0; j < WPT; j++)
            acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < k; k0 += TILE_K) {
        for (int l = 0; l < (TILE * TILE_K) / 256; l++) {
            const int e = lid + l * 256;
            const int r = e / TILE_K;
            const int kk = e % TILE_K;
            const int gk = k0 + kk;
            const int ga = row0 + r;
            const int gb = col0 + r;
            as[kk][r] = (ga < m && gk < k) ? a[aOff + ga * k + gk] : 0.0f;
            bs[kk][r] = (gb < n && gk < k) ? b[bOff + gb * k + gk] : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TILE_K; kk++) {
            float av[WPT];
            float bv[WPT];
            for (int i = 0; i < WPT; i++) av[i] = as[kk][ty + 16 * i];
            for (int j = 0; j < WPT; j++) bv[j] = bs[kk][tx + 16 * j];
            for (int i = 0; i < WPT; i++)
                for (int j = 0; j < WPT; j++)
                    acc[i][j] = fma(av[i], bv[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int i = 0; i < WPT; i++) {
        const int row = row0 + ty + 16 * i;
        if (row >= m) continue;
        for (int j = 0; j < WPT; j++) {
            const int col = col0 + tx + 16 * j;
            if (col >= n) continue;
            float v = acc[i][j];
            if (hasBias) v += bias[biasOff + col];
            const int at = cOff + row * n + col;
            if (accumulate) v += c[at];
            c[at] = activate(v, activation);
        }
    }
}

// CPU devices and small m: one work-item per column and group of R rows, dot products in 8-wide vectors, so each
// load of a b row feeds R rows of a. No local memory or barriers, which CPU runtimes such as PoCL handle poorly.
// Rows past m are clamped to m − 1 (read, computed, not stored) so the inner loops have a compile-time trip count.
#define GEMM_ROWS_KERNEL(NAME, R)                                                                               \
__kernel void NAME(__global const float* a, int aOff, __global const float* b, int bOff,                        \
                   __global const float* bias, int biasOff, int hasBias,                                        \
                   __global float* c, int cOff, int m, int n, int k, int accumulate, int activation)            \
{                                                                                                               \
    const int col = get_global_id(0);                                                                           \
    const int row0 = get_global_id(1) * R;                                                                      \
    if (col >= n || row0 >= m) return;                                                                          \
    __global const float* br = b + bOff + col * k;                                                              \
    __global const float* ar[R];                                                                                \
    float8 acc[R];                                                                                              \
    for (int r = 0; r < R; r++) {                                                                               \
        ar[r] = a + aOff + min(row0 + r, m - 1) * k;                                                            \
        acc[r] = (float8)(0.0f);                                                                                \
    }                                                                                                           \
    int p = 0;                                                                                                  \
    for (; p + 8 <= k; p += 8) {                                                                                \
        const float8 bv = vload8(0, br + p);                                                                    \
        for (int r = 0; r < R; r++)                                                                             \
            acc[r] = fma(vload8(0, ar[r] + p), bv, acc[r]);                                                     \
    }                                                                                                           \
    for (int r = 0; r < R && row0 + r < m; r++) {                                                               \
        float v = ((acc[r].s0 + acc[r].s1) + (acc[r].s2 + acc[r].s3)) + ((acc[r].s4 + acc[r].s5) + (acc[r].s6 + acc[r].s7)); \
        for (int q = p; q < k; q++)                                                                             \
            v = fma(ar[r][q], br[q], v);                                                                        \
        if (hasBias) v += bias[biasOff + col];                                                                  \
        const int at = cOff + (row0 + r) * n + col;                                                             \
        if (accumulate) v += c[at];                                                                             \
        c[at] = activate(v, activation);                                                                        \
    }                                                                                                           \
}

GEMM_ROWS_KERNEL(gemm_rows1, 1)
GEMM_ROWS_KERNEL(gemm_rows4, 4)
