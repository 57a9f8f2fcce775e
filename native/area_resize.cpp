#include "area_resize.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <stdexcept>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define AGENTCV_HAVE_X86 1
#endif

namespace agentcv_detail {
namespace {

struct Tap {
    int source;
    int destination;
    float alpha;
};

// OpenCV 4.6's computeResizeAreaTab for one channel: the source cells each output cell covers, with the covered
// fraction of the cell as weight.
std::vector<Tap> area_table(int source_size, int destination_size, double scale) {
    std::vector<Tap> table;
    table.reserve(static_cast<size_t>(source_size) * 2);
    for (int dx = 0; dx < destination_size; dx++) {
        double fsx1 = dx * scale;
        double fsx2 = fsx1 + scale;
        double cell_width = std::min(scale, source_size - fsx1);
        int sx1 = cvCeil(fsx1), sx2 = cvFloor(fsx2);
        sx2 = std::min(sx2, source_size - 1);
        sx1 = std::min(sx1, sx2);
        if (sx1 - fsx1 > 1e-3) table.push_back({sx1 - 1, dx, static_cast<float>((sx1 - fsx1) / cell_width)});
        for (int sx = sx1; sx < sx2; sx++) table.push_back({sx, dx, static_cast<float>(1.0 / cell_width)});
        if (fsx2 - sx2 > 1e-3) {
            table.push_back({sx2, dx, static_cast<float>(std::min(std::min(fsx2 - sx2, 1.), cell_width) / cell_width)});
        }
    }
    return table;
}

// cv::resize computes the scale as the inverse of the inverse scale; the tables depend on its last bit.
double scale_of(int source_size, int destination_size) {
    double inverse = static_cast<double>(destination_size) / source_size;
    return 1. / inverse;
}

#ifdef AGENTCV_HAVE_X86
// block[x·8 + r] = rows[r][x] for x < width: 32 columns at a time with 256-bit unpacks (each 128-bit lane transposes
// its own 16 columns, so one pass of 24 unpacks moves four 8×8 tiles), then 8×8 tiles with 128-bit unpacks, then
// single columns.
__attribute__((target("avx2"))) void transpose_avx2(const uint8_t* const* rows, int width, uint8_t* block) {
    int x = 0;
    for (; x + 32 <= width; x += 32) {
        __m256i r[kAreaBlockRows];
        for (int i = 0; i < kAreaBlockRows; i++) r[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[i] + x));
        // a: rows 2k and 2k+1 interleaved, columns 0..7 (lo) and 8..15 (hi) of each lane.
        __m256i a_lo[4], a_hi[4];
        for (int k = 0; k < 4; k++) {
            a_lo[k] = _mm256_unpacklo_epi8(r[2 * k], r[2 * k + 1]);
            a_hi[k] = _mm256_unpackhi_epi8(r[2 * k], r[2 * k + 1]);
        }
        // b: four columns of rows 0..3 or 4..7.
        __m256i b[8] = {_mm256_unpacklo_epi16(a_lo[0], a_lo[1]), _mm256_unpackhi_epi16(a_lo[0], a_lo[1]),
                        _mm256_unpacklo_epi16(a_lo[2], a_lo[3]), _mm256_unpackhi_epi16(a_lo[2], a_lo[3]),
                        _mm256_unpacklo_epi16(a_hi[0], a_hi[1]), _mm256_unpackhi_epi16(a_hi[0], a_hi[1]),
                        _mm256_unpacklo_epi16(a_hi[2], a_hi[3]), _mm256_unpackhi_epi16(a_hi[2], a_hi[3])};
        // c[k]: two whole columns per lane: columns 2k, 2k+1 of the lane's sixteen.
        __m256i c[8] = {_mm256_unpacklo_epi32(b[0], b[2]), _mm256_unpackhi_epi32(b[0], b[2]),
                        _mm256_unpacklo_epi32(b[1], b[3]), _mm256_unpackhi_epi32(b[1], b[3]),
                        _mm256_unpacklo_epi32(b[4], b[6]), _mm256_unpackhi_epi32(b[4], b[6]),
                        _mm256_unpacklo_epi32(b[5], b[7]), _mm256_unpackhi_epi32(b[5], b[7])};
        uint8_t* low = block + static_cast<size_t>(x) * kAreaBlockRows;
        uint8_t* high = block + static_cast<size_t>(x + 16) * kAreaBlockRows;
        for (int k = 0; k < 8; k++) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(low + 16 * k), _mm256_castsi256_si128(c[k]));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(high + 16 * k), _mm256_extracti128_si256(c[k], 1));
        }
    }
    for (; x + 8 <= width; x += 8) {
        __m128i r[kAreaBlockRows];
        for (int i = 0; i < kAreaBlockRows; i++) r[i] = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(rows[i] + x));
        __m128i a0 = _mm_unpacklo_epi8(r[0], r[1]), a1 = _mm_unpacklo_epi8(r[2], r[3]);
        __m128i a2 = _mm_unpacklo_epi8(r[4], r[5]), a3 = _mm_unpacklo_epi8(r[6], r[7]);
        __m128i b0 = _mm_unpacklo_epi16(a0, a1), b1 = _mm_unpackhi_epi16(a0, a1);
        __m128i b2 = _mm_unpacklo_epi16(a2, a3), b3 = _mm_unpackhi_epi16(a2, a3);
        // Each store holds two columns of eight rows: columns x, x+1; then x+2, x+3; ...
        __m128i* out = reinterpret_cast<__m128i*>(block + static_cast<size_t>(x) * kAreaBlockRows);
        _mm_storeu_si128(out + 0, _mm_unpacklo_epi32(b0, b2));
        _mm_storeu_si128(out + 1, _mm_unpackhi_epi32(b0, b2));
        _mm_storeu_si128(out + 2, _mm_unpacklo_epi32(b1, b3));
        _mm_storeu_si128(out + 3, _mm_unpackhi_epi32(b1, b3));
    }
    for (; x < width; x++) {
        for (int i = 0; i < kAreaBlockRows; i++) block[static_cast<size_t>(x) * kAreaBlockRows + i] = rows[i][x];
    }
}

