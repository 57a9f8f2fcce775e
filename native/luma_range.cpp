#include "luma_range.h"

#include <algorithm>
#include <array>
#include <cmath>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define AGENTCV_HAVE_X86 1
#endif

namespace agentcv_detail {
namespace {

// With v = Y − 16 saturated at 0 (v ≤ 239): round(v·255/219) = ((256v + 110) · 19077) >> 22 for every v, checked
// value by value by formula_is_exact (19077/2¹⁴ is swscale's own luma gain; 110 places the rounding point; no value
// lies on a .5 tie since 219 is odd). 256v + 110 is v in a 16-bit lane's high byte over 110 in its low byte, so one
// byte interleave builds it, and one high multiply and one shift finish it; packing with unsigned saturation is the
// clamp at 255 (v = 239 gives 278).
constexpr int kRoundingByte = 110;
constexpr int kGain = 19077;  // applied as a high 16-bit multiply, then a shift by 6
constexpr int kGainShift = 6;

uint8_t expand_by_formula(uint8_t y) {
    int v = y > 16 ? y - 16 : 0;
    int q = ((v * 256 + kRoundingByte) * kGain) >> (16 + kGainShift);
    return static_cast<uint8_t>(std::min(q, 255));
}

const std::array<uint8_t, 256>& table() {
    static const std::array<uint8_t, 256> t = [] {
        std::array<uint8_t, 256> values{};
        for (int y = 0; y < 256; y++) {
            double exact = std::nearbyint((y - 16) * 255.0 / 219.0);
            values[static_cast<size_t>(y)] = static_cast<uint8_t>(std::fmin(std::fmax(exact, 0.0), 255.0));
        }
        return values;
    }();
    return t;
}

// The vector path computes expand_by_formula; it is used only when that agrees with the definition for all 256
// values (it does; the check keeps a future edit of the constants from silently changing pixels).
bool formula_is_exact() {
    static const bool exact = [] {
        for (int y = 0; y < 256; y++) {
            if (expand_by_formula(static_cast<uint8_t>(y)) != table()[static_cast<size_t>(y)]) return false;
        }
        return true;
    }();
    return exact;
}

#ifdef AGENTCV_HAVE_X86
__attribute__((target("avx2"))) __m256i expand_avx2(__m256i y) {
    const __m256i rounding = _mm256_set1_epi8(kRoundingByte);
    const __m256i gain = _mm256_set1_epi16(kGain);
    __m256i v = _mm256_subs_epu8(y, _mm256_set1_epi8(16));
    __m256i lo = _mm256_srli_epi16(_mm256_mulhi_epu16(_mm256_unpacklo_epi8(rounding, v), gain), kGainShift);
    __m256i hi = _mm256_srli_epi16(_mm256_mulhi_epu16(_mm256_unpackhi_epi8(rounding, v), gain), kGainShift);
    // packus undoes the per-lane unpack order, so the bytes come out in source order.
    return _mm256_packus_epi16(lo, hi);
}

__attribute__((target("avx2"))) void expand_rows_avx2(const uint8_t* source, size_t source_stride, uint8_t* destination,
                                                      size_t destination_stride, int width, int rows) {
    const std::array<uint8_t, 256>& t = table();
    for (int r = 0; r < rows; r++) {
        const uint8_t* in = source + static_cast<size_t>(r) * source_stride;
        uint8_t* out = destination + static_cast<size_t>(r) * destination_stride;
        int x = 0;
        for (; x + 32 <= width; x += 32) {
            __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + x));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + x), expand_avx2(y));
        }
        for (; x < width; x++) out[x] = t[in[x]];
    }
}

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2") != 0;
    return has;
}
#endif

}  // namespace

uint8_t expand_luma(uint8_t y) { return table()[y]; }

void expand_luma_plane(const uint8_t* source, size_t source_stride, uint8_t* destination, size_t destination_stride,
                       int width, int rows) {
#ifdef AGENTCV_HAVE_X86
    if (cpu_has_avx2() && formula_is_exact()) {
        expand_rows_avx2(source, source_stride, destination, destination_stride, width, rows);
        return;
    }
#endif
    const std::array<uint8_t, 256>& t = table();
    for (int r = 0; r < rows; r++) {
        const uint8_t* in = source + static_cast<size_t>(r) * source_stride;
        uint8_t* out = destination + static_cast<size_t>(r) * destination_stride;
        for (int x = 0; x < width; x++) out[x] = t[in[x]];
    }
}

}  // namespace agentcv_detail
