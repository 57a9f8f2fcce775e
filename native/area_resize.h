// A faster cv::resize(..., INTER_AREA) for 8-bit gray frames shrunk by a non-integer factor (1280x720 -> 84x84,
// 160x210 -> 84x84), bit for bit equal to OpenCV 4.6's. Not part of the C ABI.
#pragma once
#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

namespace agentcv_detail {

// Source rows an AreaResizer transposes and sums together (one AVX2 register of floats).
constexpr int kAreaBlockRows = 8;
// Output columns summed together (eight independent chains of additions; one 8x8 transpose of the sums).
constexpr int kAreaColumnGroup = 8;

// OpenCV's generic area resize (ResizeArea_Invoker) walks a table of (source column, output column, weight) taps one
// tap at a time, so each output column's running sum is a chain of dependent float additions: about 3 ms per
// 1280x720 frame. This class builds the same tables and performs, for every output pixel, the same float operations
// in the same order (so the same roundings), but for eight source rows at once: the rows are transposed as bytes
// into a column-major block (8 KB for a 1280-wide frame, so it stays in L1), and every tap is one 8-byte load,
// widened to floats, one multiply and one add (AVX2 when the CPU has it, otherwise the same loop over the eight
// lanes in plain C++).
class AreaResizer {
public:
    // True when cv::resize would take the generic area path: both axes shrink (factor >= 1) and not both by whole
    // numbers (OpenCV's resizeAreaFast handles those, and a same-size resize is a copy).
    static bool applies(cv::Size source, cv::Size destination);

    AreaResizer(cv::Size source, cv::Size destination);

    // source is 8UC1 of the source size (any step, e.g. a crop); destination is 8UC1 of the destination size.
    // Allocates nothing: every buffer is sized by the constructor.
    void run(const cv::Mat& source, cv::Mat& destination);

private:
    struct RowTap {
        int destination_row;
        int source_row;
        float beta;
    };

    // Horizontal sums of source rows first..first+7 (rows past the bottom repeat the last one) into sums_.
    void accumulate_rows(const cv::Mat& source, int first);

    cv::Size source_;
    cv::Size destination_;
    int columns_ = 0;                 // destination width rounded up to kAreaColumnGroup
    int taps_ = 0;                    // most taps any output column has in OpenCV's xtab
    std::vector<int32_t> first_column_; // (columns_): the source column of each output column's first tap
    std::vector<float> tap_weight_;   // (columns_, taps_): tap t reads first_column_ + t; 0 for padding
    std::vector<RowTap> rows_;        // OpenCV's ytab
    std::vector<uint8_t> block_;      // (block width, kAreaBlockRows): the source rows transposed, zero padded
    std::vector<float> sums_;         // (kAreaBlockRows, columns_): each row's horizontal sums (OpenCV's buf)
    std::vector<float> sum_;          // columns_: the output row's running sum (OpenCV's sum)
};

}  // namespace agentcv_detail
