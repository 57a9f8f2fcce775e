// videoio_LumaDecoder_*: gray frames straight from FFmpeg's decoder. OpenCV 4.6's FFmpeg backend always converts
// to BGR (swscale) before handing a frame out, so a gray consumer paid for YUV -> BGR -> gray; here the luma plane
// of a YUV frame is the gray frame, range-expanded when the stream is limited range.
#include "agentcv.h"
#include "agentcv_internal.h"
#include "luma_range.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace {

using agentcv_detail::fail;

// OpenCV 4.6's FFmpeg backend gives up after this many decode failures in a row; so does this decoder.
constexpr int kMaxFailuresInARow = 64;
// How long opening, and each packet read, may block before FFmpeg is interrupted (OpenCV's defaults too).
constexpr std::chrono::seconds kOpenTimeout{30};
constexpr std::chrono::seconds kReadTimeout{30};
// Backward seeks try this many decoded key frames, latest first, before reopening the input.
constexpr int kSeekAttempts = 3;
// OpenCV's threshold below which a container duration counts as missing.
constexpr double kDurationEpsilon = 0.000025;
struct KeyFrame {
    int64_t index;
    int64_t pts;
};

std::string av_error_text(int error) {
    char buffer[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(error, buffer, sizeof buffer);
    return buffer;
}

double r2d(AVRational r) { return r.num == 0 || r.den == 0 ? 0.0 : static_cast<double>(r.num) / r.den; }

}  // namespace

struct agentcv_luma_decoder {
    std::string path;
    int threads_requested = 0;
    AVFormatContext* format = nullptr;
    AVCodecContext* codec = nullptr;
    AVPacket* packet = nullptr;
    AVFrame* frame = nullptr;
    SwsContext* sws = nullptr;  // cached by sws_getCachedContext; rebuilt only when the source layout changes
    int stream = -1;
    int width = 0;   // decoded size, before rotation
    int height = 0;
    int rotation = 0;
    bool draining = false;  // the end of the input was sent to the decoder
    bool finished = false;  // the decoder returned its last frame
    bool pending = false;   // frame holds the frame the next grab returns (a backward seek landed on it)
    int64_t next_index = 0;
    std::vector<KeyFrame> key_frames;  // decoded key frames with a pts, in index order
    std::chrono::steady_clock::time_point deadline{};
    int conversion = AGENTCV_LUMA_NONE;
    int last_format = AV_PIX_FMT_NONE;  // pixel format of the last frame written
    cv::Mat bgr;      // AGENTCV_LUMA_VIA_BGR: swscale's BGR24 at the coded size, as OpenCV allocates it
    cv::Mat rotated;  // the gray frame at the decoded size when it is rotated afterwards

    ~agentcv_luma_decoder() { close(); }

    void close() {
        sws_freeContext(sws);
        sws = nullptr;
        av_frame_free(&frame);
        av_packet_free(&packet);
        avcodec_free_context(&codec);
        avformat_close_input(&format);
        stream = -1;
        draining = finished = pending = false;
    }
};

