using AgentRnn.Vision;
using AgentRnn.Vision.OpenCv;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Vision;

/// <summary>The managed INTER_AREA resizer against OpenCV 4.13's cv::resize, at every vector width, bit for bit.</summary>
public sealed unsafe class AreaResizerTests(ITestOutputHelper output)
{
    // Vector widths as their float lane counts (SimdWidth is internal): scalar, Vector128, Vector256, Vector512.
    public static TheoryData<int> Widths => new() { 1, 4, 8, 16 };

    private static readonly (int W, int H, int OutW, int OutH)[] Shrinks =
    [
        (1280, 720, 84, 84), (1920, 1080, 84, 84), (640, 360, 84, 84), (160, 210, 84, 84), (161, 97, 84, 84), (85, 85, 84, 84),
        (1000, 90, 84, 84), (97, 1001, 13, 84), (300, 200, 7, 9), (1280, 720, 161, 90), (1280, 720, 96, 96), (33, 17, 5, 3),
        (250, 250, 83, 83), (211, 163, 64, 64), (84, 85, 84, 84), (17, 300, 16, 1), (300, 17, 1, 16),
    ];

    [Theory]
    [MemberData(nameof(Widths))]
    public void Run_RandomFramesManySizes_EqualsCvResizeBitForBit(int lanes)
    {
        var width = (SimdWidth)lanes;
        // Uniform noise is the hardest input for bit-exactness (every tap's rounding matters); plus saturated frames
        // (sums of exactly 255) and a ramp. Vector512 runs in software where the CPU has no AVX-512.
        var random = new Random(12345 + (int)width);
        int frames = 0;
        foreach ((int w, int h, int outW, int outH) in Shrinks)
        {
            if (width == SimdWidth.Vector512 && (long)w * h > 400_000)
            {
                continue;
            }
            var resizer = new AreaResizer(w, h, outW, outH, width);
            Assert.Equal(width, resizer.Width);
            var noise = new byte[w * h];
            random.NextBytes(noise);
            byte[] white = Enumerable.Repeat((byte)255, w * h).ToArray();
            byte[] ramp = Enumerable.Range(0, w * h).Select(i => (byte)(i % w + i / w)).ToArray();
            foreach (byte[] frame in new[] { noise, white, ramp })
            {
                var expected = new byte[outW * outH];
                Cv.Resize(frame, w, h, expected, outW, outH, PixelFormat.Gray, Cv.InterArea);
                var actual = new byte[outW * outH];
                fixed (byte* s = frame)
                fixed (byte* d = actual)
                {
                    resizer.Run(s, w, d, outW);
                }
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{width}: {w}x{h} -> {outW}x{outH} differs from cv::resize");
                frames++;
            }
        }
        output.WriteLine($"{width}: {frames} frames equal to cv::resize INTER_AREA (tolerance: 0 levels)");
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Run_NegativeStride_ReadsBottomUpFrameUpright(int lanes)
    {
        var width = (SimdWidth)lanes;
        const int W = 211, H = 163;
        var upright = new byte[W * H];
        new Random(9).NextBytes(upright);
        var stored = new byte[W * H];
        for (int y = 0; y < H; y++)
        {
            upright.AsSpan(y * W, W).CopyTo(stored.AsSpan((H - 1 - y) * W));
        }
        var resizer = new AreaResizer(W, H, 84, 84, width);
        var expected = new byte[84 * 84];
        var actual = new byte[84 * 84];
        fixed (byte* u = upright)
        fixed (byte* s = stored)
        fixed (byte* e = expected)
        fixed (byte* a = actual)
        {
            resizer.Run(u, W, e, 84);
            resizer.Run(s + (H - 1) * W, -W, a, 84);
        }
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(84, 84, 84, 84)]
    [InlineData(168, 168, 84, 84)]
    [InlineData(160, 210, 80, 105)]
    [InlineData(50, 50, 84, 84)]
    [InlineData(100, 50, 84, 84)]
    public void Applies_SameSizeWholeFactorsOrEnlarging_IsFalse(int w, int h, int outW, int outH)
    {
        Assert.False(AreaResizer.Applies(w, h, outW, outH));
        Assert.Throws<ArgumentException>(() => new AreaResizer(w, h, outW, outH));
    }
}
