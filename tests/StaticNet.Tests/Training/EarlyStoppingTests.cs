using System;
using System.Collections.Generic;
using System.IO;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>EarlyStopping driven with scripted values; expected stop epochs traced by hand from Keras 3's algorithm.</summary>
public class EarlyStoppingTests
{
    /// <summary>Feeds one value per epoch under <paramref name="key"/>; returns the epoch at which StopTraining was set, or -1.</summary>
    private static int Drive(EarlyStopping callback, string key, params double[] values)
    {
        var model = new FitRegressionNet(seed: 1);
        model.Compile(Loss.MeanSquaredError, new Sgd(), Metric.MeanAbsoluteError);
        return Drive(callback, model, key, values);
    }

    private static int Drive(EarlyStopping callback, NeuralNetwork model, string key, params double[] values)
    {
        callback.SetModel(model);
        model.StopTraining = false;
        callback.OnTrainBegin();
        for (int epoch = 0; epoch < values.Length; epoch++)
        {
            callback.OnEpochEnd(epoch, new Logs { ["loss"] = 123, [key] = values[epoch] });
            if (model.StopTraining) return epoch;
        }
        return -1;
    }

    [Fact]
    public void PatienceZero_StopsAtTheFirstEpochWithoutImprovement()
    {
        var es = new EarlyStopping(patience: 0);
        Assert.Equal(2, Drive(es, "val_loss", 1.0, 0.9, 0.95, 0.8));
        Assert.Equal(2, es.StoppedEpoch);
        Assert.Equal(0.9, es.Best);
    }

    [Fact]
    public void PatienceTwo_StopsAfterTwoEpochsWithoutImprovement()
    {
        Assert.Equal(3, Drive(new EarlyStopping(patience: 2), "val_loss", 1.0, 0.9, 0.95, 0.92, 0.91, 0.5));
        // An improvement in between resets the count.
        Assert.Equal(5, Drive(new EarlyStopping(patience: 2), "val_loss", 1.0, 0.95, 0.96, 0.94, 0.97, 0.98));
        // Never two bad epochs in a row: never stops.
        var es = new EarlyStopping(patience: 2);
        Assert.Equal(-1, Drive(es, "val_loss", 1.0, 1.1, 0.9, 1.0, 0.8, 0.85));
        Assert.Equal(0, es.StoppedEpoch);
        Assert.Equal(1, es.Wait);
    }

    [Fact]
    public void MinDelta_SmallImprovementsDoNotCount()
    {
        // 0.80 is lower than 0.85 but not by more than 0.1.
        Assert.Equal(2, Drive(new EarlyStopping(minDelta: 0.1, patience: 1), "val_loss", 1.0, 0.85, 0.80, 0.79));
        Assert.Equal(-1, Drive(new EarlyStopping(minDelta: 0, patience: 1), "val_loss", 1.0, 0.85, 0.80, 0.79));
        // The sign of minDelta is ignored, as Keras's abs(min_delta).
        Assert.Equal(2, Drive(new EarlyStopping(minDelta: -0.1, patience: 1), "val_loss", 1.0, 0.85, 0.80, 0.79));
    }

    [Fact]
    public void ModeMax_AndAutoModeForAccuracy_WatchForIncreases()
    {
        Assert.Equal(2, Drive(new EarlyStopping(monitor: "val_accuracy", mode: MonitorMode.Max), "val_accuracy", 0.5, 0.6, 0.55, 0.7));
        Assert.Equal(2, Drive(new EarlyStopping(monitor: "val_accuracy"), "val_accuracy", 0.5, 0.6, 0.55, 0.7));
        // Forcing min mode on the same sequence stops at the first increase.
        Assert.Equal(1, Drive(new EarlyStopping(monitor: "val_accuracy", mode: MonitorMode.Min), "val_accuracy", 0.5, 0.6, 0.55, 0.7));
        // Max mode with minDelta: 0.6 must exceed 0.5 by more than 0.2.
        Assert.Equal(1, Drive(new EarlyStopping(monitor: "acc_like", mode: MonitorMode.Max, minDelta: 0.2), "acc_like", 0.5, 0.6));
    }

