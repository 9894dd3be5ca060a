using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Package.Tests;

/// <summary>
/// Publishes samples/AotPredict with NativeAOT (net8.0: the NativeAOT packages this SDK can get),
/// checks that the trimming and AOT analysis had nothing to say, and compares what the native
/// binary prints with the JIT build's (net10.0) output: same seed, same training, same numbers.
/// </summary>
public sealed partial class AotTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    [GeneratedRegex(@"\bwarning (IL\d+|AOT\w*)", RegexOptions.IgnoreCase)]
    private static partial Regex TrimOrAotWarning();

    [GeneratedRegex(@"Vector512 (\w+), Vector256 (\w+), FMA (\w+)")]
    private static partial Regex SimdLine();

    [GeneratedRegex(@"int8 digit cnn test accuracy: ([0-9.]+)")]
    private static partial Regex Int8Line();

    [Fact]
    public void AotPredictPublishesWithoutWarningsAndPredictsAsTheJitBuild()
    {
        string root = Tools.NewTempDirectory("staticnet-aot");
        try
        {
            string project = Path.Combine("samples", "AotPredict", "AotPredict.csproj");
            string data = Path.Combine(Tools.RepoRoot, "samples", "data", "mnist");
            string aot = Path.Combine(root, "aot");
            // Bin and obj in the temp folder: no race with other builds of the working tree.
            string[] isolated = ["--property:UseArtifactsOutput=true", $"--property:ArtifactsPath={Path.Combine(root, "artifacts")}", "--disable-build-servers"];

            // PublishAot is set in the project for net8.0; passing -p:PublishAot=true here would make
            // it global and reach the netstandard2.0 generator too (NETSDK1207, dotnet/sdk#37228).
            ProcessResult publish = Tools.RunDotnet(Tools.RepoRoot, PublishTimeout,
                ["publish", project, "-f", "net8.0", "-c", "Release", "-r", "linux-x64", "-o", aot, "-tl:off", "-p:TrimmerSingleWarn=false", .. isolated])
                .ShouldSucceed();
            output.WriteLine($"NativeAOT publish: {publish.Duration.TotalSeconds:0.0} s");
            string[] warnings = [.. (publish.StandardOutput + publish.StandardError).Split('\n').Where(line => TrimOrAotWarning().IsMatch(line))];
            Assert.True(warnings.Length == 0, $"Trim/AOT warnings:\n{string.Join("\n", warnings)}\n{publish.Describe()}");

            string binary = Path.Combine(aot, OperatingSystem.IsWindows() ? "AotPredict.exe" : "AotPredict");
            Assert.True(File.Exists(binary), $"{binary} was not produced.\n{publish.Describe()}");
            ProcessResult native = Tools.Run(binary, Tools.RepoRoot, RunTimeout, "--data", data).ShouldSucceed();
            output.WriteLine($"NativeAOT run: {native.Duration.TotalSeconds:0.0} s\n{native.StandardOutput}");
            Assert.Contains("NativeAOT", native.StandardOutput);

            ProcessResult jit = Tools.RunDotnet(Tools.RepoRoot, PublishTimeout,
                ["run", "--project", project, "-f", "net10.0", "-c", "Release", .. isolated, "--", "--data", data])
                .ShouldSucceed();
            output.WriteLine($"JIT build + run: {jit.Duration.TotalSeconds:0.0} s\n{jit.StandardOutput}");
            Assert.Contains(", JIT,", jit.StandardOutput);

            string[] nativeResults = Results(native.StandardOutput), jitResults = Results(jit.StandardOutput);
            Assert.True(nativeResults.Length == 16, $"Expected 16 result lines.\n{native.Describe()}");
            Assert.True(jitResults.Length == 16, $"Expected 16 result lines.\n{jit.Describe()}");
            float accuracy = float.Parse(nativeResults[^1]["test accuracy: ".Length..], CultureInfo.InvariantCulture);
            Assert.True(accuracy >= 0.99f, $"NativeAOT test accuracy {accuracy} < 0.99.\n{native.Describe()}");
            // The convolutional network (Conv2D, pooling, BatchNormalization kernels) trained and evaluated under NativeAOT.
            float cnnAccuracy = float.Parse(nativeResults[^2]["cnn test accuracy: ".Length..], CultureInfo.InvariantCulture);
            Assert.True(cnnAccuracy >= 0.99f, $"NativeAOT CNN test accuracy {cnnAccuracy} < 0.99.\n{native.Describe()}");

            // The int8 CNN baked in: integer sums, so the same accuracy on every vector path (.NET 8 AOT and .NET 10 JIT alike).
            string int8Native = Int8Line().Match(native.StandardOutput).Groups[1].Value, int8Jit = Int8Line().Match(jit.StandardOutput).Groups[1].Value;
            Assert.True(int8Native.Length > 0 && float.Parse(int8Native, CultureInfo.InvariantCulture) >= 0.93f, $"NativeAOT int8 CNN accuracy '{int8Native}'.\n{native.Describe()}");
            Assert.Equal(int8Jit, int8Native);

            string nativeSimd = SimdLine().Match(native.StandardOutput).Value, jitSimd = SimdLine().Match(jit.StandardOutput).Value;
            string comparison = $"NativeAOT ({nativeSimd}):\n{string.Join("\n", nativeResults)}\nJIT ({jitSimd}):\n{string.Join("\n", jitResults)}";
            if (nativeSimd == jitSimd)
            {
                // The same vector paths (the project compiles for the build machine's instruction set):
                // every printed digit and the checksum of every parameter bit must agree.
                Assert.True(nativeResults.SequenceEqual(jitResults), $"NativeAOT and JIT results differ.\n{comparison}");
            }
            else
            {
                // Different vector widths or FMA sum in another order: the same training within rounding.
                output.WriteLine($"Different SIMD paths, compared with a tolerance of 1e-3.\n{comparison}");
                float[] a = Predictions(nativeResults), b = Predictions(jitResults);
                Assert.True(a.Zip(b).All(pair => MathF.Abs(pair.First - pair.Second) <= 1e-3f), comparison);
                Assert.Equal(nativeResults[^1], jitResults[^1]);
            }
        }
        finally
        {
            Tools.TryDelete(root);
        }
    }

    /// <summary>The lines that depend on the trained weights: final loss, predictions, checksum, accuracy.</summary>
    private static string[] Results(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("trained ", StringComparison.Ordinal) || line.StartsWith("test[", StringComparison.Ordinal) ||
                           line.StartsWith("parameters checksum: ", StringComparison.Ordinal) || line.StartsWith("test accuracy: ", StringComparison.Ordinal) ||
                           line.StartsWith("cnn ", StringComparison.Ordinal))];

    private static float[] Predictions(string[] results) =>
        [.. results.Where(line => line.StartsWith("test[", StringComparison.Ordinal))
            .Select(line => float.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))];
}
