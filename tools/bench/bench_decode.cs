#:project ../../Agent.Vision/Agent.Vision.csproj
#:property PublishAot=false
// Decodes a video through VideoSource and FramePreprocessor (gray, INTER_AREA 84×84, no stack) and prints frames/s:
// the decoding half of `agent label`, without the model. Used by tools/bench/bench_decode.sh.
//   bench_decode VIDEO luma|exact|bgr [--no-resize]
using System.Diagnostics;
using AgentRnn.Vision;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: bench_decode VIDEO luma|exact|bgr [--no-resize]");
    return 2;
}
string mode = args[1];
bool resize = !args.Contains("--no-resize");
var options = mode switch
{
    "luma" => new VideoSourceOptions { Format = PixelFormat.Gray, Gray = GrayConversion.Luma },
    "exact" => new VideoSourceOptions { Format = PixelFormat.Gray },
    "bgr" => new VideoSourceOptions { Format = PixelFormat.Bgr },
    _ => throw new ArgumentException($"unknown mode {mode}"),
};
var clock = Stopwatch.StartNew();
using VideoSource source = VideoSource.Open(args[0], options);
using var preprocessor = new FramePreprocessor(source.Width, source.Height, source.Format, new PreprocessOptions { Stack = 1 });
int frames = 0;
long checksum = 0;
while (source.Read(out ReadOnlySpan<byte> frame, out int stride, out _))
{
    if (resize)
    {
        preprocessor.Push(frame, stride);
        checksum += preprocessor.Observation[frames % preprocessor.ObservationSize];
    }
    frames++;
}
double seconds = clock.Elapsed.TotalSeconds;
Console.WriteLine($"{mode}: {frames} frames in {seconds:0.000} s = {frames / seconds:0.0} frames/s (gray: {source.Gray}, checksum {checksum})");
return 0;