// The eight rows of one source column, as floats.
__attribute__((target("avx2"))) inline __m256 load_column(const uint8_t* column) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(column))));
}

// For each output column x: Σ_t block[(first[x] + t)·8 + r] · weight[x][t], in t order, rounding after every multiply
// and every add (no FMA: OpenCV's scalar loop rounds both), stored row-major as sums[r·columns + x]. Eight output
// columns at once: eight independent chains of additions hide the adder's latency, and one 8×8 transpose turns the
// eight column vectors (lanes = rows) into eight row segments.
__attribute__((target("avx2"))) void horizontal_avx2(const uint8_t* block, const int32_t* first, const float* weight,
                                                     int taps, int columns, float* sums) {
    for (int x = 0; x < columns; x += kAreaColumnGroup) {
        const uint8_t* p[kAreaColumnGroup];
        const float* w[kAreaColumnGroup];
        __m256 s[kAreaColumnGroup];
#pragma GCC unroll 8
        for (int j = 0; j < kAreaColumnGroup; j++) {
            p[j] = block + static_cast<size_t>(first[x + j]) * kAreaBlockRows;
            w[j] = weight + static_cast<size_t>(x + j) * taps;
            s[j] = _mm256_setzero_ps();
        }
        for (int t = 0; t < taps; t++) {
            const size_t offset = static_cast<size_t>(t) * kAreaBlockRows;
            // Unrolled so that the eight sums live in registers (GCC otherwise keeps the array on the stack and
            // every add waits on a store and a reload).
#pragma GCC unroll 8
            for (int j = 0; j < kAreaColumnGroup; j++) {
                s[j] = _mm256_add_ps(s[j], _mm256_mul_ps(load_column(p[j] + offset), _mm256_broadcast_ss(w[j] + t)));
            }
        }
        __m256 a0 = _mm256_unpacklo_ps(s[0], s[1]), a1 = _mm256_unpackhi_ps(s[0], s[1]);
        __m256 a2 = _mm256_unpacklo_ps(s[2], s[3]), a3 = _mm256_unpackhi_ps(s[2], s[3]);
        __m256 a4 = _mm256_unpacklo_ps(s[4], s[5]), a5 = _mm256_unpackhi_ps(s[4], s[5]);
        __m256 a6 = _mm256_unpacklo_ps(s[6], s[7]), a7 = _mm256_unpackhi_ps(s[6], s[7]);
        __m256 b0 = _mm256_shuffle_ps(a0, a2, 0x44), b1 = _mm256_shuffle_ps(a0, a2, 0xEE);
        __m256 b2 = _mm256_shuffle_ps(a1, a3, 0x44), b3 = _mm256_shuffle_ps(a1, a3, 0xEE);
        __m256 b4 = _mm256_shuffle_ps(a4, a6, 0x44), b5 = _mm256_shuffle_ps(a4, a6, 0xEE);
        __m256 b6 = _mm256_shuffle_ps(a5, a7, 0x44), b7 = _mm256_shuffle_ps(a5, a7, 0xEE);
        // b0..b3 hold rows 0..3 (low lane) and 4..7 (high lane) of columns x..x+3; b4..b7 those of x+4..x+7.
        const __m256 rows[kAreaBlockRows] = {
            _mm256_permute2f128_ps(b0, b4, 0x20), _mm256_permute2f128_ps(b1, b5, 0x20),
            _mm256_permute2f128_ps(b2, b6, 0x20), _mm256_permute2f128_ps(b3, b7, 0x20),
            _mm256_permute2f128_ps(b0, b4, 0x31), _mm256_permute2f128_ps(b1, b5, 0x31),
            _mm256_permute2f128_ps(b2, b6, 0x31), _mm256_permute2f128_ps(b3, b7, 0x31)};
        for (int r = 0; r < kAreaBlockRows; r++) _mm256_storeu_ps(sums + static_cast<size_t>(r) * columns + x, rows[r]);
    }
}

