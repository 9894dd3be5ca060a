using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>The order of callback events, stopping, cancellation, TerminateOnNaN, ReduceLROnPlateau and ModelCheckpoint.</summary>
public class CallbackTests
{
    private static (float[,] X, float[] Y) Regression(int samples)
    {
        float[,] x = FitTestData.Inputs(samples, 3, seed: 21);
        var y = new float[samples];
        for (int i = 0; i < samples; i++) y[i] = x[i, 0] + 0.5f * x[i, 2];
        return (x, y);
    }

    private static FitRegressionNet Model(float learningRate = 0.05f)
    {
        var model = new FitRegressionNet(seed: 5);
        model.Compile(Loss.MeanSquaredError, new Sgd(learningRate: learningRate));
        model.ProgressOutput = TextWriter.Null;
        return model;
    }

    private static LambdaCallback Recorder(List<string> events, string name) => new(
        onTrainBegin: () => events.Add($"{name} train_begin"),
        onTrainEnd: logs => events.Add($"{name} train_end {logs.Count}"),
        onEpochBegin: e => events.Add($"{name} epoch_begin {e}"),
        onEpochEnd: (e, logs) => events.Add($"{name} epoch_end {e} {string.Join(",", logs.Keys)}"),
        onBatchBegin: b => events.Add($"{name} batch_begin {b}"),
        onBatchEnd: (b, logs) => events.Add($"{name} batch_end {b}"));

    [Fact]
    public void LambdaCallback_SeesKerasOrderOfEvents()
    {
        var (x, y) = Regression(10);
        var events = new List<string>();
        Model().Fit(x, y, epochs: 2, batchSize: 4, verbose: 0, validationSplit: 0.2, callbacks: [Recorder(events, "A"), Recorder(events, "B")]);

        // 8 training rows in batches of 4: 2 batches per epoch.
        var expected = new List<string> { "A train_begin", "B train_begin" };
        for (int e = 0; e < 2; e++)
        {
            expected.Add($"A epoch_begin {e}");
            expected.Add($"B epoch_begin {e}");
            for (int b = 0; b < 2; b++)
            {
                expected.Add($"A batch_begin {b}");
                expected.Add($"B batch_begin {b}");
                expected.Add($"A batch_end {b}");
                expected.Add($"B batch_end {b}");
            }
            expected.Add($"A epoch_end {e} loss,val_loss");
            expected.Add($"B epoch_end {e} loss,val_loss");
        }
        expected.Add("A train_end 2");
        expected.Add("B train_end 2");
        Assert.Equal(expected, events);
    }

    [Fact]
    public void BatchLogs_AreTheRunningMeanOfTheEpoch_InOneReusedObject()
    {
        var (x, y) = Regression(12);
        var model = Model();
        var batchLosses = new List<double>();
        var objects = new HashSet<Logs>(ReferenceEqualityComparer.Instance);
        double epochLoss = double.NaN;
        model.Fit(x, y, epochs: 1, batchSize: 4, shuffle: false, verbose: 0, callbacks:
        [
            new LambdaCallback(
                onBatchEnd: (b, logs) => { batchLosses.Add(logs["loss"]); objects.Add(logs); },
                onEpochEnd: (e, logs) => epochLoss = logs["loss"]),
        ]);
        Assert.Equal(3, batchLosses.Count);
        Assert.Single(objects);
        // The last running mean over equal batches is the epoch's mean.
        Assert.Equal(epochLoss, batchLosses[2], 12);
    }

