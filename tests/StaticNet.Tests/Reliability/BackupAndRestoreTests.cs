using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using StaticNet;
using StaticNet.Tests.Serialization;
using Xunit;
using Xunit.Abstractions;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Reliability;

/// <summary>
/// BackupAndRestore: a Fit interrupted after some epochs (an exception, a cancellation, a killed
/// process) resumes from its last completed epoch when the same call runs again, and ends with
/// the parameters of a run that was never interrupted, bit for bit.
/// </summary>
public sealed class BackupAndRestoreTests(ITestOutputHelper output)
{
    private sealed class Interrupt(int atEpoch) : Callback
    {
        public override void OnEpochBegin(int epoch)
        {
            if (epoch == atEpoch) throw new InvalidOperationException("Interrupting!");
        }
    }

    private const int Epochs = 6;

    /// <summary>The user's program: the same model, data and Fit call every time (plus the extra callbacks, which simulate the interruption).</summary>
    private static (ResumeDropoutNet Model, History History) Run(string optimizer, string backup, params Callback[] more)
    {
        var (x, y) = Classification();
        var model = new ResumeDropoutNet(seed: 31);
        model.Compile(Loss.SparseCategoricalCrossentropy, Training.ModelCheckpointResumeTests.Create(optimizer), Metric.Accuracy);
        History history = model.Fit(x, y, epochs: Epochs, batchSize: 8, validationSplit: 0.2, verbose: 0,
            callbacks: [new BackupAndRestore(backup), .. more]);
        return (model, history);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("sgd-nesterov")]
    [InlineData("adam")]
    [InlineData("rmsprop-centered-momentum")]
    [InlineData("adagrad")]
    [InlineData("exponential-adam")]
    [InlineData("cosine-sgd")]
    public void AnInterruptedFit_RunAgain_EndsBitIdentical(string optimizer)
    {
        using var dir = new TempDirectory();
        var (uninterrupted, full) = Run(optimizer, dir.File("a"));
        Assert.False(Directory.Exists(dir.File("a")));   // deleted when training ended

        string backup = dir.File("b");
        Assert.Throws<InvalidOperationException>(() => Run(optimizer, backup, new Interrupt(atEpoch: 4)));
        Assert.True(File.Exists(Path.Combine(backup, BackupAndRestore.FileName)));

        var (resumed, history) = Run(optimizer, backup);
        AssertBitIdentical(uninterrupted.Parameters, resumed.Parameters);
        // As Keras: the History of the resumed Fit holds the epochs it ran.
        Assert.Equal(new[] { 4, 5 }, history.Epoch);
        Assert.Equal(full["val_loss"].Skip(4), history["val_loss"]);
        Assert.False(Directory.Exists(backup));
    }

