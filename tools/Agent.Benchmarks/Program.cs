using BenchmarkDotNet.Running;

namespace AgentRnn.Benchmarks;

internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "fps")
        {
            return FpsProbe.Run(args[1..]);
        }
        if (args.Length > 0 && args[0] == "model")
        {
            return ModelProbe.Run(args[1..]);
        }
        if (args.Length > 0 && args[0] == "paths")
        {
            return LayerPathProbe.Run(args[1..]);
        }
        if (args.Length > 0 && args[0] == "layers")
        {
            return LayerProbe.Run(args[1..]);
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
