// Helpers shared by the agentcv translation units: the per-thread error message, the exception guard every
// export runs in, and the checks and wrappers for caller-owned frames. Not part of the C ABI.
#pragma once
#include "agentcv.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>

// Internal symbols libagentcv exports for libagentcv_videoio (never declared in agentcv.h).
#define AGENTCV_INTERNAL __attribute__((visibility("default")))

namespace agentcv_detail {

// This thread's last error message. One copy for both libraries: libagentcv_videoio reports through libagentcv's,
// so agentcv_last_error reads whichever failed.
AGENTCV_INTERNAL std::string& last_error();

inline void copy_string(const std::string& s, char* buffer, int32_t capacity) {
    if (buffer == nullptr || capacity <= 0) return;
    size_t n = std::min<size_t>(s.size(), static_cast<size_t>(capacity - 1));
    std::memcpy(buffer, s.data(), n);
    buffer[n] = '\0';
}

// Runs f, turning every C++ exception into a status and a per-thread message.
template <typename F>
inline agentcv_status guarded(F&& f) {
    try {
        return f();
    } catch (const cv::Exception& e) {
        last_error() = e.err.empty() ? e.what() : e.err;
    } catch (const std::exception& e) {
        last_error() = e.what();
    } catch (...) {
        last_error() = "unknown native error";
    }
    return AGENTCV_ERROR;
}

inline agentcv_status fail(agentcv_status status, const std::string& message) {
    last_error() = message;
    return status;
}

// FFmpeg and OpenCV print their own diagnostics to stderr; every failure already comes back as a status
// with a message, so they are silenced unless the caller's environment asks for them.
// FFmpeg's level is read once, when OpenCV first registers its FFmpeg backend, hence before the first open.
inline void quiet_backends() {
    static std::once_flag once;
    std::call_once(once, [] {
        setenv("OPENCV_FFMPEG_LOGLEVEL", "-8", 0);  // AV_LOG_QUIET
        if (std::getenv("OPENCV_LOG_LEVEL") == nullptr) {
            cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
        }
    });
}

inline int channels_of(int32_t format) {
    switch (format) {
        case AGENTCV_GRAY: return 1;
        case AGENTCV_RGB:
        case AGENTCV_BGR: return 3;
        case AGENTCV_RGBA:
        case AGENTCV_BGRA: return 4;
        default: return 0;
    }
}

// cv::cvtColor codes indexed [from][to] in agentcv_pixel_format order; -1 means the layouts are equal.
inline constexpr int kConversion[5][5] = {
    {-1, cv::COLOR_GRAY2RGB, cv::COLOR_GRAY2RGBA, cv::COLOR_GRAY2BGR, cv::COLOR_GRAY2BGRA},
    {cv::COLOR_RGB2GRAY, -1, cv::COLOR_RGB2RGBA, cv::COLOR_RGB2BGR, cv::COLOR_RGB2BGRA},
    {cv::COLOR_RGBA2GRAY, cv::COLOR_RGBA2RGB, -1, cv::COLOR_RGBA2BGR, cv::COLOR_RGBA2BGRA},
    {cv::COLOR_BGR2GRAY, cv::COLOR_BGR2RGB, cv::COLOR_BGR2RGBA, -1, cv::COLOR_BGR2BGRA},
    {cv::COLOR_BGRA2GRAY, cv::COLOR_BGRA2RGB, cv::COLOR_BGRA2RGBA, cv::COLOR_BGRA2BGR, -1},
};

// Converts src (in layout from) into dst (in layout to); dst is created or reused by OpenCV.
inline void convert(const cv::Mat& src, int32_t from, int32_t to, cv::Mat& dst) {
    int code = kConversion[from][to];
    if (code < 0) {
        src.copyTo(dst);
    } else {
        cv::cvtColor(src, dst, code);
    }
}

// Checks that img describes a frame that lies inside the caller's buffer.
inline agentcv_status check_image(const agentcv_image* img, const char* name) {
    if (img == nullptr || img->data == nullptr) return fail(AGENTCV_BAD_ARGUMENT, std::string(name) + " is null");
    int channels = channels_of(img->format);
    if (channels == 0) {
        return fail(AGENTCV_BAD_ARGUMENT, std::string(name) + ": unsupported pixel format " + std::to_string(img->format));
    }
    if (img->width <= 0 || img->height <= 0) {
        return fail(AGENTCV_BAD_ARGUMENT, std::string(name) + ": size " + std::to_string(img->width) + "x" +
                                              std::to_string(img->height) + " is empty");
    }
    int64_t row = static_cast<int64_t>(img->width) * channels;
    if (img->stride < row) {
        return fail(AGENTCV_BAD_ARGUMENT, std::string(name) + ": stride " + std::to_string(img->stride) +
                                              " is less than a row of " + std::to_string(row) + " bytes");
    }
    int64_t needed = (static_cast<int64_t>(img->height) - 1) * img->stride + row;
    if (img->length < needed) {
        return fail(AGENTCV_BAD_ARGUMENT, std::string(name) + ": buffer of " + std::to_string(img->length) +
                                              " bytes is smaller than the " + std::to_string(needed) + " the frame needs");
    }
    return AGENTCV_OK;
}

inline cv::Mat wrap(const agentcv_image* img) {
    return cv::Mat(img->height, img->width, CV_8UC(channels_of(img->format)), img->data, static_cast<size_t>(img->stride));
}

inline std::string size_text(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }


}  // namespace agentcv_detail