    [Fact]
    public void AutoMode_UsesTheCompiledMetricsDirection()
    {
        // mean_absolute_error is compiled in Drive's model: lower is better.
        var es = new EarlyStopping(monitor: "val_mean_absolute_error");
        Assert.Equal(1, Drive(es, "val_mean_absolute_error", 0.5, 0.6));
        Assert.False(es.Maximizes);

        // Compiled 'accuracy' goes up.
        var model = new FitClassifierNet(seed: 1);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Sgd(), Metric.Accuracy);
        var up = new EarlyStopping(monitor: "accuracy");
        Assert.Equal(-1, Drive(up, model, "accuracy", 0.5, 0.6, 0.7));
        Assert.True(up.Maximizes);
    }

    [Fact]
    public void Baseline_WaitIsNotResetUntilTheBaselineIsBeaten()
    {
        // Improving every epoch but never below 0.5: the wait keeps counting, and the first
        // epoch without improvement stops at once (wait 4 >= patience 2).
        Assert.Equal(3, Drive(new EarlyStopping(patience: 2, baseline: 0.5), "val_loss", 0.9, 0.8, 0.7, 0.75));
        // Without the baseline the same sequence does not stop (wait 1 < 2).
        Assert.Equal(-1, Drive(new EarlyStopping(patience: 2), "val_loss", 0.9, 0.8, 0.7, 0.75));
        // Beating the baseline (0.85) at epoch 1 resets the wait; stops two bad epochs later.
        Assert.Equal(4, Drive(new EarlyStopping(patience: 2, baseline: 0.85), "val_loss", 0.9, 0.8, 0.7, 0.75, 0.76));
    }

    [Fact]
    public void StartFromEpoch_IgnoresTheWarmUpEpochs()
    {
        var es = new EarlyStopping(patience: 0, startFromEpoch: 2);
        Assert.Equal(3, Drive(es, "val_loss", 1, 2, 3, 4));
        Assert.Equal(3, es.Best);
    }

    [Fact]
    public void MissingMonitor_WarnsAndDoesNotStop()
    {
        var model = new FitRegressionNet(seed: 1);
        model.Compile(Loss.MeanSquaredError, new Sgd());
        var output = new StringWriter();
        model.ProgressOutput = output;
        Assert.Equal(-1, Drive(new EarlyStopping(monitor: "val_loss"), model, "other", 1, 2, 3));
        Assert.Contains("Early stopping conditioned on metric `val_loss` which is not available. Available metrics are: loss,other", output.ToString());
    }

    [Fact]
    public void BestCarriesOverToTheNextTraining_AsInKeras3()
    {
        var model = new FitRegressionNet(seed: 1);
        model.Compile(Loss.MeanSquaredError, new Sgd());
        var es = new EarlyStopping(patience: 1);
        Assert.Equal(-1, Drive(es, model, "val_loss", 0.5));
        // Second run: 0.6 and 0.7 do not beat 0.5; epoch 0 never stops, epoch 1 does (wait 2 >= 1).
        Assert.Equal(1, Drive(es, model, "val_loss", 0.6, 0.7));
        Assert.Equal(0.5, es.Best);
    }

    [Fact]
    public void RestoreBestWeights_RestoresTheBestEpochsWeights_WhenStoppedEarly()
    {
        var (model, snapshots, history, es) = TrainWithScript(new double[] { 3, 1, 2, 2.5, 4, 5 }, patience: 2, epochs: 6);
        // Best 1 at epoch 1; epochs 2 and 3 do not improve: stop at 3.
        Assert.Equal(new[] { 0, 1, 2, 3 }, history.Epoch);
        Assert.Equal(3, es.StoppedEpoch);
        Assert.Equal(1, es.BestEpoch);
        Assert.Equal(snapshots[1], model.Parameters.ToArray());
        Assert.NotEqual(snapshots[3], model.Parameters.ToArray());
    }

    [Fact]
    public void RestoreBestWeights_RestoresAtTheEndEvenWithoutAnEarlyStop_AsInKeras3()
    {
        var (model, snapshots, history, es) = TrainWithScript(new double[] { 3, 1, 2 }, patience: 5, epochs: 3);
        Assert.Equal(3, history.Epoch.Count);
        Assert.Equal(0, es.StoppedEpoch);
        Assert.Equal(snapshots[1], model.Parameters.ToArray());
        Assert.NotEqual(snapshots[2], model.Parameters.ToArray());
    }

    [Fact]
    public void WithoutRestoreBestWeights_TheLastWeightsStay()
    {
        var (model, snapshots, _, _) = TrainWithScript(new double[] { 3, 1, 2, 2.5 }, patience: 2, epochs: 4, restore: false);
        Assert.Equal(snapshots[3], model.Parameters.ToArray());
    }

    /// <summary>
    /// Trains a real model; a callback writes the scripted "score" into each epoch's logs before
    /// EarlyStopping reads it, and another snapshots the parameters at every epoch end.
    /// </summary>
    private static (FitRegressionNet, Dictionary<int, float[]>, History, EarlyStopping) TrainWithScript(double[] script, int patience, int epochs, bool restore = true)
    {
        float[,] x = FitTestData.Inputs(32, 3, seed: 5);
        var y = new float[32];
        for (int i = 0; i < y.Length; i++) y[i] = x[i, 0] - 2 * x[i, 1];
        var model = new FitRegressionNet(seed: 9);
        model.Compile(Loss.MeanSquaredError, new Sgd(learningRate: 0.05f));
        var snapshots = new Dictionary<int, float[]>();
        var inject = new LambdaCallback(onEpochEnd: (epoch, logs) => logs["score"] = script[epoch]);
        var snapshot = new LambdaCallback(onEpochEnd: (epoch, _) => snapshots[epoch] = model.Parameters.ToArray());
        var es = new EarlyStopping(monitor: "score", mode: MonitorMode.Min, patience: patience, restoreBestWeights: restore);
        History history = model.Fit(x, y, epochs: epochs, batchSize: 8, verbose: 0, callbacks: [inject, snapshot, es]);
        Assert.Equal(script[..history.Epoch.Count], history["score"]);
        return (model, snapshots, history, es);
    }
}
