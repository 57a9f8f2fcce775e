#include "agentcv.h"
#include "agentcv_internal.h"
#include "area_resize.h"

#include <memory>
#include <string>

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

std::string& agentcv_detail::last_error() {
    thread_local std::string message;
    return message;
}

extern "C" {

int32_t agentcv_last_error(char* buffer, int32_t capacity) {
    copy_string(last_error(), buffer, capacity);
    return static_cast<int32_t>(last_error().size());
}

agentcv_status agentcv_version(char* buffer, int32_t capacity) {
    return guarded([&] {
        if (buffer == nullptr || capacity <= 0) return AGENTCV_BAD_ARGUMENT;
        copy_string(CV_VERSION, buffer, capacity);
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
