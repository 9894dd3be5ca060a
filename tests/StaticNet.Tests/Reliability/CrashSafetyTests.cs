using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using StaticNet;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Reliability;

/// <summary>
/// A process killed at any moment while saving (tests/StaticNet.CrashChild saves weights and
/// checkpoints in a loop and is killed at random moments) leaves files that always load, hold a
/// whole save that is no older than the last save the process reported, and are not disturbed
/// by the temporary files the killed saves leave behind.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    private const int Kills = 20;

    [Fact]
    public void KillingTheSavingProcessAtRandomMoments_LeavesFilesThatAlwaysLoad()
    {
        string child = CrashChild.Path;
        using var dir = new ReliabilityData.TempDirectory("crash");
        string weightsPath = dir.File("model.weights"), checkpointPath = dir.File("run.ckpt");
        var random = new Random(20251122);
        int leftovers = 0;
        var target = new CrashNet(seed: 0);
        var resumed = new CrashNet(seed: 0);
        resumed.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.001f), Metric.Accuracy);

        for (int run = 1; run <= Kills; run++)
        {
            var lines = new BlockingCollection<string>();
            using var process = Start(child, weightsPath, checkpointPath, run, lines);
            var stderr = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
            process.BeginErrorReadLine();

            // Wait for this run's first checkpoint (both files are then this run's), then for 0-2 more
            // saves, then 0-50 ms, then kill: almost all of the child's time is spent inside a save.
            // Every line the child printed was printed after its save returned: the files hold that save or a later one.
            int lastWeights = 0, lastCheckpoint = 0;
            string Next(string waitingFor)
            {
                if (lines.TryTake(out string? line, TimeSpan.FromSeconds(30)))
                {
                    Record(line, ref lastWeights, ref lastCheckpoint);
                    return line;
                }
                string errors;
                lock (stderr) errors = stderr.ToString();
                throw new TimeoutException($"run {run}: no line from the child while waiting for {waitingFor} (exited: {process.HasExited}); stderr: {errors}");
            }
            while (!Next("the first checkpoint").StartsWith("checkpoint ", StringComparison.Ordinal)) { }
            for (int more = random.Next(3); more > 0; more--) Next("another save");
            Thread.Sleep(random.Next(0, 51));
            Assert.False(process.HasExited, $"run {run}: the child exited by itself (code {(process.HasExited ? process.ExitCode : 0)}): {stderr}");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();   // also waits until the redirected output is drained

            lines.CompleteAdding();
            foreach (string line in lines) Record(line, ref lastWeights, ref lastCheckpoint);

            string[] temporary = Directory.GetFiles(dir.Path, "*.tmp");
            leftovers = temporary.Length;
            Assert.All(Directory.GetFiles(dir.Path), f => Assert.True(
                f == weightsPath || f == checkpointPath || (Path.GetFileName(f).EndsWith(".tmp", StringComparison.Ordinal) &&
                    (f.StartsWith(weightsPath + ".", StringComparison.Ordinal) || f.StartsWith(checkpointPath + ".", StringComparison.Ordinal))),
                $"unexpected file {f}"));

            // The files load, with the stray temporary files beside them, and hold one whole save each.
            target.LoadWeights(weightsPath);
            int weightsStamp = CheckPattern(target.Parameters, run, $"run {run}, weights");
            Assert.True(weightsStamp % 2 == 0 && weightsStamp / 2 >= lastWeights,
                $"run {run}: the weights file holds save {weightsStamp / 2.0}, but the child had reported save {lastWeights}.");
            CheckpointInfo info = resumed.LoadCheckpoint(checkpointPath);
            int checkpointStamp = CheckPattern(resumed.Parameters, run, $"run {run}, checkpoint");
            Assert.True(checkpointStamp % 2 == 1 && checkpointStamp / 2 >= lastCheckpoint,
                $"run {run}: the checkpoint holds save {(checkpointStamp - 1) / 2.0}, but the child had reported save {lastCheckpoint}.");
            Assert.Equal("sparse_categorical_crossentropy", info.Loss);
            output.WriteLine($"run {run}: killed after weights {lastWeights} / checkpoint {lastCheckpoint}; files hold {weightsStamp / 2} / {checkpointStamp / 2}; {temporary.Length} temporary file(s) so far");
        }

        // Not vacuous: some kills landed inside a save (they leave the temporary file behind).
        Assert.True(leftovers > 0, $"None of the {Kills} kills interrupted a save; the test did not test anything.");
    }

    /// <summary>
    /// A crashed process leaves <c>path.&lt;pid&gt;.&lt;n&gt;.tmp</c> behind. When a later process gets the
    /// same id (containers start their main process with the same small pid every time) its
    /// counter reaches the same n, and the save must still succeed.
    /// </summary>
    [Fact]
    public void AStrayTemporaryFileWithTheNameOfTheNextSave_DoesNotBreakSaving()
    {
        using var dir = new ReliabilityData.TempDirectory("stray");
        string path = dir.File("model.weights");
        var model = new GuardRegressionNet(seed: 1);
        model.SaveWeights(path);
        FieldInfo counter = typeof(NeuralNetwork).Assembly.GetType("StaticNet.Serialization.AtomicFile")!
            .GetField("s_counter", BindingFlags.NonPublic | BindingFlags.Static)!;
        int next = (int)counter.GetValue(null)! + 1;
        // What a process with this pid left when it was killed in the middle of the same save.
        for (int n = next; n < next + 64; n++) File.WriteAllBytes($"{path}.{Environment.ProcessId}.{n}.tmp", new byte[] { 1, 2, 3 });

        model.Parameters[0] = 42;
        model.SaveWeights(path);

        var loaded = new GuardRegressionNet(seed: 2);
        loaded.LoadWeights(path);
        Assert.Equal(42, loaded.Parameters[0]);
    }

    private static void Record(string line, ref int lastWeights, ref int lastCheckpoint)
    {
        string[] parts = line.Split(' ');
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)) return;
        if (parts[0] == "weights") lastWeights = Math.Max(lastWeights, n);
        else if (parts[0] == "checkpoint") lastCheckpoint = Math.Max(lastCheckpoint, n);
    }

    /// <summary>Checks the child's fill pattern (Program.cs's Fill) and returns the save's stamp.</summary>
    private static int CheckPattern(ReadOnlySpan<float> parameters, int run, string what)
    {
        Assert.True(parameters[0] == run, $"{what}: parameter 0 is {parameters[0]}, expected the run {run}.");
        int stamp = (int)parameters[1];
        Assert.True(stamp == parameters[1] && stamp >= 2, $"{what}: parameter 1 is {parameters[1]}, not a save stamp.");
        for (int i = 2; i < parameters.Length; i++)
        {
            float expected = ((i * 7 + stamp * 13 + run) % 1000) / 1000f;
            if (parameters[i] != expected)
                Assert.Fail($"{what}: parameter {i} is {parameters[i]}, expected {expected}: the file mixes two saves.");
        }
        return stamp;
    }

    private static Process Start(string child, string weightsPath, string checkpointPath, int run, BlockingCollection<string> lines)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { child, weightsPath, checkpointPath, run.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            try { lines.Add(e.Data); }
            catch (InvalidOperationException) { }   // the test has stopped listening
        };
        process.Start();
        process.BeginOutputReadLine();
        return process;
    }

    /// <summary>Finds StaticNet.CrashChild.dll, built by the test project's ProjectReference; builds it if it is missing.</summary>
    internal static class CrashChild
    {
        private static readonly Lazy<string> s_path = new(Locate);

        public static string Path => s_path.Value;

        private static string Locate()
        {
            // tests/StaticNet.Tests/bin/<configuration>/<framework>/ → tests/StaticNet.CrashChild/bin/<configuration>/<framework>/
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
            string configuration = framework.Parent!.Name;
            DirectoryInfo? tests = framework.Parent?.Parent?.Parent?.Parent;
            if (tests is not null)
            {
                string project = System.IO.Path.Combine(tests.FullName, "StaticNet.CrashChild");
                string dll = System.IO.Path.Combine(project, "bin", configuration, framework.Name, "StaticNet.CrashChild.dll");
                if (File.Exists(dll)) return dll;
                if (File.Exists(System.IO.Path.Combine(project, "StaticNet.CrashChild.csproj")))
                {
                    // Tests run from an output folder the ProjectReference did not fill (e.g. dotnet test -o): build it once.
                    var build = Process.Start(new ProcessStartInfo("dotnet", ["build", project, "-c", configuration, "-nologo", "-v", "q"])
                    {
                        RedirectStandardOutput = true,
                        UseShellExecute = false,
                    })!;
                    string log = build.StandardOutput.ReadToEnd();
                    build.WaitForExit();
                    if (build.ExitCode == 0 && File.Exists(dll)) return dll;
                    throw new InvalidOperationException($"Building {project} failed:\n{log}");
                }
            }
            throw new FileNotFoundException(
                $"StaticNet.CrashChild.dll was not found beside the test output ({AppContext.BaseDirectory}); build tests/StaticNet.CrashChild first.");
        }
    }
}
