#include "agentcv.h"
#include "agentcv_internal.h"
#include "area_resize.h"

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

struct agentcv_preprocessor {
    agentcv_preprocess_options options{};
    cv::Rect crop;
    int out_channels = 1;
    // All scratch is sized once here so that run() never reallocates (cv::Mat::create is a no-op on a match).
    cv::Mat kept;     // the earlier raw frame of a max-pooled pair, cropped, in the source layout
    cv::Mat maxed;    // per-pixel max of kept and the current cropped frame
    cv::Mat gray;     // cropped frame converted to gray (crop size)
    cv::Mat rgb;      // cropped frame converted to RGB (crop size)
    cv::Mat resized;  // RGB resized to the output size, before the split into planes
    // Gray INTER_AREA shrinks by a non-integer factor: the same bytes as cv::resize, several times faster.
    std::unique_ptr<agentcv_detail::AreaResizer> area;
};

using namespace agentcv_detail;

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

// ---- imgproc: single calls ----

agentcv_status imgproc_cvtColor(const agentcv_image* src, const agentcv_image* dst) {
    return guarded([&] {
        agentcv_status valid = check_image(src, "source");
        if (valid == AGENTCV_OK) valid = check_image(dst, "destination");
        if (valid != AGENTCV_OK) return valid;
        if (src->width != dst->width || src->height != dst->height) return fail(AGENTCV_BAD_ARGUMENT, "sizes differ");
        cv::Mat out = wrap(dst);
        convert(wrap(src), src->format, dst->format, out);
        return AGENTCV_OK;
    });
}

agentcv_status imgproc_resize(const agentcv_image* src, const agentcv_image* dst, int32_t interpolation) {
    return guarded([&] {
        agentcv_status valid = check_image(src, "source");
        if (valid == AGENTCV_OK) valid = check_image(dst, "destination");
        if (valid != AGENTCV_OK) return valid;
        if (src->format != dst->format) return fail(AGENTCV_BAD_ARGUMENT, "layouts differ");
        cv::Mat out = wrap(dst);
        cv::resize(wrap(src), out, out.size(), 0, 0, interpolation);
        return AGENTCV_OK;
    });
}

agentcv_status imgproc_rectangle(const agentcv_image* img, int32_t x, int32_t y, int32_t width, int32_t height, double blue,
                                 double green, double red, int32_t thickness) {
    return guarded([&] {
        agentcv_status valid = check_image(img, "image");
        if (valid != AGENTCV_OK) return valid;
        cv::Mat m = wrap(img);
        cv::rectangle(m, cv::Rect(x, y, width, height), cv::Scalar(blue, green, red, 255), thickness, cv::LINE_8);
        return AGENTCV_OK;
    });
}

agentcv_status imgproc_putText(const agentcv_image* img, const char* text, int32_t x, int32_t y, double font_scale,
                               double blue, double green, double red, int32_t thickness) {
    return guarded([&] {
        agentcv_status valid = check_image(img, "image");
        if (valid != AGENTCV_OK) return valid;
        if (text == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "text is null");
        cv::Mat m = wrap(img);
        cv::putText(m, text, cv::Point(x, y), cv::FONT_HERSHEY_SIMPLEX, font_scale, cv::Scalar(blue, green, red, 255),
                    thickness, cv::LINE_AA);
        return AGENTCV_OK;
    });
}

agentcv_status imgproc_getTextSize(const char* text, double font_scale, int32_t thickness, int32_t* width, int32_t* height,
                                   int32_t* baseline) {
    return guarded([&] {
        if (text == nullptr || width == nullptr || height == nullptr || baseline == nullptr) {
            return fail(AGENTCV_BAD_ARGUMENT, "text or output is null");
        }
        int base = 0;
        cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font_scale, thickness, &base);
        *width = size.width;
        *height = size.height;
        *baseline = base;
        return AGENTCV_OK;
    });
}

// ---- imgproc: Preprocessor ----

agentcv_status imgproc_Preprocessor_new(const agentcv_preprocess_options* options, agentcv_preprocessor** out) {
    return guarded([&] {
        if (options == nullptr || out == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "options or output is null");
        *out = nullptr;
        const agentcv_preprocess_options& o = *options;
        int channels = channels_of(o.src_format);
        if (channels == 0) return fail(AGENTCV_BAD_ARGUMENT, "unsupported pixel format " + std::to_string(o.src_format));
        if (o.src_width <= 0 || o.src_height <= 0) return fail(AGENTCV_BAD_ARGUMENT, "source size " + size_text(o.src_width, o.src_height) + " is empty");
        if (o.out_width <= 0 || o.out_height <= 0) return fail(AGENTCV_BAD_ARGUMENT, "output size " + size_text(o.out_width, o.out_height) + " is empty");
        cv::Rect frame(0, 0, o.src_width, o.src_height);
        cv::Rect crop = o.crop_width == 0 || o.crop_height == 0 ? frame : cv::Rect(o.crop_x, o.crop_y, o.crop_width, o.crop_height);
        if (crop.width <= 0 || crop.height <= 0 || (crop & frame) != crop) {
            return fail(AGENTCV_BAD_ARGUMENT, "crop (" + std::to_string(crop.x) + ", " + std::to_string(crop.y) + ", " +
                                                  size_text(crop.width, crop.height) + ") does not lie inside the " +
                                                  size_text(o.src_width, o.src_height) + " frame");
        }
        auto p = std::make_unique<agentcv_preprocessor>();
        p->options = o;
        p->crop = crop;
        p->out_channels = o.grayscale != 0 || o.src_format == AGENTCV_GRAY ? 1 : 3;
        p->kept.create(crop.height, crop.width, CV_8UC(channels));
        p->maxed.create(crop.height, crop.width, CV_8UC(channels));
        if (p->out_channels == 1) {
            p->gray.create(crop.height, crop.width, CV_8UC1);
            cv::Size out_size(o.out_width, o.out_height);
            if (agentcv_detail::AreaResizer::applies(crop.size(), out_size)) {
                p->area = std::make_unique<agentcv_detail::AreaResizer>(crop.size(), out_size);
            }
        } else {
            p->rgb.create(crop.height, crop.width, CV_8UC3);
            p->resized.create(o.out_height, o.out_width, CV_8UC3);
        }
        *out = p.release();
        return AGENTCV_OK;
    });
}