// sum[x] = beta · row[x] (start) or sum[x] += beta · row[x], rounding the product, then the sum, as OpenCV does.
__attribute__((target("avx2"))) void vertical_avx2(float* sum, const float* row, float beta, int columns, bool start) {
    const __m256 b = _mm256_set1_ps(beta);
    for (int x = 0; x < columns; x += kAreaColumnGroup) {
        __m256 product = _mm256_mul_ps(b, _mm256_loadu_ps(row + x));
        _mm256_storeu_ps(sum + x, start ? product : _mm256_add_ps(_mm256_loadu_ps(sum + x), product));
    }
}

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2") != 0;
    return has;
}
#endif

void transpose_scalar(const uint8_t* const* rows, int width, uint8_t* block) {
    for (int x = 0; x < width; x++) {
        for (int i = 0; i < kAreaBlockRows; i++) block[static_cast<size_t>(x) * kAreaBlockRows + i] = rows[i][x];
    }
}

void horizontal_scalar(const uint8_t* block, const int32_t* first, const float* weight, int taps, int columns, float* sums) {
    for (int x = 0; x < columns; x++) {
        float sum[kAreaBlockRows] = {};
        for (int t = 0; t < taps; t++) {
            const uint8_t* value = block + static_cast<size_t>(first[x] + t) * kAreaBlockRows;
            float w = weight[static_cast<size_t>(x) * taps + t];
            for (int i = 0; i < kAreaBlockRows; i++) sum[i] = sum[i] + static_cast<float>(value[i]) * w;
        }
        for (int i = 0; i < kAreaBlockRows; i++) sums[static_cast<size_t>(i) * columns + x] = sum[i];
    }
}

void vertical_scalar(float* sum, const float* row, float beta, int columns, bool start) {
    for (int x = 0; x < columns; x++) sum[x] = start ? beta * row[x] : sum[x] + beta * row[x];
}

void vertical(float* sum, const float* row, float beta, int columns, bool start) {
#ifdef AGENTCV_HAVE_X86
    if (cpu_has_avx2()) {
        vertical_avx2(sum, row, beta, columns, start);
        return;
    }
#endif
    vertical_scalar(sum, row, beta, columns, start);
}

}  // namespace

bool AreaResizer::applies(cv::Size source, cv::Size destination) {
    if (source.width <= 0 || source.height <= 0 || destination.width <= 0 || destination.height <= 0) return false;
    if (source == destination) return false;
    double scale_x = scale_of(source.width, destination.width);
    double scale_y = scale_of(source.height, destination.height);
    if (!(scale_x >= 1 && scale_y >= 1)) return false;
    int integer_x = cv::saturate_cast<int>(scale_x);
    int integer_y = cv::saturate_cast<int>(scale_y);
    bool whole = std::abs(scale_x - integer_x) < DBL_EPSILON && std::abs(scale_y - integer_y) < DBL_EPSILON;
    return !whole;
}

