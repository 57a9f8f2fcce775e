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
// block is (width, 8): block[x·8 + r] = rows[r][x]. Transposes 8×8 byte tiles with SSE2 unpacks.
__attribute__((target("avx2"))) void transpose_avx2(const uint8_t* const* rows, int width, float* block) {
    int x = 0;
    for (; x + 8 <= width; x += 8) {
        __m128i r[kAreaBlockRows];
        for (int i = 0; i < kAreaBlockRows; i++) r[i] = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(rows[i] + x));
        __m128i a0 = _mm_unpacklo_epi8(r[0], r[1]), a1 = _mm_unpacklo_epi8(r[2], r[3]);
        __m128i a2 = _mm_unpacklo_epi8(r[4], r[5]), a3 = _mm_unpacklo_epi8(r[6], r[7]);
        __m128i b0 = _mm_unpacklo_epi16(a0, a1), b1 = _mm_unpackhi_epi16(a0, a1);
        __m128i b2 = _mm_unpacklo_epi16(a2, a3), b3 = _mm_unpackhi_epi16(a2, a3);
        // Each c holds two columns of eight rows: c0 = columns x, x+1; c1 = x+2, x+3; ...
        __m128i c[4] = {_mm_unpacklo_epi32(b0, b2), _mm_unpackhi_epi32(b0, b2), _mm_unpacklo_epi32(b1, b3),
                        _mm_unpackhi_epi32(b1, b3)};
        float* out = block + static_cast<size_t>(x) * kAreaBlockRows;
        for (int i = 0; i < 4; i++) {
            _mm256_storeu_ps(out + (2 * i) * kAreaBlockRows, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(c[i])));
            _mm256_storeu_ps(out + (2 * i + 1) * kAreaBlockRows, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(c[i], 8))));
        }
    }
    for (; x < width; x++) {
        for (int i = 0; i < kAreaBlockRows; i++) block[static_cast<size_t>(x) * kAreaBlockRows + i] = rows[i][x];
    }
}

// sums[x·8 + r] = Σ_t block[column[x][t]·8 + r] · weight[x][t], in t order, rounding after every multiply and every
// add (no FMA: OpenCV's scalar loop rounds both). Four output columns at once, so that four independent chains of
// additions hide the adder's latency.
__attribute__((target("avx2"))) void horizontal_avx2(const float* block, const int32_t* column, const float* weight,
                                                     int taps, int width, float* sums) {
    constexpr int kColumns = 4;
    int x = 0;
    for (; x + kColumns <= width; x += kColumns) {
        __m256 sum[kColumns] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        const int32_t* c = column + static_cast<size_t>(x) * taps;
        const float* w = weight + static_cast<size_t>(x) * taps;
        for (int t = 0; t < taps; t++) {
            for (int j = 0; j < kColumns; j++) {
                size_t k = static_cast<size_t>(j) * taps + t;
                __m256 value = _mm256_loadu_ps(block + static_cast<size_t>(c[k]) * kAreaBlockRows);
                sum[j] = _mm256_add_ps(sum[j], _mm256_mul_ps(value, _mm256_set1_ps(w[k])));
            }
        }
        for (int j = 0; j < kColumns; j++) _mm256_storeu_ps(sums + static_cast<size_t>(x + j) * kAreaBlockRows, sum[j]);
    }
    for (; x < width; x++) {
        __m256 sum = _mm256_setzero_ps();
        for (int t = 0; t < taps; t++) {
            size_t k = static_cast<size_t>(x) * taps + t;
            __m256 value = _mm256_loadu_ps(block + static_cast<size_t>(column[k]) * kAreaBlockRows);
            sum = _mm256_add_ps(sum, _mm256_mul_ps(value, _mm256_set1_ps(weight[k])));
        }
        _mm256_storeu_ps(sums + static_cast<size_t>(x) * kAreaBlockRows, sum);
    }
}

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2") != 0;
    return has;
}
#endif

void transpose_scalar(const uint8_t* const* rows, int width, float* block) {
    for (int x = 0; x < width; x++) {
        for (int i = 0; i < kAreaBlockRows; i++) block[static_cast<size_t>(x) * kAreaBlockRows + i] = rows[i][x];
    }
}