    [Fact]
    public void StopTraining_FromABatch_EndsTheEpochThenTraining()
    {
        var (x, y) = Regression(20);
        var model = Model();
        var events = new List<string>();
        var stopper = new LambdaCallback(onBatchEnd: (b, _) => { if (b == 1) model.StopTraining = true; });
        History history = model.Fit(x, y, epochs: 5, batchSize: 4, verbose: 0, callbacks: [stopper, Recorder(events, "R")]);

        Assert.Equal(new[] { 0 }, history.Epoch);
        Assert.Equal(new[]
        {
            "R train_begin", "R epoch_begin 0", "R batch_begin 0", "R batch_end 0", "R batch_begin 1", "R batch_end 1",
            "R epoch_end 0 loss", "R train_end 1",
        }, events);
        // The next Fit starts with StopTraining reset.
        Assert.Equal(2, model.Fit(x, y, epochs: 2, batchSize: 4, verbose: 0).Epoch.Count);
    }

    [Fact]
    public void Cancellation_StopsBetweenBatches_AndLeavesTheModelConsistent()
    {
        var (x, y) = Regression(40);
        var model = Model();
        using var cts = new CancellationTokenSource();
        float[]? afterBatch2 = null;
        int batchesBegun = 0;
        bool trainEnded = false;
        var callback = new LambdaCallback(
            onBatchBegin: _ => batchesBegun++,
            onBatchEnd: (b, _) => { if (b == 2) { afterBatch2 = model.Parameters.ToArray(); cts.Cancel(); } },
            onTrainEnd: _ => trainEnded = true);

        Assert.Throws<OperationCanceledException>(() =>
            model.Fit(x, y, epochs: 3, batchSize: 4, verbose: 0, callbacks: [callback], cancellationToken: cts.Token));

        Assert.Equal(3, batchesBegun);                                   // batch 3 never started
        Assert.Equal(afterBatch2, model.Parameters.ToArray());            // no half-applied step
        Assert.False(trainEnded);
        // Still usable: evaluates and trains.
        Assert.True(double.IsFinite(model.Evaluate(x, y).Loss));
        Assert.Single(model.Fit(x, y, epochs: 1, verbose: 0).Epoch);

        // An already cancelled token throws before any step.
        float[] before = model.Parameters.ToArray();
        Assert.Throws<OperationCanceledException>(() => model.Fit(x, y, verbose: 0, cancellationToken: cts.Token));
        Assert.Equal(before, model.Parameters.ToArray());
    }

    [Fact]
    public void TerminateOnNaN_StopsAtTheFirstNonFiniteBatchLoss()
    {
        float[,] x = FitTestData.Inputs(64, 3, seed: 8);
        var y = new float[64];
        for (int i = 0; i < y.Length; i++) y[i] = 1000 * x[i, 0];
        var model = Model(learningRate: 1e6f);
        var output = new StringWriter();
        model.ProgressOutput = output;
        var lastBatch = -1;
        var nan = new TerminateOnNaN();
        History history = model.Fit(x, y, epochs: 20, batchSize: 4, verbose: 0,
            callbacks: [new LambdaCallback(onBatchEnd: (b, _) => lastBatch = b), nan]);

        Assert.Single(history.Epoch);
        Assert.True(nan.TerminatedAtBatch >= 0 && nan.TerminatedAtBatch < 15, $"stopped at batch {nan.TerminatedAtBatch}");
        Assert.Equal(nan.TerminatedAtBatch, lastBatch);                   // no batch after it
        Assert.False(double.IsFinite(history["loss"][0]));
        Assert.Contains($"Batch {nan.TerminatedAtBatch}: Invalid loss, terminating training", output.ToString());

        var strict = Model(learningRate: 1e6f);
        Assert.Throws<InvalidOperationException>(() => strict.Fit(x, y, epochs: 20, batchSize: 4, verbose: 0, callbacks: [new TerminateOnNaN(raiseError: true)]));
    }

