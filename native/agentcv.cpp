#include "agentcv.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <cstring>
#include <exception>
#include <string>

namespace {

thread_local std::string g_last_error;

void copy_string(const std::string& s, char* buffer, int32_t capacity) {
    if (buffer == nullptr || capacity <= 0) return;
    size_t n = std::min<size_t>(s.size(), static_cast<size_t>(capacity - 1));
    std::memcpy(buffer, s.data(), n);
    buffer[n] = '\0';
}

// Runs f, turning every C++ exception into a status and a per-thread message.
template <typename F>
agentcv_status guarded(F&& f) {
    try {
        return f();
    } catch (const cv::Exception& e) {
        g_last_error = e.err.empty() ? e.what() : e.err;
    } catch (const std::exception& e) {
        g_last_error = e.what();
    } catch (...) {
        g_last_error = "unknown native error";
    }
    return AGENTCV_ERROR;
}

}  // namespace

extern "C" {

int32_t agentcv_last_error(char* buffer, int32_t capacity) {
    copy_string(g_last_error, buffer, capacity);
    return static_cast<int32_t>(g_last_error.size());
}

agentcv_status agentcv_version(char* buffer, int32_t capacity) {
    return guarded([&] {
        if (buffer == nullptr || capacity <= 0) return AGENTCV_BAD_ARGUMENT;
        copy_string(CV_VERSION, buffer, capacity);
        return AGENTCV_OK;
    });
}

}  // extern "C"
