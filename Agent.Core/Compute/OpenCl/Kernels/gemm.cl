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

// Small m (a step for a few streams): one work-item per output, a dot product in 8-wide vectors.
__kernel void gemm_small(__global const float* a, int aOff, __global const float* b, int bOff,
                         __global const float* bias, int biasOff, int hasBias,
                         __global float* c, int cOff, int m, int n, int k, int accumulate, int activation)
{
    const int col = get_global_id(0);
    const int row = get_global_id(1);
    if (col >= n || row >= m) return;
    __global const float* ar = a + aOff + row * k;
    __global const float* br = b + bOff + col * k;
    float8 acc8 = (float8)(0.0f);
    int p = 0;
    for (; p + 8 <= k; p += 8)
        acc8 = fma(vload8(0, ar + p), vload8(0, br + p), acc8);
    float v = ((acc8.s0 + acc8.s1) + (acc8.s2 + acc8.s3)) + ((acc8.s4 + acc8.s5) + (acc8.s6 + acc8.s7));
    for (; p < k; p++)
        v = fma(ar[p], br[p], v);
    if (hasBias) v += bias[biasOff + col];
    const int at = cOff + row * n + col;
    if (accumulate) v += c[at];
    c[at] = activate(v, activation);
}
