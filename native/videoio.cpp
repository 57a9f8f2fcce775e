// The videoio exports (cv::VideoCapture, cv::VideoWriter), in their own library: OpenCV's videoio pulls in
// imgcodecs (and with it GDAL) and GStreamer, about 0.15 s of CPU to load, which a process that only reads gray video
// through the luma decoder and preprocesses frames does not need to pay.
#include "agentcv.h"
#include "agentcv_internal.h"

#include <opencv2/videoio.hpp>

#include <memory>
#include <string>

struct agentcv_capture {
    cv::VideoCapture capture;
    cv::Mat bgr;  // decode target when the caller wants a layout other than BGR; reused across frames
};

struct agentcv_writer {
    cv::VideoWriter writer;
    int32_t width = 0;
    int32_t height = 0;
    bool color = true;
    cv::Mat converted;  // the frame in the writer's layout when the caller's differs; reused across frames
};

using namespace agentcv_detail;

extern "C" {

// ---- videoio: VideoCapture ----

agentcv_status videoio_VideoCapture_open(const char* path_or_url, agentcv_capture** out) {
    return guarded([&] {
        if (path_or_url == nullptr || out == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "path or output is null");
        *out = nullptr;
        quiet_backends();
        auto capture = std::make_unique<agentcv_capture>();
        if (!capture->capture.open(path_or_url, cv::CAP_FFMPEG)) {
            return fail(AGENTCV_CANNOT_OPEN, "FFmpeg could not open it as a video");
        }
        *out = capture.release();
        return AGENTCV_OK;
    });
}

void videoio_VideoCapture_delete(agentcv_capture* capture) {
    guarded([&] {
        delete capture;
        return AGENTCV_OK;
    });
}

agentcv_status videoio_VideoCapture_info(agentcv_capture* capture, agentcv_video_info* out) {
    return guarded([&] {
        if (capture == nullptr || out == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "capture or output is null");
        cv::VideoCapture& c = capture->capture;
        out->width = static_cast<int32_t>(c.get(cv::CAP_PROP_FRAME_WIDTH));
        out->height = static_cast<int32_t>(c.get(cv::CAP_PROP_FRAME_HEIGHT));
        out->fps = c.get(cv::CAP_PROP_FPS);
        double frames = c.get(cv::CAP_PROP_FRAME_COUNT);
        out->declared_frames = frames > 0 && frames < 9.0e18 ? static_cast<int64_t>(frames) : 0;
        out->fourcc = static_cast<int32_t>(static_cast<uint32_t>(static_cast<int64_t>(c.get(cv::CAP_PROP_FOURCC))));
        out->reserved = 0;
        return AGENTCV_OK;
    });
}

agentcv_status videoio_VideoCapture_grab(agentcv_capture* capture, double* pos_msec) {
    return guarded([&] {
        if (capture == nullptr || pos_msec == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "capture or output is null");
        if (!capture->capture.grab()) return AGENTCV_END_OF_STREAM;
        *pos_msec = capture->capture.get(cv::CAP_PROP_POS_MSEC);
        return AGENTCV_OK;
    });
}

agentcv_status videoio_VideoCapture_read(agentcv_capture* capture, const agentcv_image* dst, double* pos_msec) {
    return guarded([&] {
        if (capture == nullptr || pos_msec == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "capture or output is null");
        agentcv_status valid = check_image(dst, "destination frame");
        if (valid != AGENTCV_OK) return valid;
        if (!capture->capture.grab()) return AGENTCV_END_OF_STREAM;
        *pos_msec = capture->capture.get(cv::CAP_PROP_POS_MSEC);
        cv::Mat out = wrap(dst);
        if (dst->format == AGENTCV_BGR) {
            // retrieve() copies into an existing Mat of the same size and type, so BGR lands in the caller's
            // buffer directly; a frame of another size would make OpenCV allocate a new one instead.
            if (!capture->capture.retrieve(out)) return fail(AGENTCV_ERROR, "the decoded frame could not be converted to BGR");
            if (out.data != dst->data) {
                return fail(AGENTCV_ERROR, "the decoded frame is " + size_text(out.cols, out.rows) + ", not the stream's " +
                                               size_text(dst->width, dst->height));
            }
            return AGENTCV_OK;
        }
        if (!capture->capture.retrieve(capture->bgr)) {
            return fail(AGENTCV_ERROR, "the decoded frame could not be converted to BGR");
        }
        if (capture->bgr.cols != dst->width || capture->bgr.rows != dst->height) {
            return fail(AGENTCV_ERROR, "the decoded frame is " + size_text(capture->bgr.cols, capture->bgr.rows) +
                                           ", not the stream's " + size_text(dst->width, dst->height));
        }
        convert(capture->bgr, AGENTCV_BGR, dst->format, out);
        return AGENTCV_OK;
    });
}

agentcv_status videoio_VideoCapture_set_pos_frames(agentcv_capture* capture, int64_t frame_index) {
    return guarded([&] {
        if (capture == nullptr || frame_index < 0) return fail(AGENTCV_BAD_ARGUMENT, "capture is null or index negative");
        if (!capture->capture.set(cv::CAP_PROP_POS_FRAMES, static_cast<double>(frame_index))) {
            return fail(AGENTCV_ERROR, "the stream cannot seek");
        }
        return AGENTCV_OK;
    });
}

// ---- videoio: VideoWriter ----

agentcv_status videoio_VideoWriter_open(const char* path, int32_t fourcc, double fps, int32_t width, int32_t height,
                                        int32_t is_color, int32_t api, agentcv_writer** out) {
    return guarded([&] {
        if (path == nullptr || out == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "path or output is null");
        *out = nullptr;
        if (width <= 0 || height <= 0 || !(fps > 0)) return fail(AGENTCV_BAD_ARGUMENT, "size and fps must be positive");
        if (api != 0 && api != 1) return fail(AGENTCV_BAD_ARGUMENT, "unknown writer backend " + std::to_string(api));
        quiet_backends();
        auto writer = std::make_unique<agentcv_writer>();
        int backend = api == 0 ? cv::CAP_FFMPEG : cv::CAP_OPENCV_MJPEG;
        if (!writer->writer.open(path, backend, fourcc, fps, cv::Size(width, height), is_color != 0)) {
            return fail(AGENTCV_CANNOT_OPEN, "the codec or container is not supported, or the path is not writable");
        }
        writer->width = width;
        writer->height = height;
        writer->color = is_color != 0;
        writer->converted.create(height, width, writer->color ? CV_8UC3 : CV_8UC1);
        *out = writer.release();
        return AGENTCV_OK;
    });
}

agentcv_status videoio_VideoWriter_write(agentcv_writer* writer, const agentcv_image* frame) {
    return guarded([&] {
        if (writer == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "writer is null");
        agentcv_status valid = check_image(frame, "frame");
        if (valid != AGENTCV_OK) return valid;
        if (frame->width != writer->width || frame->height != writer->height) {
            return fail(AGENTCV_BAD_ARGUMENT, "frame is " + size_text(frame->width, frame->height) + ", the writer expects " +
                                                  size_text(writer->width, writer->height));
        }
        cv::Mat in = wrap(frame);
        int32_t target = writer->color ? AGENTCV_BGR : AGENTCV_GRAY;
        if (frame->format == target) {
            writer->writer.write(in);
        } else {
            convert(in, frame->format, target, writer->converted);
            writer->writer.write(writer->converted);
        }
        return AGENTCV_OK;
    });
}

agentcv_status videoio_VideoWriter_release(agentcv_writer* writer) {
    return guarded([&] {
        if (writer == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "writer is null");
        writer->writer.release();
        return AGENTCV_OK;
    });
}

void videoio_VideoWriter_delete(agentcv_writer* writer) {
    guarded([&] {
        delete writer;
        return AGENTCV_OK;
    });
}

}  // extern "C"
