#:project ../../Agent.Vision/Agent.Vision.csproj
#:property PublishAot=false
// The gray INTER_AREA 1280×720 → 84×84 step, best of 5 rounds of 500 frames each (microseconds per frame):
//   opencv:  OpenCvSharp's Cv2.Resize(gray, 84×84, INTER_AREA), OpenCV 4.13's own generic area path
//   agent:   FramePreprocessor.Push of the same gray frame (the managed AreaResizer; stack 1, no conversion)
// Both give the same bytes (checked here, and at every vector width by AreaResizerTests).
//   dotnet run -c Release tools/bench/bench_resize.cs [WIDTH HEIGHT]
using System.Diagnostics;
using System.Runtime.InteropServices;
using AgentRnn.Vision;
using OpenCvSharp;

int width = args.Length > 1 ? int.Parse(args[0]) : 1280;
int height = args.Length > 1 ? int.Parse(args[1]) : 720;
const int Frames = 500, Rounds = 5;
var gray = new byte[width * height];
new Random(1).NextBytes(gray);
using Mat source = Mat.FromPixelData(height, width, MatType.CV_8UC1, gray);
using var small = new Mat();
using var preprocessor = new FramePreprocessor(width, height, PixelFormat.Gray, new PreprocessOptions { Stack = 1 });
Cv2.SetNumThreads(1);
double Best(Action step)
{
    double best = double.MaxValue;
    for (int r = 0; r < Rounds; r++)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Frames; i++)
        {
            step();
        }
        best = Math.Min(best, clock.Elapsed.TotalMicroseconds / Frames);
    }
    return best;
}
double opencv = Best(() => Cv2.Resize(source, small, new Size(84, 84), 0, 0, InterpolationFlags.Area));
double agent = Best(() => preprocessor.Push(gray));
var expected = new byte[84 * 84];
Marshal.Copy(small.Data, expected, 0, expected.Length);
bool equal = expected.AsSpan().SequenceEqual(preprocessor.Observation);
Console.WriteLine($"{width}x{height} -> 84x84 gray INTER_AREA: OpenCV {opencv:0} us/frame, managed {agent:0} us/frame ({opencv / agent:0.0}x), same bytes: {equal}");
return equal ? 0 : 1;
