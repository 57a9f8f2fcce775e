// LSTM and GRU recurrences over T steps in one enqueue (GPUs). One work-group per stream b keeps that stream's h in
// local memory; each work-item owns hidden units j = lid, lid + ls, … and computes their gates from the precomputed
// input gates (T, B, G·H) = x·W_ihᵀ + b_ih and W_hh (G·H, H), PyTorch's layout.
// Before step t the stream's state is multiplied by keep = 1 − episode_starts[t, b] (PyTorch's reset); keep
// multiplies the recurrent dot products, which equals resetting h first.

__kernel void lstm_sequence(__global const float* gx, int gxOff, __global const float* whh, int whhOff,
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
            __global const float* wi = whh + whhOff + j * hidden;
            __global const float* wf = wi + hidden * hidden;
            __global const float* wg = wf + hidden * hidden;
            __global const float* wo = wg + hidden * hidden;
            for (int q = 0; q < hidden; q++) {
                const float hv = hl[q];
                si = fma(wi[q], hv, si);
                sf = fma(wf[q], hv, sf);
                sg = fma(wg[q], hv, sg);
                so = fma(wo[q], hv, so);
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
__kernel void gru_sequence(__global const float* gx, int gxOff, __global const float* whh, int whhOff,
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
            __global const float* wr = whh + whhOff + j * hidden;
            __global const float* wz = wr + hidden * hidden;
            __global const float* wn = wz + hidden * hidden;
            for (int q = 0; q < hidden; q++) {
                const float hv = hl[q];
                sr = fma(wr[q], hv, sr);
                sz = fma(wz[q], hv, sz);
                sn = fma(wn[q], hv, sn);
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

// One step as GEMM + pointwise, for CPU devices (PoCL runs work-group barriers in loops slowly): the host enqueues
// hh (B, G·H) = hPrev · W_hhᵀ with the GEMM kernel, then these cells with global size (H, B). Work-item (j, b) reads
// hPrev and writes hNext, a different buffer; c (B, H) is updated in place by its owner only.
__kernel void lstm_cell(__global const float* gx, int gxOff, __global const float* hh, int hhOff,
                        __global const float* bhh, int bhhOff, int hasBias,
                        __global float* c, int cOff, __global const float* starts, int startsOff, int hasStarts,
                        __global float* hNext, int hNextOff, int hidden)
{
    const int j = get_global_id(0);
    const int b = get_global_id(1);
    if (j >= hidden) return;
    const float keep = hasStarts ? 1.0f - starts[startsOff + b] : 1.0f;
    __global const float* g = gx + gxOff + b * 4 * hidden;
    __global const float* r = hh + hhOff + b * 4 * hidden;
    float pi = g[j] + keep * r[j];
    float pf = g[hidden + j] + keep * r[hidden + j];
    float pg = g[2 * hidden + j] + keep * r[2 * hidden + j];
    float po = g[3 * hidden + j] + keep * r[3 * hidden + j];
    if (hasBias) {
        pi += bhh[bhhOff + j];
        pf += bhh[bhhOff + hidden + j];
        pg += bhh[bhhOff + 2 * hidden + j];
        po += bhh[bhhOff + 3 * hidden + j];
    }
    const int at = b * hidden + j;
    const float cn = sigmoid_f(pf) * (keep * c[cOff + at]) + sigmoid_f(pi) * tanh(pg);
    c[cOff + at] = cn;
    hNext[hNextOff + at] = sigmoid_f(po) * tanh(cn);
}

__kernel void gru_cell(__global const float* gx, int gxOff, __global const float* hh, int hhOff,
                       __global const float* bhh, int bhhOff, int hasBias,
                       __global const float* hPrev, int hPrevOff, __global const float* starts, int startsOff, int hasStarts,
                       __global float* hNext, int hNextOff, int hidden)
{
    const int j = get_global_id(0);
    const int b = get_global_id(1);
    if (j >= hidden) return;
    const float keep = hasStarts ? 1.0f - starts[startsOff + b] : 1.0f;
    __global const float* g = gx + gxOff + b * 3 * hidden;
    __global const float* q = hh + hhOff + b * 3 * hidden;
    float sr = keep * q[j], sz = keep * q[hidden + j], sn = keep * q[2 * hidden + j];
    if (hasBias) {
        sr += bhh[bhhOff + j];
        sz += bhh[bhhOff + hidden + j];
        sn += bhh[bhhOff + 2 * hidden + j];
    }
    const float r = sigmoid_f(g[j] + sr);
    const float z = sigmoid_f(g[hidden + j] + sz);
    const float nv = tanh(g[2 * hidden + j] + r * sn);
    const int at = b * hidden + j;
    hNext[hNextOff + at] = (1.0f - z) * nv + z * (keep * hPrev[hPrevOff + at]);
}