AreaResizer::AreaResizer(cv::Size source, cv::Size destination) : source_(source), destination_(destination) {
    if (!applies(source, destination)) throw std::invalid_argument("the area resizer only shrinks by non-integer factors");
    std::vector<Tap> xtab = area_table(source.width, destination.width, scale_of(source.width, destination.width));
    columns_ = (destination.width + kAreaColumnGroup - 1) / kAreaColumnGroup * kAreaColumnGroup;
    std::vector<int> count(static_cast<size_t>(columns_), 0);
    for (const Tap& tap : xtab) taps_ = std::max(taps_, ++count[static_cast<size_t>(tap.destination)]);
    // Each output column's taps cover consecutive source columns (the partly covered cell on the left, the whole
    // cells, the partly covered cell on the right), so tap t reads first + t. Every column gets taps_ taps: its own
    // in table order, then padding of weight 0, which adds +0 to a non-negative sum and so leaves its bits
    // unchanged. The columns added to round the width up to a group are all padding.
    first_column_.assign(static_cast<size_t>(columns_), 0);
    tap_weight_.assign(static_cast<size_t>(columns_) * taps_, 0.0f);
    std::fill(count.begin(), count.end(), 0);
    for (const Tap& tap : xtab) {
        size_t x = static_cast<size_t>(tap.destination);
        if (count[x] == 0) {
            first_column_[x] = tap.source;
        } else if (tap.source != first_column_[x] + count[x]) {
            throw std::logic_error("area resize taps are not consecutive source columns");
        }
        tap_weight_[x * taps_ + static_cast<size_t>(count[x]++)] = tap.alpha;
    }
    int block_width = source.width;
    for (int x = 0; x < columns_; x++) block_width = std::max(block_width, first_column_[static_cast<size_t>(x)] + taps_);
    for (const Tap& tap : area_table(source.height, destination.height, scale_of(source.height, destination.height))) {
        rows_.push_back({tap.destination, tap.source, tap.alpha});
    }
    // Columns past the source's width are only read by padding taps (weight 0) and stay zero.
    block_.assign(static_cast<size_t>(block_width) * kAreaBlockRows, 0);
    sums_.resize(static_cast<size_t>(columns_) * kAreaBlockRows);
    sum_.resize(static_cast<size_t>(columns_));
}

void AreaResizer::accumulate_rows(const cv::Mat& source, int first) {
    const uint8_t* rows[kAreaBlockRows];
    for (int i = 0; i < kAreaBlockRows; i++) rows[i] = source.ptr<uint8_t>(std::min(first + i, source_.height - 1));
#ifdef AGENTCV_HAVE_X86
    if (cpu_has_avx2()) {
        transpose_avx2(rows, source_.width, block_.data());
        horizontal_avx2(block_.data(), first_column_.data(), tap_weight_.data(), taps_, columns_, sums_.data());
        return;
    }
#endif
    transpose_scalar(rows, source_.width, block_.data());
    horizontal_scalar(block_.data(), first_column_.data(), tap_weight_.data(), taps_, columns_, sums_.data());
}

// OpenCV's ResizeArea_Invoker over all rows: each source row's horizontal sums are weighted by beta into the output
// row's sum; when the output row changes, the finished row is stored with saturate_cast (round to nearest even).
void AreaResizer::run(const cv::Mat& source, cv::Mat& destination) {
    CV_Assert(source.type() == CV_8UC1 && source.size() == source_);
    CV_Assert(destination.type() == CV_8UC1 && destination.size() == destination_);
    int previous_row = rows_.front().destination_row;
    int first = -kAreaBlockRows;  // first source row of the block in sums_
    bool start = true;            // sum_ holds nothing yet: the next row starts it
    for (const RowTap& r : rows_) {
        if (r.source_row >= first + kAreaBlockRows) {
            first = r.source_row;
            accumulate_rows(source, first);
        }
        if (r.destination_row != previous_row) {
            uint8_t* out = destination.ptr<uint8_t>(previous_row);
            for (int x = 0; x < destination_.width; x++) out[x] = cv::saturate_cast<uint8_t>(sum_[static_cast<size_t>(x)]);
            previous_row = r.destination_row;
            start = true;
        }
        const float* row = sums_.data() + static_cast<size_t>(r.source_row - first) * columns_;
        vertical(sum_.data(), row, r.beta, columns_, start);
        start = false;
    }
    uint8_t* out = destination.ptr<uint8_t>(previous_row);
    for (int x = 0; x < destination_.width; x++) out[x] = cv::saturate_cast<uint8_t>(sum_[static_cast<size_t>(x)]);
}

}  // namespace agentcv_detail
