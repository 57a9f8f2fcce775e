using System.Text;

namespace AgentRnn.Vision;

/// <summary>
/// Tells, for a file OpenCV could not open as video, whether it is a sound recording with no picture, so that the error
/// can say so: OpenCV's FFmpeg backend answers "cannot open" alike for a damaged header, an unknown format and a file
/// without a video stream. Reads the first and last megabyte and recognises WAV, FLAC, MP3/ADTS, Ogg (Vorbis, Opus,
/// FLAC without Theora), ISO media (MP4, M4A, MOV: track handlers 'soun' without 'vide') and Matroska/WebM (codec ids
/// A_* without V_*). Anything else is "not known to be audio only".
/// </summary>
internal static class ContainerProbe
{
    private const int Window = 1 << 20;

    /// <summary>True when path is recognisably a recording with sound tracks and no video track.</summary>
    public static bool IsAudioOnly(string path)
    {
        byte[] head, tail;
        try
        {
            using FileStream file = File.OpenRead(path);
            head = ReadAt(file, 0, (int)Math.Min(file.Length, Window));
            long tailStart = Math.Max(head.Length, file.Length - Window);
            tail = ReadAt(file, tailStart, (int)(file.Length - tailStart));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        ReadOnlySpan<byte> h = head;
        if (h.Length < 12)
        {
            return false;
        }
        if ((h.StartsWith("RIFF"u8) && h[8..12].SequenceEqual("WAVE"u8)) || h.StartsWith("fLaC"u8) || h.StartsWith("ID3"u8)
            || (h[0] == 0xFF && (h[1] & 0xE0) == 0xE0))
        {
            return true;
        }
        if (h.StartsWith("OggS"u8))
        {
            return h.IndexOf("theora"u8) < 0 && (h.IndexOf("vorbis"u8) >= 0 || h.IndexOf("OpusHead"u8) >= 0 || h.IndexOf("FLAC"u8) >= 0);
        }
        if (h[4..8].SequenceEqual("ftyp"u8))
        {
            bool sound = Handler(h, "soun"u8) || Handler(tail, "soun"u8);
            bool video = Handler(h, "vide"u8) || Handler(tail, "vide"u8);
            return sound && !video;
        }
        if (h.StartsWith(new byte[] { 0x1A, 0x45, 0xDF, 0xA3 }))
        {
            return CodecId(h, (byte)'A') && !CodecId(h, (byte)'V');
        }
        return false;
    }

    private static byte[] ReadAt(FileStream file, long offset, int count)
    {
        var buffer = new byte[count];
        file.Position = offset;
        file.ReadExactly(buffer);
        return buffer;
    }

    // An ISO media 'hdlr' box: size, "hdlr", version and flags, pre_defined, then the four-letter handler type.
    private static bool Handler(ReadOnlySpan<byte> data, ReadOnlySpan<byte> type)
    {
        for (int i = data.IndexOf("hdlr"u8); i >= 0 && i + 16 <= data.Length; i = Next(data, i, "hdlr"u8))
        {
            if (data.Slice(i + 12, 4).SequenceEqual(type))
            {
                return true;
            }
        }
        return false;
    }

    // A Matroska CodecID element (ID 0x86, a one-byte size, then an ASCII id) whose id starts with kind and '_'.
    private static bool CodecId(ReadOnlySpan<byte> data, byte kind)
    {
        for (int i = 0; i + 4 <= data.Length; i++)
        {
            if (data[i] == 0x86 && (data[i + 1] & 0x80) != 0 && data[i + 2] == kind && data[i + 3] == (byte)'_')
            {
                int length = data[i + 1] & 0x7F;
                if (length >= 3 && i + 2 + length <= data.Length && IsAscii(data.Slice(i + 2, length)))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static bool IsAscii(ReadOnlySpan<byte> text) => Ascii.IsValid(text) && text.IndexOfAnyInRange((byte)0, (byte)0x1F) < 0;

    private static int Next(ReadOnlySpan<byte> data, int from, ReadOnlySpan<byte> value)
    {
        int next = data[(from + 1)..].IndexOf(value);
        return next < 0 ? -1 : from + 1 + next;
    }
}
