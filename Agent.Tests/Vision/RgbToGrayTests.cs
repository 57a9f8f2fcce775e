using AgentRnn.Vision;
using AgentRnn.Vision.OpenCv;

namespace AgentRnn.Tests.Vision;

/// <summary>The managed RGB/BGR → gray conversion against OpenCV's cv::cvtColor, bit for bit (tolerance 0).</summary>
public sealed class RgbToGrayTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Convert_RandomAndExtremePixels_EqualsCvtColor(bool bgr)
    {
        const int width = 160, height = 210;
        var pixels = new byte[width * height * 3];
        new Random(5).NextBytes(pixels);
        // Every extreme and every single-channel ramp, where rounding ties would show.
        for (int v = 0; v < 256; v++)
        {
            pixels[3 * v] = (byte)v;
            pixels[3 * v + 1] = 0;
            pixels[3 * v + 2] = 0;
            pixels[768 + 3 * v] = 0;
            pixels[768 + 3 * v + 1] = (byte)v;
            pixels[768 + 3 * v + 2] = 255;
        }
        var expected = new byte[width * height];
        var actual = new byte[width * height];

        Cv.CvtColor(pixels, bgr ? PixelFormat.Bgr : PixelFormat.Rgb, expected, PixelFormat.Gray, width, height);
        RgbToGray.Convert(pixels, actual, bgr);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Convert_PartialPixel_Throws()
    {
        Assert.Throws<ArgumentException>(() => RgbToGray.Convert(new byte[7], new byte[3]));
    }
}