namespace {

int interrupt_when_late(void* opaque) {
    auto* d = static_cast<agentcv_luma_decoder*>(opaque);
    return std::chrono::steady_clock::now() > d->deadline ? 1 : 0;
}

// FFmpeg's log level follows OPENCV_FFMPEG_LOGLEVEL like the VideoCapture exports (quiet unless the caller asks).
void set_log_level() {
    static std::once_flag once;
    std::call_once(once, [] {
        agentcv_detail::quiet_backends();
        const char* level = std::getenv("OPENCV_FFMPEG_LOGLEVEL");
        av_log_set_level(level != nullptr ? std::atoi(level) : AV_LOG_QUIET);
        avformat_network_init();
    });
}

int rotation_of(const AVStream* stream) {
    const uint8_t* matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
    if (matrix == nullptr) return 0;
    double degrees = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
    if (!std::isfinite(degrees)) return 0;
    // OpenCV 4.6 reports and applies the matrix's counter-clockwise angle as a clockwise cv::rotate; mirrored so
    // that both decoders hand out frames the same way up.
    int angle = cvRound(degrees) % 360;
    if (angle < 0) angle += 360;
    return angle == 90 || angle == 180 || angle == 270 ? angle : 0;
}

agentcv_status open_input(agentcv_luma_decoder& d) {
    d.format = avformat_alloc_context();
    if (d.format == nullptr) throw std::bad_alloc();
    d.format->interrupt_callback.callback = interrupt_when_late;
    d.format->interrupt_callback.opaque = &d;
    d.deadline = std::chrono::steady_clock::now() + kOpenTimeout;
    AVDictionary* options = nullptr;
    av_dict_set(&options, "rtsp_flags", "prefer_tcp", 0);
    int error = avformat_open_input(&d.format, d.path.c_str(), nullptr, &options);
    av_dict_free(&options);
    if (error < 0) return fail(AGENTCV_CANNOT_OPEN, "FFmpeg could not open it (" + av_error_text(error) + ")");
    error = avformat_find_stream_info(d.format, nullptr);
    if (error < 0) return fail(AGENTCV_CANNOT_OPEN, "FFmpeg could not read its streams (" + av_error_text(error) + ")");
    // The first video stream, as OpenCV's backend picks it, so both decoders see the same frames.
    for (unsigned i = 0; i < d.format->nb_streams; i++) {
        if (d.format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
            d.stream = static_cast<int>(i);
            break;
        }
    }
    if (d.stream < 0) return fail(AGENTCV_CANNOT_OPEN, "it has no video stream");
    AVStream* st = d.format->streams[d.stream];
    const AVCodec* decoder = avcodec_find_decoder(st->codecpar->codec_id);
    if (decoder == nullptr) {
        return fail(AGENTCV_CANNOT_OPEN, std::string("FFmpeg has no decoder for ") + avcodec_get_name(st->codecpar->codec_id));
    }
    d.codec = avcodec_alloc_context3(decoder);
    d.packet = av_packet_alloc();
    d.frame = av_frame_alloc();
    if (d.codec == nullptr || d.packet == nullptr || d.frame == nullptr) throw std::bad_alloc();
    error = avcodec_parameters_to_context(d.codec, st->codecpar);
    if (error < 0) return fail(AGENTCV_CANNOT_OPEN, "FFmpeg rejected its codec parameters (" + av_error_text(error) + ")");
    d.codec->pkt_timebase = st->time_base;
    // Frame threading decodes several frames at once (one frame of latency per thread); slice threading helps
    // codecs and streams that cannot be frame-threaded.
    d.codec->thread_count = d.threads_requested;
    d.codec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    error = avcodec_open2(d.codec, decoder, nullptr);
    if (error < 0) return fail(AGENTCV_CANNOT_OPEN, "FFmpeg could not open its decoder (" + av_error_text(error) + ")");
    d.width = st->codecpar->width;
    d.height = st->codecpar->height;
    d.rotation = rotation_of(st);
    return AGENTCV_OK;
}

// Leaves the next frame in d.frame: AGENTCV_OK, AGENTCV_END_OF_STREAM once the drained decoder has nothing left,
// or AGENTCV_ERROR after kMaxFailuresInARow rejected packets. A read that fails for any reason (end of file, a
// truncated file, a stalled stream) ends the input: the decoder is drained so that no decoded frame is lost, and
// VideoSource compares the count with the container's to report truncation.
agentcv_status decode_next(agentcv_luma_decoder& d) {
    if (d.pending) {
        d.pending = false;
        return AGENTCV_OK;
    }
    int failures = 0;
    int last_error = 0;
    while (!d.finished) {
        int result = avcodec_receive_frame(d.codec, d.frame);
        if (result >= 0) return AGENTCV_OK;
        if (result == AVERROR_EOF) {
            d.finished = true;
            break;
        }
        if (result != AVERROR(EAGAIN)) {
            last_error = result;
            if (++failures >= kMaxFailuresInARow) break;
            continue;
        }
        if (d.draining) {
            d.finished = true;
            break;
        }
        d.deadline = std::chrono::steady_clock::now() + kReadTimeout;
        result = av_read_frame(d.format, d.packet);
        if (result == AVERROR(EAGAIN)) continue;
        if (result < 0) {
            avcodec_send_packet(d.codec, nullptr);
            d.draining = true;
            continue;
        }
        if (d.packet->stream_index != d.stream) {
            av_packet_unref(d.packet);
            continue;
        }
        result = avcodec_send_packet(d.codec, d.packet);
        av_packet_unref(d.packet);
        if (result < 0 && result != AVERROR(EAGAIN)) {
            last_error = result;
            if (++failures >= kMaxFailuresInARow) break;
        }
    }
    if (failures >= kMaxFailuresInARow) {
        d.finished = true;
        return fail(AGENTCV_ERROR, "FFmpeg could not decode " + std::to_string(failures) + " packets in a row (" +
                                       av_error_text(last_error) + ")");
    }
    return AGENTCV_END_OF_STREAM;
}

double position_msec(const agentcv_luma_decoder& d) {
    int64_t pts = d.frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) return 0;
    const AVStream* st = d.format->streams[d.stream];
    int64_t start = st->start_time == AV_NOPTS_VALUE ? 0 : st->start_time;
    return static_cast<double>(pts - start) * r2d(st->time_base) * 1000.0;
}

