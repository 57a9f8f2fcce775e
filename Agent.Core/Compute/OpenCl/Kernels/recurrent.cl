// LSTM and GRU recurrences over T steps in one enqueue. One work-group per stream b keeps that stream's h in local
// memory; each work-item owns hidden units j = lid, lid + ls, … and computes their gates from the precomputed
// input gates (T, B, G·H) = x·W_ihᵀ + b_ih and W_hhᵀ (H, G·H), so neighbouring work-items read neighbouring weights.
// Before step t the stream's state is multiplied by keep = 1 − episode_starts[t, b] (PyTorch's reset); keep
// multiplies the recurrent dot products, which equals resetting h first.

__kernel void lstm_sequence(__global const float* gx, int gxOff, __global const float* whhT, int whhOff,
                            __global const float* bhh, int bhhOff, int hasBias,
                            __global float* h, int hOff, __global float* c, int cOff,
                            __global const float* starts, int startsOff, int hasStarts,
                            __global float* out, int outOff, int steps, int batch, int hidden,
                            __local float* hl)
{
    const int b = get_group_id(0);
    const int lid = get_local_id(0);
    const int ls = get_local_size(0);
    const int g4 = 4 * hidden;
    __global float* hb = h + hOff + b * hidden;
    __global float* cb = c + cOff + b * hidden;
    for (int j = lid; j < hidden; j += ls) hl[j] = hb[j];
    barrier(CLK_LOCAL_MEM_FENCE);

    for (int t = 0; t < steps; t++) {
        const float keep = hasStarts ? 1.0f - starts[startsOff + t * batch + b] : 1.0f;
        __global const float* g = gx + gxOff + (t * batch + b) * g4;
        __global float* ob = out + outOff + (t * batch + b) * hidden;
        for (int j = lid; j < hidden; j += ls) {
            float si = 0.0f, sf = 0.0f, sg = 0.0f, so = 0.0f;
            for (int q = 0; q < hidden; q++) {
                const float hv = hl[q];
                __global const float* wr = whhT + whhOff + q * g4;
                si = fma(wr[j], hv, si);
                sf = fma(wr[hidden + j], hv, sf);
                sg = fma(wr[2 * hidden + j], hv, sg);
                so = fma(wr[3 * hidden + j], hv, so);
            }
            float pi = g[j] + keep * si;
            float pf = g[hidden + j] + keep * sf;
            float pg = g[2 * hidden + j] + keep * sg;
            float po = g[3 * hidden + j] + keep * so;
            if (hasBias) {
                pi += bhh[bhhOff + j];
                pf += bhh[bhhOff + hidden + j];
                pg += bhh[bhhOff + 2 * hidden + j];
                po += bhh[bhhOff + 3 * hidden + j];
            }
            const float cn = sigmoid_f(pf) * (keep * cb[j]) + sigmoid_f(pi) * tanh(pg);
            cb[j] = cn;
            ob[j] = sigmoid_f(po) * tanh(cn);
        }
        // Every work-item has finished reading hl before it is overwritten with this step's h.
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        for (int j = lid; j < hidden; j += ls) hl[j] = ob[j];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int j = lid; j < hidden; j += ls) hb[j] = hl[j];
}

// GRU (r, z, n): n = tanh(x_n + r · (W_hn h + b_hn)); h' = (1 − z) · n + z · h.
__kernel void gru_sequence(__global const float* gx, int gxOff, __global const float* whhT, int whhOff,
                           __global const float* bhh, int bhhOff, int hasBias,
                           __global float* h, int hOff,
                           __global const float* starts, int startsOff, int hasStarts,
                           __global float* out, int outOff, int steps, int batch, int hidden,
                           __local float* hl)
{
    const int b = get_group_id(0);
    const int lid = get_local_id(0);
    const int ls = get_local_size(0);
    const int g3 = 3 * hidden;
    __global float* hb = h + hOff + b * hidden;
    for (int j = lid; j < hidden; j += ls) hl[j] = hb[j];
    barrier(CLK_LOCAL_MEM_FENCE);

    for (int t = 0; t < steps; t++) {
        const float keep = hasStarts ? 1.0f - starts[startsOff + t * batch + b] : 1.0f;
        __global const float* g = gx + gxOff + (t * batch + b) * g3;
        __global float* ob = out + outOff + (t * batch + b) * hidden;
        for (int j = lid; j < hidden; j += ls) {
            float sr = 0.0f, sz = 0.0f, sn = 0.0f;
            for (int q = 0; q < hidden; q++) {
                const float hv = hl[q];
                __global const float* wr = whhT + whhOff + q * g3;
                sr = fma(wr[j], hv, sr);
                sz = fma(wr[hidden + j], hv, sz);
                sn = fma(wr[2 * hidden + j], hv, sn);
            }
            sr *= keep;
            sz *= keep;
            sn *= keep;
            if (hasBias) {
                sr += bhh[bhhOff + j];
                sz += bhh[bhhOff + hidden + j];
                sn += bhh[bhhOff + 2 * hidden + j];
            }
            const float r = sigmoid_f(g[j] + sr);
            const float z = sigmoid_f(g[hidden + j] + sz);
            const float nv = tanh(g[2 * hidden + j] + r * sn);
            ob[j] = (1.0f - z) * nv + z * (keep * hl[j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
        for (int j = lid; j < hidden; j += ls) hl[j] = ob[j];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int j = lid; j < hidden; j += ls) hb[j] = hl[j];
}
