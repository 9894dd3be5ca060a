using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using StaticNet.Tests.Interop;
using Xunit;

namespace StaticNet.Tests.Samples;

/// <summary>
/// Issue 9, §3: every sample reports bad input (a missing, empty or truncated data file, a bad
/// option) as one line <c>error: ...</c> on standard error with exit code 1, never "Unhandled
/// exception" and a stack trace. Runs each sample's built program (<c>dotnet Sample.dll</c>, built
/// by the test project's ProjectReferences) with the bad input. Each run stops at the bad input,
/// before any training, so the whole class takes a few seconds.
/// </summary>
public sealed class SampleErrorTests
{
    public static TheoryData<string> MnistSamples => new() { "DigitRecognition", "MnistClassifier", "DigitCnn", "AotPredict" };

    public static TheoryData<string> AllSamples => new() { "DigitRecognition", "MnistClassifier", "DigitCnn", "AotPredict", "Regression" };

    private static readonly string[] s_mnistFiles =
        { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" };

    [Theory]
    [MemberData(nameof(MnistSamples))]
    public void MissingDataFolder_IsOneErrorLine(string sample)
    {
        using var dir = new InteropTempDirectory();
        string missing = dir.File("no-such-folder");
        string error = RunExpectingError(sample, "--data", missing);
        Assert.Contains(missing, error);
    }

    [Theory]
    [MemberData(nameof(MnistSamples))]
    public void FolderWithoutTheFiles_IsOneErrorLine_NamingWhatIsMissing(string sample)
    {
        using var dir = new InteropTempDirectory();
        string error = RunExpectingError(sample, "--data", dir.Path);
        Assert.Contains("train-images-idx3-ubyte", error);
    }

    [Theory]
    [MemberData(nameof(MnistSamples))]
    public void EmptyDataFiles_AreOneErrorLine_NamingTheFile(string sample)
    {
        using var dir = new InteropTempDirectory();
        foreach (string name in s_mnistFiles) File.WriteAllBytes(dir.File(name), Array.Empty<byte>());
        string error = RunExpectingError(sample, "--data", dir.Path);
        Assert.Contains("train-images-idx3-ubyte", error);
    }

    [Theory]
    [MemberData(nameof(MnistSamples))]
    public void TruncatedDataFile_IsOneErrorLine_NamingTheFile(string sample)
    {
        using var dir = new InteropTempDirectory();
        string bundled = Path.Combine(Repository.Root, "samples", "data", "mnist");
        foreach (string name in s_mnistFiles) File.Copy(Path.Combine(bundled, name), dir.File(name));
        byte[] images = File.ReadAllBytes(dir.File(s_mnistFiles[0]));
        File.WriteAllBytes(dir.File(s_mnistFiles[0]), images[..(images.Length / 3)]);
        string error = RunExpectingError(sample, "--data", dir.Path);
        Assert.Contains("train-images-idx3-ubyte", error);
    }

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void UnknownOption_IsOneErrorLine(string sample)
    {
        string error = RunExpectingError(sample, "--bogus");
        Assert.Contains("--bogus", error);
    }

    [Theory]
    [MemberData(nameof(AllSamples))]
    public void EpochsWithoutAPositiveNumber_IsOneErrorLine(string sample)
    {
        Assert.Contains("--epochs", RunExpectingError(sample, "--epochs", "zero"));
        Assert.Contains("--epochs", RunExpectingError(sample, "--epochs", "0"));
        Assert.Contains("--epochs", RunExpectingError(sample, "--epochs"));
    }

    [Fact]
    public void DigitCnn_SeedWithoutANumber_IsOneErrorLine()
    {
        Assert.Contains("--seed", RunExpectingError("DigitCnn", "--seed", "many"));
        Assert.Contains("--seed", RunExpectingError("DigitCnn", "--seed"));
    }

    [Fact]
    public void DigitCnn_OutFolderThatIsAFile_IsOneErrorLine_BeforeTraining()
    {
        using var dir = new InteropTempDirectory();
        string file = dir.File("not-a-folder");
        File.WriteAllText(file, "");
        string error = RunExpectingError("DigitCnn", "--out", file);
        Assert.Contains(file, error);
    }

    /// <summary>Runs the sample; asserts exit code 1 and exactly one stderr line starting with "error:", without a stack trace; returns that line.</summary>
    private static string RunExpectingError(string sample, params string[] arguments)
    {
        var (exitCode, output, error) = InteropTest.Run("dotnet", [SampleDll(sample), .. arguments], Path.GetTempPath());
        string all = $"exit code {exitCode}\nstdout:\n{output}\nstderr:\n{error}";
        Assert.False(all.Contains("Unhandled exception", StringComparison.Ordinal), all);
        Assert.False(all.Contains("   at ", StringComparison.Ordinal), all);   // a stack frame
        Assert.True(exitCode == 1, all);
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.True(lines.Length == 1, all);
        Assert.StartsWith("error: ", lines[0]);
        return lines[0];
    }

    /// <summary>samples/&lt;name&gt;/bin/&lt;configuration&gt;/net10.0/&lt;name&gt;.dll, built by the ProjectReference (or here, once, if missing).</summary>
    private static string SampleDll(string sample)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = framework.Parent!.Name;
        string project = Path.Combine(Repository.Root, "samples", sample);
        string dll = Path.Combine(project, "bin", configuration, "net10.0", sample + ".dll");
        if (File.Exists(dll)) return dll;
        lock (s_buildLock)
        {
            if (File.Exists(dll)) return dll;
            // Tests run from an output folder the ProjectReference did not fill (e.g. dotnet test -o): build it once.
            var build = Process.Start(new ProcessStartInfo("dotnet", ["build", project, "-c", configuration, "-f", "net10.0", "-nologo", "-v", "q"])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            string log = build.StandardOutput.ReadToEnd();
            build.WaitForExit();
            Assert.True(build.ExitCode == 0 && File.Exists(dll), $"Building {project} failed:\n{log}");
            return dll;
        }
    }

    private static readonly object s_buildLock = new();

    private static class Repository
    {
        /// <summary>The first ancestor of the test output that holds samples/data/mnist.</summary>
        public static readonly string Root = Find();

        private static string Find()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "samples", "data", "mnist"))) return dir.FullName;
            throw new DirectoryNotFoundException($"No ancestor of {AppContext.BaseDirectory} holds samples/data/mnist.");
        }
    }
}