// One decoded frame handed out: remembers key frames for backward seeks, advances the index.
agentcv_status grab(agentcv_luma_decoder& d, double* pos_msec) {
    agentcv_status status = decode_next(d);
    if (status != AGENTCV_OK) return status;
    const AVFrame* f = d.frame;
    bool first = d.next_index == 0;
    if ((f->key_frame || first) && f->pts != AV_NOPTS_VALUE &&
        (d.key_frames.empty() || d.key_frames.back().index < d.next_index)) {
        d.key_frames.push_back({d.next_index, f->pts});
    }
    *pos_msec = position_msec(d);
    d.next_index++;
    return AGENTCV_OK;
}

// Seeks the demuxer to key frame k and decodes up to it; true when the decoder's next frame is frame k.index.
bool land_on(agentcv_luma_decoder& d, const KeyFrame& k) {
    if (av_seek_frame(d.format, d.stream, k.pts, AVSEEK_FLAG_BACKWARD) < 0) return false;
    avcodec_flush_buffers(d.codec);
    d.draining = d.finished = d.pending = false;
    for (;;) {
        if (decode_next(d) != AGENTCV_OK) return false;
        if (d.frame->pts == AV_NOPTS_VALUE || d.frame->pts < k.pts) continue;
        if (d.frame->pts > k.pts) return false;
        d.pending = true;
        d.next_index = k.index;
        return true;
    }
}

int classify(const AVFrame* f) {
    auto format = static_cast<AVPixelFormat>(f->format);
    const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
    if (desc == nullptr) return AGENTCV_LUMA_VIA_BGR;
    constexpr uint64_t kNotYuv = AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BAYER;
    if ((desc->flags & kNotYuv) != 0 || desc->nb_components == 0) return AGENTCV_LUMA_VIA_BGR;
    const AVComponentDescriptor& y = desc->comp[0];
    bool plane = y.plane == 0 && y.step == 1 && y.offset == 0 && y.shift == 0 && y.depth == 8 && f->linesize[0] > 0;
    if (!plane) return AGENTCV_LUMA_SWSCALE;
    // yuvj* and gray are full range by definition (swscale treats them so); other formats say it per frame.
    bool full = format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P ||
                format == AV_PIX_FMT_YUVJ440P || format == AV_PIX_FMT_YUVJ411P || format == AV_PIX_FMT_GRAY8 ||
                f->color_range == AVCOL_RANGE_JPEG;
    return full ? AGENTCV_LUMA_PLANE : AGENTCV_LUMA_PLANE_EXPANDED;
}

