// agentcv: the C ABI over Debian's OpenCV 4.6 used by Agent.Vision.
// Every export returns an agentcv_status; C++ exceptions never cross this boundary.
// On failure the message is kept per thread and read with agentcv_last_error.
// Exports are named after the OpenCV module and type they wrap (videoio_VideoCapture_read).
// Two libraries: libagentcv (everything below except the VideoCapture and VideoWriter exports) and
// libagentcv_videoio (those), so that a process that never opens cv::VideoCapture never loads OpenCV's videoio.
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
    AGENTCV_CANNOT_OPEN = 4,    // FFmpeg could not open the path as a video (or could not create the writer)
} agentcv_status;

// Pixel layouts of interleaved 8-bit frames.
typedef enum agentcv_pixel_format {
    AGENTCV_GRAY = 0,
    AGENTCV_RGB = 1,
    AGENTCV_RGBA = 2,
    AGENTCV_BGR = 3,
    AGENTCV_BGRA = 4,
} agentcv_pixel_format;

// A caller-owned interleaved 8-bit frame: row y starts at data + y * stride.
// length is the number of bytes the caller owns from data; every export checks the frame fits in it.
typedef struct agentcv_image {
    uint8_t* data;
    int64_t length;
    int64_t stride;
    int32_t width;
    int32_t height;
    int32_t format;  // agentcv_pixel_format
    int32_t reserved;
} agentcv_image;

// Copies this thread's last error message (NUL-terminated, truncated to capacity).
AGENTCV_API int32_t agentcv_last_error(char* buffer, int32_t capacity);

// OpenCV's version string, e.g. "4.6.0".
AGENTCV_API agentcv_status agentcv_version(char* buffer, int32_t capacity);

// ---- videoio: VideoCapture (FFmpeg backend only; in libagentcv_videoio) ----

typedef struct agentcv_capture agentcv_capture;

typedef struct agentcv_video_info {
    int32_t width;
    int32_t height;
    double fps;               // 0 when the stream does not say
    int64_t declared_frames;  // <= 0 when unknown (live streams)
    int32_t fourcc;           // codec tag, or the first four letters of FFmpeg's codec name
    int32_t reserved;
} agentcv_video_info;

// Opens a file or stream URL with the FFmpeg backend. FFmpeg's own log lines are silenced
// (OPENCV_FFMPEG_LOGLEVEL, unless the caller's environment sets it) so errors surface only as statuses.
AGENTCV_API agentcv_status videoio_VideoCapture_open(const char* path_or_url, agentcv_capture** out);
// Releases the capture; never fails; null is ignored.
AGENTCV_API void videoio_VideoCapture_delete(agentcv_capture* capture);
AGENTCV_API agentcv_status videoio_VideoCapture_info(agentcv_capture* capture, agentcv_video_info* out);
// Decodes the next frame without converting it; pos_msec is the stream's timestamp (CAP_PROP_POS_MSEC).
AGENTCV_API agentcv_status videoio_VideoCapture_grab(agentcv_capture* capture, double* pos_msec);
// Decodes the next frame into dst (GRAY, RGB, BGR, RGBA or BGRA; width and height must match the stream).
// BGR is written straight into dst; other layouts go through one reused BGR buffer and cv::cvtColor.
AGENTCV_API agentcv_status videoio_VideoCapture_read(agentcv_capture* capture, const agentcv_image* dst, double* pos_msec);
// Seeks so that the next grab or read returns frame frame_index (CAP_PROP_POS_FRAMES).
AGENTCV_API agentcv_status videoio_VideoCapture_set_pos_frames(agentcv_capture* capture, int64_t frame_index);

