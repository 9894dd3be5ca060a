using System;
using System.Collections.Generic;
using System.IO;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>LearningRateScheduler (Keras's per-epoch callback) and the refusal to set a scheduled optimizer's rate.</summary>
public sealed class LearningRateSchedulerTests
{
    private static (float[,] X, float[] Y) Data()
    {
        float[,] x = FitTestData.Inputs(16, 3, seed: 4);
        var y = new float[16];
        for (int i = 0; i < y.Length; i++) y[i] = x[i, 0] - x[i, 1];
        return (x, y);
    }

    private static FitRegressionNet Model(Optimizer optimizer, TextWriter? output = null)
    {
        var model = new FitRegressionNet(seed: 5);
        model.Compile(Loss.MeanSquaredError, optimizer);
        model.ProgressOutput = output ?? TextWriter.Null;
        return model;
    }

    [Fact]
    public void TheRateIsSetAtEachEpochStart_FromTheEpochAndTheCurrentRate_AndLogged()
    {
        var (x, y) = Data();
        FitRegressionNet model = Model(new Sgd(0.1f));
        var seen = new List<float>();
        var recorder = new LambdaCallback(onBatchBegin: batch => { if (batch == 0) seen.Add(model.Optimizer!.LearningRate); });
        var epochs = new List<int>();
        History history = model.Fit(x, y, epochs: 5, initialEpoch: 1, batchSize: 4, verbose: 0, callbacks:
        [
            new LearningRateScheduler((epoch, lr) => { epochs.Add(epoch); return epoch < 3 ? lr : lr * 0.5; }),
            recorder,
        ]);
        Assert.Equal(new[] { 1, 2, 3, 4 }, epochs);   // the epoch counts from initialEpoch, as Keras's
        Assert.Equal(new[] { 0.1f, 0.1f, 0.05f, 0.025f }, seen);
        Assert.Equal(new double[] { 0.1f, 0.1f, 0.05f, 0.025f }, history["learning_rate"]);
        Assert.Equal(0.025f, model.Optimizer!.LearningRate);
    }

    [Fact]
    public void TheEpochOnlyOverload_AndVerbose_WorkAsKeras()
    {
        var (x, y) = Data();
        var output = new StringWriter();
        FitRegressionNet model = Model(new Adam(0.01f), output);
        History history = model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, callbacks:
            [new LearningRateScheduler(epoch => 0.001 * (epoch + 1), verbose: 1)]);
        Assert.Equal(new double[] { 0.001f, 0.002f, 0.003f }, history["learning_rate"]);
        Assert.Contains("Epoch 1: LearningRateScheduler setting learning rate to 0.001.", output.ToString());
        Assert.Contains("Epoch 3: LearningRateScheduler setting learning rate to 0.003.", output.ToString());
    }

    [Fact]
    public void ABadRate_StopsWithTheEpochInTheMessage()
    {
        var (x, y) = Data();
        FitRegressionNet model = Model(new Sgd(0.1f));
        var e = Assert.Throws<InvalidOperationException>(() =>
            model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, callbacks: [new LearningRateScheduler(epoch => epoch == 2 ? 0 : 0.1)]));
        Assert.Contains("returned 0 for epoch 2", e.Message);
        Assert.Throws<ArgumentNullException>(() => new LearningRateScheduler((Func<int, double>)null!));
    }

    [Fact]
    public void WithAScheduledOptimizer_LearningRateSchedulerAndReduceLROnPlateau_Refuse()
    {
        // Keras refuses to set the learning rate of an optimizer built on a LearningRateSchedule;
        // here training fails before its first step, naming both parts.
        var (x, y) = Data();
        var schedule = new CosineDecay(0.1, decaySteps: 10);
        FitRegressionNet model = Model(new Sgd(schedule));
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<InvalidOperationException>(() =>
            model.Fit(x, y, epochs: 2, verbose: 0, callbacks: [new LearningRateScheduler(epoch => 0.01)]));
        Assert.Contains("LearningRateScheduler cannot set the learning rate", e.Message);
        Assert.Contains("CosineDecay(initialLearningRate: 0.1, decaySteps: 10, alpha: 0)", e.Message);
        e = Assert.Throws<InvalidOperationException>(() =>
            model.Fit(x, y, epochs: 2, verbose: 0, callbacks: [new ReduceLROnPlateau(monitor: "loss")]));
        Assert.Contains("ReduceLROnPlateau cannot change the learning rate", e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal(0, model.Optimizer!.Iterations);
    }

    [Fact]
    public void AScheduledOptimizer_FollowsItsScheduleThroughFit()
    {
        // PiecewiseConstantDecay over 4 steps per epoch: steps 0-4 at 0.1, 5-8 at 0.01, then 0.001.
        var (x, y) = Data();
        var schedule = new PiecewiseConstantDecay([4, 8], [0.1, 0.01, 0.001]);
        FitRegressionNet model = Model(new Sgd(schedule));
        var rates = new List<float>();
        model.Fit(x, y, epochs: 3, batchSize: 4, verbose: 0, shuffle: false,
            callbacks: [new LambdaCallback(onBatchBegin: _ => rates.Add(model.Optimizer!.LearningRate))]);
        Assert.Equal(new[] { 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.01f, 0.01f, 0.01f, 0.01f, 0.001f, 0.001f, 0.001f }, rates);
    }
}