void scale_to_gray(agentcv_luma_decoder& d, const AVFrame* f, cv::Mat& gray) {
    d.sws = sws_getCachedContext(d.sws, f->width, f->height, static_cast<AVPixelFormat>(f->format), f->width, f->height,
                                 AV_PIX_FMT_GRAY8, SWS_BICUBIC, nullptr, nullptr, nullptr);
    if (d.sws == nullptr) throw std::runtime_error("swscale cannot convert this pixel format to gray");
    int source_range = f->color_range == AVCOL_RANGE_JPEG ? 1 : 0;
    int* inverse = nullptr;
    int* table = nullptr;
    int current_source = 0, destination = 0, brightness = 0, contrast = 0, saturation = 0;
    if (sws_getColorspaceDetails(d.sws, &inverse, &current_source, &table, &destination, &brightness, &contrast, &saturation) >= 0 &&
        current_source != source_range) {
        sws_setColorspaceDetails(d.sws, inverse, source_range, table, destination, brightness, contrast, saturation);
    }
    uint8_t* planes[4] = {gray.data, nullptr, nullptr, nullptr};
    int strides[4] = {static_cast<int>(gray.step), 0, 0, 0};
    sws_scale(d.sws, f->data, f->linesize, 0, f->height, planes, strides);
}

// OpenCV 4.6's retrieveFrame: swscale (bicubic) to BGR24 over the coded size, then cv::COLOR_BGR2GRAY on the frame.
void via_bgr(agentcv_luma_decoder& d, const AVFrame* f, cv::Mat& gray) {
    int coded_width = std::max(d.codec->coded_width, f->width);
    int coded_height = std::max(d.codec->coded_height, f->height);
    d.sws = sws_getCachedContext(d.sws, coded_width, coded_height, static_cast<AVPixelFormat>(f->format), coded_width,
                                 coded_height, AV_PIX_FMT_BGR24, SWS_BICUBIC, nullptr, nullptr, nullptr);
    if (d.sws == nullptr) throw std::runtime_error("swscale cannot convert this pixel format to BGR");
    d.bgr.create(coded_height, coded_width, CV_8UC3);
    uint8_t* planes[4] = {d.bgr.data, nullptr, nullptr, nullptr};
    int strides[4] = {static_cast<int>(d.bgr.step), 0, 0, 0};
    sws_scale(d.sws, f->data, f->linesize, 0, f->height, planes, strides);
    cv::cvtColor(d.bgr(cv::Rect(0, 0, f->width, f->height)), gray, cv::COLOR_BGR2GRAY);
}

agentcv_status write_gray(agentcv_luma_decoder& d, const agentcv_image* dst) {
    const AVFrame* f = d.frame;
    if (f->width != d.width || f->height != d.height) {
        return fail(AGENTCV_ERROR, "the decoded frame is " + agentcv_detail::size_text(f->width, f->height) +
                                       ", not the stream's " + agentcv_detail::size_text(d.width, d.height));
    }
    cv::Mat out = agentcv_detail::wrap(dst);
    cv::Mat gray = out;
    if (d.rotation != 0) {
        d.rotated.create(d.height, d.width, CV_8UC1);
        gray = d.rotated;
    }
    d.conversion = classify(f);
    d.last_format = f->format;
    switch (d.conversion) {
        case AGENTCV_LUMA_PLANE:
            cv::Mat(d.height, d.width, CV_8UC1, f->data[0], static_cast<size_t>(f->linesize[0])).copyTo(gray);
            break;
        case AGENTCV_LUMA_PLANE_EXPANDED:
            gray.create(d.height, d.width, CV_8UC1);
            agentcv_detail::expand_luma_plane(f->data[0], static_cast<size_t>(f->linesize[0]), gray.data, gray.step,
                                              d.width, d.height);
            break;
        case AGENTCV_LUMA_SWSCALE:
            scale_to_gray(d, f, gray);
            break;
        default:
            via_bgr(d, f, gray);
            break;
    }
    if (d.rotation != 0) {
        int code = d.rotation == 90 ? cv::ROTATE_90_CLOCKWISE : d.rotation == 180 ? cv::ROTATE_180 : cv::ROTATE_90_COUNTERCLOCKWISE;
        cv::rotate(d.rotated, out, code);
    }
    return AGENTCV_OK;
}