// ---- videoio: LumaDecoder (FFmpeg's libavformat/libavcodec directly, gray output) ----
//
// Decodes the same video stream the VideoCapture exports pick (the first video stream) with frame and slice
// threading, and writes gray frames without going through BGR: for 8-bit YUV sources the gray frame is the luma
// plane, range-expanded when the stream is limited range (gray = clamp(round((Y - 16) * 255 / 219))), which is what
// swscale and `ffmpeg -vf format=gray` produce. Other YUV layouts (high bit depth, packed) go through swscale to
// GRAY8; RGB and palette sources go through swscale to BGR24 and cv::COLOR_BGR2GRAY exactly as OpenCV's backend does.
// Frames carry display rotation the way OpenCV 4.6 applies it (auto-rotated by the display matrix).

typedef struct agentcv_luma_decoder agentcv_luma_decoder;

// How the last frame became gray.
typedef enum agentcv_luma_conversion {
    AGENTCV_LUMA_NONE = -1,            // no frame yet
    AGENTCV_LUMA_PLANE = 0,            // full-range 8-bit luma plane, copied
    AGENTCV_LUMA_PLANE_EXPANDED = 1,   // limited-range 8-bit luma plane, expanded to 0..255
    AGENTCV_LUMA_SWSCALE = 2,          // another YUV layout, swscale to GRAY8
    AGENTCV_LUMA_VIA_BGR = 3,          // not YUV: swscale to BGR24, then cv::COLOR_BGR2GRAY (OpenCV's own path)
} agentcv_luma_conversion;

typedef struct agentcv_luma_details {
    int32_t conversion;      // agentcv_luma_conversion of the last frame
    int32_t threads;         // decoder threads FFmpeg chose
    int32_t rotation;        // 0, 90, 180 or 270: the display matrix's angle, applied clockwise as OpenCV 4.6 does
    int32_t reserved;
    char pixel_format[32];   // FFmpeg's name of the pixel format of the last frame read ("" before the first read)
} agentcv_luma_details;

// Opens a file or stream URL; threads 0 lets FFmpeg choose (one more than the CPUs for frame threading).
// AGENTCV_CANNOT_OPEN when it is not a video FFmpeg can decode.
AGENTCV_API agentcv_status videoio_LumaDecoder_open(const char* path_or_url, int32_t threads, agentcv_luma_decoder** out);
// Releases the decoder; never fails; null is ignored.
AGENTCV_API void videoio_LumaDecoder_delete(agentcv_luma_decoder* decoder);
// Size (after rotation), fps, declared frames and codec tag, computed as OpenCV 4.6's FFmpeg backend reports them.
AGENTCV_API agentcv_status videoio_LumaDecoder_info(agentcv_luma_decoder* decoder, agentcv_video_info* out);
AGENTCV_API agentcv_status videoio_LumaDecoder_details(agentcv_luma_decoder* decoder, agentcv_luma_details* out);
// Decodes the next frame without converting it. pos_msec is (best_effort_timestamp - stream start) * time_base
// in milliseconds, or 0 when the frame has no timestamp (as CAP_PROP_POS_MSEC). At the end of the input the decoder
// is drained, so every frame is returned before AGENTCV_END_OF_STREAM. Packets the decoder rejects are skipped;
// 64 failures in a row end decoding with AGENTCV_ERROR and FFmpeg's message.
AGENTCV_API agentcv_status videoio_LumaDecoder_grab(agentcv_luma_decoder* decoder, double* pos_msec);
// Decodes the next frame into dst as gray (format AGENTCV_GRAY; width and height must match the stream).
AGENTCV_API agentcv_status videoio_LumaDecoder_read(agentcv_luma_decoder* decoder, const agentcv_image* dst, double* pos_msec);
// Makes frame_index the next frame grab or read returns, exactly: backwards through the nearest key frame already
// decoded (or by reopening the input), forwards by decoding the frames in between.
AGENTCV_API agentcv_status videoio_LumaDecoder_seek(agentcv_luma_decoder* decoder, int64_t frame_index);

// ---- videoio: VideoWriter (in libagentcv_videoio) ----

typedef struct agentcv_writer agentcv_writer;

// api: 0 = FFmpeg (cv::CAP_FFMPEG), 1 = OpenCV's built-in Motion-JPEG AVI writer (cv::CAP_OPENCV_MJPEG).
AGENTCV_API agentcv_status videoio_VideoWriter_open(const char* path, int32_t fourcc, double fps, int32_t width,
                                                    int32_t height, int32_t is_color, int32_t api, agentcv_writer** out);
