using System;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace StaticNet.Benchmarks;

public static class Program
{
    /// <summary>Set by <c>--quick</c>: fewer iterations, so the whole suite finishes in about two minutes.</summary>
    public static bool Quick { get; private set; }

    public static void Main(string[] args)
    {
        // --cnn: the convolutional rows (DigitCnn) as an ordinary program measures them, beside ONNX Runtime and PyTorch.
        if (args.Contains("--cnn"))
        {
            CnnUserProgram.Run(args);
            return;
        }
        // --user: the rows as an ordinary program measures them (options --rounds N, --plain).
        if (args.Contains("--user"))
        {
            UserProgram.Run(args);
            return;
        }
        Quick = args.Contains("--quick");
        if (args.Contains("--compile-cost"))
        {
            BakedCompileCost.Print(runs: 5);
            return;
        }
        string[] rest = args.Where(a => a != "--quick").ToArray();
        if (rest.Length == 0) rest = ["--filter", "*"];
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest);
    }
}

/// <summary>Microsecond-to-millisecond benchmarks: BenchmarkDotNet's usual statistics (ShortRun when quick).</summary>
public sealed class MicroConfig : ManualConfig
{
    public MicroConfig() => AddJob(Program.Quick
        ? Job.ShortRun.WithWarmupCount(2).WithIterationCount(5).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(150))
        : Job.Default);
}

/// <summary>Benchmarks of seconds: each invocation measured on its own (Monitoring), one warm-up.</summary>
public sealed class MacroConfig : ManualConfig
{
    public MacroConfig() => AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(Program.Quick ? 3 : 10));
}