void horizontal_scalar(const float* block, const int32_t* column, const float* weight, int taps, int width, float* sums) {
    for (int x = 0; x < width; x++) {
        float sum[kAreaBlockRows] = {};
        for (int t = 0; t < taps; t++) {
            size_t k = static_cast<size_t>(x) * taps + t;
            const float* value = block + static_cast<size_t>(column[k]) * kAreaBlockRows;
            for (int i = 0; i < kAreaBlockRows; i++) sum[i] = sum[i] + value[i] * weight[k];
        }
        std::copy(sum, sum + kAreaBlockRows, sums + static_cast<size_t>(x) * kAreaBlockRows);
    }
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
    std::vector<int> count(static_cast<size_t>(destination.width), 0);
    for (const Tap& tap : xtab) taps_ = std::max(taps_, ++count[static_cast<size_t>(tap.destination)]);
    // Every output column gets taps_ taps: its own in table order, then padding that reads its last column with
    // weight 0 and so adds +0 to a non-negative sum, which leaves the sum's bits unchanged.
    tap_column_.assign(static_cast<size_t>(destination.width) * taps_, 0);
    tap_weight_.assign(static_cast<size_t>(destination.width) * taps_, 0.0f);
    std::fill(count.begin(), count.end(), 0);
    for (const Tap& tap : xtab) {
        size_t x = static_cast<size_t>(tap.destination);
        size_t base = x * taps_;
        for (size_t t = static_cast<size_t>(count[x]); t < static_cast<size_t>(taps_); t++) tap_column_[base + t] = tap.source;
        tap_weight_[base + static_cast<size_t>(count[x]++)] = tap.alpha;
    }
    for (const Tap& tap : area_table(source.height, destination.height, scale_of(source.height, destination.height))) {
        rows_.push_back({tap.destination, tap.source, tap.alpha});
    }
    block_.resize(static_cast<size_t>(source.width) * kAreaBlockRows);
    sums_.resize(static_cast<size_t>(destination.width) * kAreaBlockRows);
    sum_.resize(static_cast<size_t>(destination.width));
}

void AreaResizer::accumulate_rows(const cv::Mat& source, int first) {
    const uint8_t* rows[kAreaBlockRows];
    for (int i = 0; i < kAreaBlockRows; i++) rows[i] = source.ptr<uint8_t>(std::min(first + i, source_.height - 1));
#ifdef AGENTCV_HAVE_X86
    if (cpu_has_avx2()) {
        transpose_avx2(rows, source_.width, block_.data());
        horizontal_avx2(block_.data(), tap_column_.data(), tap_weight_.data(), taps_, destination_.width, sums_.data());
        return;
    }
#endif
    transpose_scalar(rows, source_.width, block_.data());
    horizontal_scalar(block_.data(), tap_column_.data(), tap_weight_.data(), taps_, destination_.width, sums_.data());
}

// OpenCV's ResizeArea_Invoker over all rows: each source row's horizontal sums are weighted by beta into the output
// row's sum; when the output row changes, the finished row is stored with saturate_cast (round to nearest even).
void AreaResizer::run(const cv::Mat& source, cv::Mat& destination) {
    CV_Assert(source.type() == CV_8UC1 && source.size() == source_);
    CV_Assert(destination.type() == CV_8UC1 && destination.size() == destination_);
    std::fill(sum_.begin(), sum_.end(), 0.0f);
    int previous_row = rows_.front().destination_row;
    int first = -kAreaBlockRows;  // first source row of the block in sums_
    const int width = destination_.width;
    for (const RowTap& r : rows_) {
        if (r.source_row >= first + kAreaBlockRows) {
            first = r.source_row;
            accumulate_rows(source, first);
        }
        const float* buffer = sums_.data() + (r.source_row - first);  // this row's sums, kAreaBlockRows apart
        if (r.destination_row != previous_row) {
            uint8_t* out = destination.ptr<uint8_t>(previous_row);
            for (int x = 0; x < width; x++) {
                out[x] = cv::saturate_cast<uint8_t>(sum_[static_cast<size_t>(x)]);
                sum_[static_cast<size_t>(x)] = r.beta * buffer[static_cast<size_t>(x) * kAreaBlockRows];
            }
            previous_row = r.destination_row;
        } else {
            for (int x = 0; x < width; x++) sum_[static_cast<size_t>(x)] += r.beta * buffer[static_cast<size_t>(x) * kAreaBlockRows];
        }
    }
    uint8_t* out = destination.ptr<uint8_t>(previous_row);
    for (int x = 0; x < width; x++) out[x] = cv::saturate_cast<uint8_t>(sum_[static_cast<size_t>(x)]);
}

}  // namespace agentcv_detail