// Writes one frame; any layout is accepted and converted to BGR (color writers) or gray.
AGENTCV_API agentcv_status videoio_VideoWriter_write(agentcv_writer* writer, const agentcv_image* frame);
// Finishes the file (writes trailers and indexes).
AGENTCV_API agentcv_status videoio_VideoWriter_release(agentcv_writer* writer);
// Releases the writer; never fails; null is ignored.
AGENTCV_API void videoio_VideoWriter_delete(agentcv_writer* writer);

// ---- imgproc: single OpenCV calls over caller buffers ----

// cv::cvtColor from src's layout to dst's layout (same width and height).
AGENTCV_API agentcv_status imgproc_cvtColor(const agentcv_image* src, const agentcv_image* dst);
// cv::resize(src, dst, dst size, 0, 0, interpolation) with matching layouts; interpolation is a cv::InterpolationFlags value.
AGENTCV_API agentcv_status imgproc_resize(const agentcv_image* src, const agentcv_image* dst, int32_t interpolation);
// cv::rectangle with a BGR(A) or gray color; thickness < 0 fills.
AGENTCV_API agentcv_status imgproc_rectangle(const agentcv_image* img, int32_t x, int32_t y, int32_t width, int32_t height,
                                             double blue, double green, double red, int32_t thickness);
// cv::putText with FONT_HERSHEY_SIMPLEX and anti-aliased lines; (x, y) is the text's bottom-left corner.
AGENTCV_API agentcv_status imgproc_putText(const agentcv_image* img, const char* text, int32_t x, int32_t y, double font_scale,
                                           double blue, double green, double red, int32_t thickness);
// cv::getTextSize for FONT_HERSHEY_SIMPLEX.
AGENTCV_API agentcv_status imgproc_getTextSize(const char* text, double font_scale, int32_t thickness, int32_t* width,
                                               int32_t* height, int32_t* baseline);

// ---- imgproc: the Atari frame preprocessor (reused Mats, no allocation per frame) ----

typedef struct agentcv_preprocessor agentcv_preprocessor;

typedef struct agentcv_preprocess_options {
    int32_t src_width;
    int32_t src_height;
    int32_t src_format;   // agentcv_pixel_format
    int32_t crop_x;       // the crop is the whole frame when crop_width or crop_height is 0
    int32_t crop_y;
    int32_t crop_width;
    int32_t crop_height;
    int32_t grayscale;    // non-zero: one gray plane (cv::COLOR_*2GRAY); zero: R, G, B planes (gray sources stay one plane)
    int32_t out_width;
    int32_t out_height;
} agentcv_preprocess_options;

AGENTCV_API agentcv_status imgproc_Preprocessor_new(const agentcv_preprocess_options* options, agentcv_preprocessor** out);
// Releases the preprocessor; never fails; null is ignored.
AGENTCV_API void imgproc_Preprocessor_delete(agentcv_preprocessor* preprocessor);
// Number of planes each processed frame has (1 or 3).
AGENTCV_API agentcv_status imgproc_Preprocessor_channels(agentcv_preprocessor* preprocessor, int32_t* channels);
// Keeps the cropped raw src as the earlier of the two frames to max-pool.
AGENTCV_API agentcv_status imgproc_Preprocessor_keep(agentcv_preprocessor* preprocessor, const agentcv_image* src);
// Crops src, takes the per-pixel max with the kept frame when max_with_kept is non-zero, converts and resizes
// with INTER_AREA. dst is (C, out_height, out_width) uint8, channel-first, dst_length bytes.
AGENTCV_API agentcv_status imgproc_Preprocessor_run(agentcv_preprocessor* preprocessor, const agentcv_image* src,
                                                    int32_t max_with_kept, uint8_t* dst, int64_t dst_length);

#ifdef __cplusplus
}
#endif