int display_width(const agentcv_luma_decoder& d) { return d.rotation % 180 != 0 ? d.height : d.width; }
int display_height(const agentcv_luma_decoder& d) { return d.rotation % 180 != 0 ? d.width : d.height; }

}  // namespace

extern "C" {

agentcv_status videoio_LumaDecoder_open(const char* path_or_url, int32_t threads, agentcv_luma_decoder** out) {
    return agentcv_detail::guarded([&] {
        if (path_or_url == nullptr || out == nullptr) return fail(AGENTCV_BAD_ARGUMENT, "path or output is null");
        *out = nullptr;
        if (threads < 0) return fail(AGENTCV_BAD_ARGUMENT, "thread count " + std::to_string(threads) + " is negative");
        set_log_level();
        auto d = std::make_unique<agentcv_luma_decoder>();
        d->path = path_or_url;
        d->threads_requested = threads;
        d->key_frames.reserve(256);
        agentcv_status status = open_input(*d);
        if (status != AGENTCV_OK) return status;
        *out = d.release();
        return AGENTCV_OK;
    });
}

void videoio_LumaDecoder_delete(agentcv_luma_decoder* decoder) {
    agentcv_detail::guarded([&] {
        delete decoder;
        return AGENTCV_OK;
    });
}

agentcv_status videoio_LumaDecoder_info(agentcv_luma_decoder* decoder, agentcv_video_info* out) {
    return agentcv_detail::guarded([&] {
        if (decoder == nullptr || out == nullptr || decoder->format == nullptr) {
            return fail(AGENTCV_BAD_ARGUMENT, "decoder or output is null");
        }
        const AVFormatContext* ic = decoder->format;
        AVStream* st = ic->streams[decoder->stream];
        out->width = display_width(*decoder);
        out->height = display_height(*decoder);
        // The same formulas as OpenCV 4.6's get_fps, get_total_frames and CAP_PROP_FOURCC.
        out->fps = r2d(av_guess_frame_rate(decoder->format, st, nullptr));
        int64_t frames = st->nb_frames;
        if (frames == 0) {
            double seconds = ic->duration == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ic->duration) / AV_TIME_BASE;
            if (seconds < kDurationEpsilon && st->duration != AV_NOPTS_VALUE) {
                seconds = static_cast<double>(st->duration) * r2d(st->time_base);
            }
            double estimate = std::floor(seconds * out->fps + 0.5);
            frames = std::isfinite(estimate) && estimate > 0 && estimate < 9.0e18 ? static_cast<int64_t>(estimate) : 0;
        }
        out->declared_frames = frames > 0 ? frames : 0;
        uint32_t tag = st->codecpar->codec_tag;
        const char* name = avcodec_get_name(st->codecpar->codec_id);
        if (tag == 0 && st->codecpar->codec_id != AV_CODEC_ID_NONE && name != nullptr && std::strlen(name) >= 4 &&
            std::strcmp(name, "unknown_codec") != 0) {
            tag = static_cast<uint32_t>(static_cast<uint8_t>(name[0])) | static_cast<uint32_t>(static_cast<uint8_t>(name[1])) << 8 |
                  static_cast<uint32_t>(static_cast<uint8_t>(name[2])) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(name[3])) << 24;
        }
        out->fourcc = static_cast<int32_t>(tag);
        out->reserved = 0;
        return AGENTCV_OK;
    });
}