    [Fact]
    public void RestoredEpoch_TellsWhereTheRunResumed_AndOverridesInitialEpoch()
    {
        using var dir = new TempDirectory();
        string backup = dir.File("b");
        var (x, y) = Classification();
        var model = new ResumeDropoutNet(seed: 31);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f));
        var callback = new BackupAndRestore(backup, deleteCheckpoint: false);
        model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, callbacks: [callback]);
        Assert.Null(callback.RestoredEpoch);
        Assert.True(File.Exists(callback.BackupPath));   // kept: deleteCheckpoint is false

        var again = new ResumeDropoutNet(seed: 31);
        again.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f));
        History history = again.Fit(x, y, epochs: 5, initialEpoch: 1, batchSize: 8, verbose: 0, callbacks: [callback]);
        Assert.Equal(3, callback.RestoredEpoch);
        Assert.Equal(new[] { 3, 4 }, history.Epoch);

        // A backup that already covers every epoch: nothing runs.
        History none = again.Fit(x, y, epochs: 5, batchSize: 8, verbose: 0, callbacks: [callback]);
        Assert.Equal(5, callback.RestoredEpoch);
        Assert.Empty(none.Epoch);
    }

    [Fact]
    public void ACancelledFit_KeepsItsBackup_AndResumesExactly()
    {
        using var dir = new TempDirectory();
        string backup = dir.File("b");
        var (uninterrupted, _) = Run("adam", dir.File("a"));
        using var cancel = new CancellationTokenSource();
        var (x, y) = Classification();
        var model = new ResumeDropoutNet(seed: 31);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f), Metric.Accuracy);
        var stopper = new LambdaCallback(onBatchEnd: (batch, _) => { if (model.Optimizer!.Iterations == 13) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => model.Fit(x, y, epochs: Epochs, batchSize: 8, validationSplit: 0.2, verbose: 0,
            callbacks: [new BackupAndRestore(backup), stopper], cancellationToken: cancel.Token));
        Assert.True(File.Exists(Path.Combine(backup, BackupAndRestore.FileName)));   // 2 epochs of 5 steps were backed up

        var (resumed, history) = Run("adam", backup);
        Assert.Equal(2, history.Epoch[0]);
        AssertBitIdentical(uninterrupted.Parameters, resumed.Parameters);
    }

    [Fact]
    public void ABackupOfAnotherModel_IsRefusedWithThePath()
    {
        using var dir = new TempDirectory();
        string backup = dir.File("b");
        Directory.CreateDirectory(backup);
        var other = new ResumeNet(seed: 1);
        other.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f));
        string path = Path.Combine(backup, BackupAndRestore.FileName);
        other.SaveCheckpoint(path);

        var e = Assert.Throws<InvalidDataException>(() => Run("adam", backup));
        Assert.Contains(path, e.Message);
        Assert.Contains("another training run", e.Message);
        Assert.True(File.Exists(path));   // not deleted: the user decides
    }

    [Fact]
    public void WhenTrainingEnds_OnlyTheBackupAndItsTemporaryFilesAreDeleted()
    {
        using var dir = new TempDirectory();
        string backup = dir.File("b");
        Directory.CreateDirectory(backup);
        File.WriteAllText(Path.Combine(backup, BackupAndRestore.FileName + ".123.4.tmp"), "left by a killed save");
        File.WriteAllText(Path.Combine(backup, "notes.txt"), "the user's");
        Run("sgd", backup);
        Assert.Equal(new[] { "notes.txt" }, Directory.GetFiles(backup).Select(Path.GetFileName));

        File.Delete(Path.Combine(backup, "notes.txt"));
        Run("sgd", backup);
        Assert.False(Directory.Exists(backup));   // empty afterwards: removed
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        Assert.Equal("backupDirectory", Assert.Throws<ArgumentException>(() => new BackupAndRestore("")).ParamName);
        Assert.Equal("backupDirectory", Assert.Throws<ArgumentNullException>(() => new BackupAndRestore(null!)).ParamName);
    }

    // ------------------------------------------------------------------ killing a process

    [Theory]
    [InlineData("adam-decay", 1)]
    [InlineData("sgd-momentum", 2)]
    [InlineData("rmsprop", 3)]
    public void AFitKilledMidTraining_RunAgain_EndsBitIdentical(string optimizer, int seed)
    {
        using var dir = new ReliabilityData.TempDirectory("backup");
        var random = new Random(seed);

        // The uninterrupted run, in this process.
        var (expected, _) = BackupRun.Run(dir.File("uninterrupted"), optimizer);

        // The same program in a child process, killed twice after a few epochs, then run to the end.
        string backup = dir.File("backup"), result = dir.File("result.weights");
        string backupFile = Path.Combine(backup, BackupAndRestore.FileName);
        var probe = new BackupNet(seed: 0);
        probe.Compile(Loss.SparseCategoricalCrossentropy, BackupRun.CreateOptimizer(optimizer), Metric.Accuracy);
        int lastBackup = 0;
        for (int kill = 0; kill < 2; kill++)
        {
            int after = lastBackup + 1 + random.Next(3);   // wait for this epoch's line
            int delay = random.Next(0, 15);
            RunChild(backup, optimizer, result, killAfterEpoch: after, delayMs: delay);
            int epoch = probe.LoadCheckpoint(backupFile).Epoch;
            output.WriteLine($"kill {kill + 1}: after the line of epoch {after} + {delay} ms; the backup has {epoch} epochs");
            Assert.InRange(epoch, after + 1, after + 2);   // killed in the epoch after the line's (or waiting for the next)
            Assert.True(epoch > lastBackup);
            lastBackup = epoch;
        }
        (int first, int count) = RunChild(backup, optimizer, result, killAfterEpoch: null, delayMs: 0);
        Assert.Equal(lastBackup, first);                       // resumed from the last completed epoch
        Assert.Equal(BackupRun.Epochs - lastBackup, count);    // and ran only the rest
        Assert.False(Directory.Exists(backup));                // deleted after the normal end

        var actual = new BackupNet(seed: 0);
        actual.LoadWeights(result);
        AssertBitIdentical(expected.Parameters, actual.Parameters, $"{optimizer}: ");
    }

    /// <summary>
    /// Runs the child's backup mode. To kill it: lets it run epoch by epoch ("ready n" → "go") until its
    /// "epoch n" line for <paramref name="killAfterEpoch"/>, lets the next epoch start, waits
    /// <paramref name="delayMs"/> and kills it (mid-epoch, mid-save or waiting). Otherwise closes its
    /// input so that it runs freely and waits for "done first count".
    /// </summary>
    private static (int First, int Count) RunChild(string backup, string optimizer, string result, int? killAfterEpoch, int delayMs)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { CrashSafetyTests.CrashChild.Path, "backup", backup, optimizer, result }) start.ArgumentList.Add(argument);
        var lines = new BlockingCollection<string>();
        var errors = new System.Text.StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (killAfterEpoch is null) process.StandardInput.Close();
        bool killNext = false;
        try
        {
            while (true)
            {
                if (!lines.TryTake(out string? line, TimeSpan.FromSeconds(60)))
                    throw new TimeoutException($"No line from the child (exited: {process.HasExited}); stderr: {errors}");
                string[] parts = line.Split(' ');
                if (killAfterEpoch is int n && parts[0] == "epoch" && int.Parse(parts[1], CultureInfo.InvariantCulture) >= n) killNext = true;
                if (killAfterEpoch is not null && parts[0] == "ready")
                {
                    process.StandardInput.WriteLine("go");
                    process.StandardInput.Flush();
                    if (!killNext) continue;
                    Thread.Sleep(delayMs);
                    Assert.False(process.HasExited, $"The child finished before it was killed; stderr: {errors}");
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                    return (-1, 0);
                }
                if (parts[0] == "done")
                {
                    process.WaitForExit();
                    Assert.Equal(0, process.ExitCode);
                    return (int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
                }
            }
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
