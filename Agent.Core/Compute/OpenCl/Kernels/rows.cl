// destination[dstRows[r] or r, :] = source[srcRows[r] or r, :] for rows of `width` floats; global size (width, rows).
// Gathers per-stream state rows into a batch before a step and scatters them back after it.
__kernel void copy_rows(__global const float* src, int srcOff, __global const int* srcRows, int srcRowsOff, int hasSrcRows,
                        __global float* dst, int dstOff, __global const int* dstRows, int dstRowsOff, int hasDstRows,
                        int width)
{
    const int i = get_global_id(0);
    const int r = get_global_id(1);
    if (i >= width) return;
    const int s = hasSrcRows ? srcRows[srcRowsOff + r] : r;
    const int d = hasDstRows ? dstRows[dstRowsOff + r] : r;
    dst[dstOff + d * width + i] = src[srcOff + s * width + i];
}