agentcv_status videoio_LumaDecoder_details(agentcv_luma_decoder* decoder, agentcv_luma_details* out) {
    return agentcv_detail::guarded([&] {
        if (decoder == nullptr || out == nullptr || decoder->codec == nullptr) {
            return fail(AGENTCV_BAD_ARGUMENT, "decoder or output is null");
        }
        out->conversion = decoder->conversion;
        out->threads = decoder->codec->thread_count;
        out->rotation = decoder->rotation;
        out->reserved = 0;
        const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(decoder->last_format));
        agentcv_detail::copy_string(name != nullptr ? name : "", out->pixel_format, sizeof out->pixel_format);
        return AGENTCV_OK;
    });
}

agentcv_status videoio_LumaDecoder_grab(agentcv_luma_decoder* decoder, double* pos_msec) {
    return agentcv_detail::guarded([&] {
        if (decoder == nullptr || pos_msec == nullptr || decoder->format == nullptr) {
            return fail(AGENTCV_BAD_ARGUMENT, "decoder or output is null");
        }
        return grab(*decoder, pos_msec);
    });
}

agentcv_status videoio_LumaDecoder_read(agentcv_luma_decoder* decoder, const agentcv_image* dst, double* pos_msec) {
    return agentcv_detail::guarded([&] {
        if (decoder == nullptr || pos_msec == nullptr || decoder->format == nullptr) {
            return fail(AGENTCV_BAD_ARGUMENT, "decoder or output is null");
        }
        agentcv_status valid = agentcv_detail::check_image(dst, "destination frame");
        if (valid != AGENTCV_OK) return valid;
        if (dst->format != AGENTCV_GRAY) return fail(AGENTCV_BAD_ARGUMENT, "the luma decoder writes gray frames only");
        if (dst->width != display_width(*decoder) || dst->height != display_height(*decoder)) {
            return fail(AGENTCV_BAD_ARGUMENT, "destination frame is " + agentcv_detail::size_text(dst->width, dst->height) +
                                                  ", the stream's frames are " +
                                                  agentcv_detail::size_text(display_width(*decoder), display_height(*decoder)));
        }
        agentcv_status status = grab(*decoder, pos_msec);
        if (status != AGENTCV_OK) return status;
        return write_gray(*decoder, dst);
    });
}

agentcv_status videoio_LumaDecoder_seek(agentcv_luma_decoder* decoder, int64_t frame_index) {
    return agentcv_detail::guarded([&] {
        if (decoder == nullptr || frame_index < 0 || decoder->format == nullptr) {
            return fail(AGENTCV_BAD_ARGUMENT, "decoder is null or index negative");
        }
        agentcv_luma_decoder& d = *decoder;
        if (frame_index < d.next_index) {
            auto after = std::upper_bound(d.key_frames.begin(), d.key_frames.end(), frame_index,
                                          [](int64_t index, const KeyFrame& k) { return index < k.index; });
            bool landed = false;
            for (int attempt = 0; attempt < kSeekAttempts && after != d.key_frames.begin() && !landed; attempt++) {
                --after;
                landed = land_on(d, *after);
            }
            if (!landed) {
                // No key frame to land on (no timestamps, or a demuxer that cannot seek): start over.
                d.close();
                agentcv_status status = open_input(d);
                if (status != AGENTCV_OK) return fail(AGENTCV_ERROR, "the stream cannot seek: " + agentcv_detail::last_error());
                d.next_index = 0;
            }
        }
        double unused = 0;
        while (d.next_index < frame_index) {
            agentcv_status status = grab(d, &unused);
            if (status == AGENTCV_END_OF_STREAM) break;
            if (status != AGENTCV_OK) return status;
        }
        return AGENTCV_OK;
    });
}

}  // extern "C"