void imgproc_Preprocessor_delete(agentcv_preprocessor* preprocessor) {
    guarded([&] {
        delete preprocessor;
        return AGENTCV_OK;
    });
}

agentcv_status imgproc_Preprocessor_channels(agentcv_preprocessor* preprocessor, int32_t* channels) {
    return guarded([&] {
        if (preprocessor == nullptr || channels == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "preprocessor or output is null");
        *channels = preprocessor->out_channels;
        return AGENTCV_OK;
    });
}

namespace {

agentcv_status check_source(const agentcv_preprocessor* p, const agentcv_image* src) {
    agentcv_status valid = check_image(src, "frame");
    if (valid != AGENTCV_OK) return valid;
    const agentcv_preprocess_options& o = p->options;
    if (src->width != o.src_width || src->height != o.src_height || src->format != o.src_format) {
        return fail(AGENTCV_BAD_ARGUMENT, "frame is " + size_text(src->width, src->height) + " in layout " +
                                              std::to_string(src->format) + ", the preprocessor expects " +
                                              size_text(o.src_width, o.src_height) + " in layout " + std::to_string(o.src_format));
    }
    return AGENTCV_OK;
}

}  // namespace

agentcv_status imgproc_Preprocessor_keep(agentcv_preprocessor* preprocessor, const agentcv_image* src) {
    return guarded([&] {
        if (preprocessor == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "preprocessor is null");
        agentcv_status valid = check_source(preprocessor, src);
        if (valid != AGENTCV_OK) return valid;
        wrap(src)(preprocessor->crop).copyTo(preprocessor->kept);
        return AGENTCV_OK;
    });
}

agentcv_status imgproc_Preprocessor_run(agentcv_preprocessor* preprocessor, const agentcv_image* src, int32_t max_with_kept,
                                        uint8_t* dst, int64_t dst_length) {
    return guarded([&] {
        if (preprocessor == nullptr || dst == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "preprocessor or output is null");
        agentcv_status valid = check_source(preprocessor, src);
        if (valid != AGENTCV_OK) return valid;
        agentcv_preprocessor& p = *preprocessor;
        const agentcv_preprocess_options& o = p.options;
        int64_t plane = static_cast<int64_t>(o.out_width) * o.out_height;
        if (dst_length < plane * p.out_channels) {
            return fail(AGENTCV_BAD_ARGUMENT, "output of " + std::to_string(dst_length) + " bytes is smaller than " +
                                                  std::to_string(plane * p.out_channels));
        }
        cv::Mat in = wrap(src)(p.crop);
        if (max_with_kept != 0) {
            cv::max(in, p.kept, p.maxed);
            in = p.maxed;
        }
        cv::Size out_size(o.out_width, o.out_height);
        if (p.out_channels == 1) {
            // Gray first, then INTER_AREA, as SB3's WarpFrame and CleanRL's Atari wrappers do.
            cv::Mat gray = in;
            if (o.src_format != AGENTCV_GRAY) {
                cv::cvtColor(in, p.gray, kConversion[o.src_format][AGENTCV_GRAY]);
                gray = p.gray;
            }
            cv::Mat out(o.out_height, o.out_width, CV_8UC1, dst);
            if (p.area) {
                p.area->run(gray, out);
            } else {
                cv::resize(gray, out, out_size, 0, 0, cv::INTER_AREA);
            }
            return AGENTCV_OK;
        }
        cv::Mat rgb = in;
        if (o.src_format != AGENTCV_RGB) {
            cv::cvtColor(in, p.rgb, kConversion[o.src_format][AGENTCV_RGB]);
            rgb = p.rgb;
        }
        cv::resize(rgb, p.resized, out_size, 0, 0, cv::INTER_AREA);
        cv::Mat planes[3] = {
            cv::Mat(o.out_height, o.out_width, CV_8UC1, dst),
            cv::Mat(o.out_height, o.out_width, CV_8UC1, dst + plane),
            cv::Mat(o.out_height, o.out_width, CV_8UC1, dst + 2 * plane),
        };
        cv::split(p.resized, planes);
        return AGENTCV_OK;
    });
}

}  // extern "C"