    [Fact]
    public void ReduceLROnPlateau_DrivenDirectly_ReducesAtTheRightEpochs()
    {
        var model = Model(learningRate: 0.1f);
        var reduce = new ReduceLROnPlateau(monitor: "val_loss", factor: 0.5, patience: 2);
        reduce.SetModel(model);
        reduce.OnTrainBegin();
        double[] script = { 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5 };
        var rates = new List<float>();
        var logged = new List<double>();
        for (int e = 0; e < script.Length; e++)
        {
            var logs = new Logs { ["loss"] = 1, ["val_loss"] = script[e] };
            reduce.OnEpochEnd(e, logs);
            rates.Add(model.Optimizer!.LearningRate);
            logged.Add(logs["learning_rate"]);
        }
        // Traced by hand: no improvement at epochs 1, 2 -> halve at 2; improvement at 3; halve again at 5.
        Assert.Equal(new[] { 0.1f, 0.1f, 0.05f, 0.05f, 0.05f, 0.025f, 0.025f }, rates);
        // The logs carry the rate in force during the epoch (before the reduction), as Keras 3.
        Assert.Equal(new double[] { 0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.05f, 0.025f }, logged);
    }

    [Fact]
    public void ReduceLROnPlateau_CooldownAndMinLr()
    {
        var model = Model(learningRate: 0.1f);
        var reduce = new ReduceLROnPlateau(monitor: "loss", factor: 0.1, patience: 1, cooldown: 2);
        reduce.SetModel(model);
        reduce.OnTrainBegin();
        var rates = new List<float>();
        for (int e = 0; e < 6; e++)
        {
            reduce.OnEpochEnd(e, new Logs { ["loss"] = 1 });
            rates.Add(model.Optimizer!.LearningRate);
        }
        // Reductions at epochs 1, 3 and 5: after each, one epoch of cooldown passes before counting again.
        // Keras: new_lr = float(lr) * factor in double precision, stored in a float32 variable.
        static float Reduced(float lr) => (float)((double)lr * 0.1);
        float r1 = Reduced(0.1f), r2 = Reduced(r1), r3 = Reduced(r2);
        Assert.Equal(new[] { 0.1f, r1, r1, r2, r2, r3 }, rates);

        var floor = Model(learningRate: 0.1f);
        var bounded = new ReduceLROnPlateau(monitor: "loss", factor: 0.1, patience: 0, minLr: 0.05);
        bounded.SetModel(floor);
        bounded.OnTrainBegin();
        for (int e = 0; e < 4; e++) bounded.OnEpochEnd(e, new Logs { ["loss"] = 1 });
        Assert.Equal(0.05f, floor.Optimizer!.LearningRate);

        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(factor: 1.0));
    }

    [Fact]
    public void ReduceLROnPlateau_InFit_ChangesTheRateForTheFollowingEpoch_AndRecordsIt()
    {
        var (x, y) = Regression(16);
        var model = Model(learningRate: 0.1f);
        double[] script = { 3, 2, 2, 2, 1, 1 };
        var rateAtEpochBegin = new List<float>();
        History history = model.Fit(x, y, epochs: 6, batchSize: 8, verbose: 0, callbacks:
        [
            new LambdaCallback(onEpochBegin: _ => rateAtEpochBegin.Add(model.Optimizer!.LearningRate),
                               onEpochEnd: (e, logs) => logs["score"] = script[e]),
            new ReduceLROnPlateau(monitor: "score", factor: 0.5, patience: 2),
        ]);
        // No improvement at epochs 2 and 3: halved at the end of epoch 3, used from epoch 4 on; then
        // epoch 4 improves and epoch 5 is one bad epoch.
        Assert.Equal(new[] { 0.1f, 0.1f, 0.1f, 0.1f, 0.05f, 0.05f }, rateAtEpochBegin);
        Assert.Equal(new[] { "loss", "score", "learning_rate" }, history.Keys);
        Assert.Equal(new double[] { 0.1f, 0.1f, 0.1f, 0.1f, 0.05f, 0.05f }, history["learning_rate"]);
    }

    [Fact]
    public void ModelCheckpoint_SavesEachEpoch_WithKerasPathFields()
    {
        string folder = Path.Combine(Path.GetTempPath(), "staticnet-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (x, y) = Regression(20);
            var model = Model();
            var saved = new Dictionary<int, float[]>();
            var checkpoint = new ModelCheckpoint(Path.Combine(folder, "sub", "w.{epoch:02d}-{val_loss:.2f}.bin"), saveWeightsOnly: true);
            History history = model.Fit(x, y, epochs: 3, batchSize: 4, verbose: 0, validationSplit: 0.25, callbacks:
            [
                checkpoint,
                new LambdaCallback(onEpochEnd: (e, _) => saved[e] = model.Parameters.ToArray()),
            ]);
            string[] files = Directory.GetFiles(Path.Combine(folder, "sub"));
            Assert.Equal(3, files.Length);
            for (int e = 0; e < 3; e++)
            {
                string name = $"w.{e + 1:00}-{history["val_loss"][e].ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}.bin";
                string path = Path.Combine(folder, "sub", name);
                Assert.True(File.Exists(path), name);
                var copy = new FitRegressionNet(seed: 77);
                copy.LoadWeights(path);
                Assert.Equal(saved[e], copy.Parameters.ToArray());
            }
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ModelCheckpoint_SaveBestOnly_KeepsTheBestEpoch()
    {
        string folder = Path.Combine(Path.GetTempPath(), "staticnet-best-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (x, y) = Regression(16);
            var model = Model();
            string path = Path.Combine(folder, "best.bin");
            double[] script = { 0.5, 0.3, 0.4, 0.2, 0.25 };
            var saved = new Dictionary<int, float[]>();
            var output = new StringWriter();
            model.ProgressOutput = output;
            var checkpoint = new ModelCheckpoint(path, monitor: "score", saveBestOnly: true, mode: MonitorMode.Min, verbose: 1, saveWeightsOnly: true);
            model.Fit(x, y, epochs: 5, batchSize: 8, verbose: 0, callbacks:
            [
                new LambdaCallback(onEpochEnd: (e, logs) => { logs["score"] = script[e]; saved[e] = model.Parameters.ToArray(); }),
                checkpoint,
            ]);
            var copy = new FitRegressionNet(seed: 77);
            copy.LoadWeights(path);
            Assert.Equal(saved[3], copy.Parameters.ToArray());
            Assert.Equal(0.2, checkpoint.Best);
            string text = output.ToString();
            Assert.Contains("Epoch 1: score improved from inf to 0.50000, saving model to " + path, text);
            Assert.Contains("Epoch 3: score did not improve from 0.30000", text);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ModelCheckpoint_PathFields_FollowPythonFormat()
    {
        // Expected strings printed by Python's str.format with the same values.
        var checkpoint = new ModelCheckpoint("w.{epoch:02d}-{val_loss:.2f}.bin");
        Assert.Equal("w.03-0.16.bin", checkpoint.FormatPath(2, new Logs { ["val_loss"] = 0.1571 }));
        var logs = new Logs { ["loss"] = 0.5, ["val_accuracy"] = 0.98765 };
        Assert.Equal("12_0.5_0.988_  12_5.00e-01_12 |",
            new ModelCheckpoint("{epoch}_{loss}_{val_accuracy:.3f}_{epoch:>4}_{loss:.2e}_{epoch:<3d}|").FormatPath(11, logs));
        Assert.Equal("0000.123|+0.1|007|{x}|0.123456|0.123|12.3%",
            new ModelCheckpoint("{loss:08.3f}|{loss:+.1f}|{epoch:03}|{{x}}|{loss:g}|{loss:.3}|{loss:.1%}").FormatPath(6, new Logs { ["loss"] = 0.123456 }));
        Assert.Throws<KeyNotFoundException>(() => new ModelCheckpoint("w.{val_loss}.bin").FormatPath(0, new Logs { ["loss"] = 1 }));
        Assert.Throws<FormatException>(() => new ModelCheckpoint("w.{loss:02d}.bin").FormatPath(0, new Logs { ["loss"] = 1 }));
    }
}
