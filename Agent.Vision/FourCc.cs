namespace AgentRnn.Vision;

/// <summary>Four-character codec codes as OpenCV packs them (first letter in the low byte).</summary>
internal static class FourCc
{
    /// <summary>Packs a four-letter code such as "mp4v" or "MJPG".</summary>
    public static int Encode(string code)
    {
        if (code.Length != 4 || code.Any(c => c < 0x20 || c > 0x7e))
        {
            throw new VideoException(code, "a codec code must be four printable ASCII letters, such as mp4v, MJPG, XVID, FFV1 or HFYU");
        }
        return code[0] | (code[1] << 8) | (code[2] << 16) | (code[3] << 24);
    }

    /// <summary>Unpacks a code; trailing NULs and spaces are dropped and non-printable bytes shown as '?'.</summary>
    public static string Decode(int value)
    {
        Span<char> letters = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            int c = (value >> (8 * i)) & 0xff;
            letters[i] = c == 0 ? ' ' : c is >= 0x20 and <= 0x7e ? (char)c : '?';
        }
        string code = new string(letters).TrimEnd();
        return code.Length == 0 ? "unknown" : code;
    }
}
