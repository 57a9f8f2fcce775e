// Micro-benchmark of the native gray kernels on one 1280x720 frame: the AreaResizer (INTER_AREA to 84x84) and the
// limited-range luma expansion, microseconds per frame (best of 3 rounds of 2,000), plus a bit-exactness check of
// the resizer against cv::resize at several sizes. Built and run by tools/bench/bench_resize.sh.
#include "area_resize.h"
#include "luma_range.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace {

cv::Mat noise(int width, int height, std::mt19937& rng) {
    cv::Mat m(height, width, CV_8UC1);
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) m.at<uchar>(y, x) = static_cast<uchar>(rng() % 256);
    }
    return m;
}

}  // namespace

int main() {
    std::mt19937 rng(1);
    cv::Mat source = noise(1280, 720, rng);
    cv::Mat resized(84, 84, CV_8UC1);
    cv::Mat expanded(720, 1280, CV_8UC1);
    agentcv_detail::AreaResizer resizer(source.size(), resized.size());
    constexpr int kFrames = 2000;
    double best_resize = 1e30, best_expand = 1e30;
    for (int round = 0; round < 3; round++) {
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < kFrames; i++) resizer.run(source, resized);
        auto t1 = std::chrono::steady_clock::now();
        for (int i = 0; i < kFrames; i++) {
            agentcv_detail::expand_luma_plane(source.data, source.step, expanded.data, expanded.step, 1280, 720);
        }
        auto t2 = std::chrono::steady_clock::now();
        best_resize = std::min(best_resize, std::chrono::duration<double, std::micro>(t1 - t0).count() / kFrames);
        best_expand = std::min(best_expand, std::chrono::duration<double, std::micro>(t2 - t1).count() / kFrames);
    }
    std::printf("area resize 1280x720 -> 84x84: %.1f us/frame\n", best_resize);
    std::printf("luma range expansion 1280x720: %.1f us/frame\n", best_expand);
    int failures = 0;
    const int sizes[][4] = {{1280, 720, 84, 84}, {160, 210, 84, 84}, {1920, 1080, 84, 84}, {1000, 600, 84, 84}, {1013, 601, 83, 85}};
    for (const auto& s : sizes) {
        cv::Mat a = noise(s[0], s[1], rng), ours(s[3], s[2], CV_8UC1), theirs;
        agentcv_detail::AreaResizer(a.size(), ours.size()).run(a, ours);
        cv::resize(a, theirs, ours.size(), 0, 0, cv::INTER_AREA);
        bool equal = cv::norm(ours, theirs, cv::NORM_INF) == 0;
        failures += equal ? 0 : 1;
        std::printf("%dx%d -> %dx%d equals cv::resize: %s\n", s[0], s[1], s[2], s[3], equal ? "yes" : "NO");
    }
    return failures == 0 ? 0 : 1;
}
