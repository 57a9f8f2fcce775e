// agentcv: the C ABI over Debian's OpenCV 4.6 used by Agent.Vision.
// Every export returns an agentcv_status; C++ exceptions never cross this boundary.
// On failure the message is kept per thread and read with agentcv_last_error.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AGENTCV_API __attribute__((visibility("default")))

typedef enum agentcv_status {
    AGENTCV_OK = 0,
    AGENTCV_ERROR = 1,          // cv::Exception or std::exception; message in agentcv_last_error
    AGENTCV_BAD_ARGUMENT = 2,   // a null pointer, a size or stride that does not fit
    AGENTCV_END_OF_STREAM = 3,  // no further frame
} agentcv_status;

// Copies this thread's last error message (NUL-terminated, truncated to capacity).
AGENTCV_API int32_t agentcv_last_error(char* buffer, int32_t capacity);

// OpenCV's version string, e.g. "4.6.0".
AGENTCV_API agentcv_status agentcv_version(char* buffer, int32_t capacity);

#ifdef __cplusplus
}
#endif
