using System;
using System.IO;
using System.Linq;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Reliability;

/// <summary>
/// Training that diverges stops with a clear message (or under <see cref="TerminateOnNaN"/>), and
/// <see cref="ModelCheckpoint"/> never writes NaN weights over a good file. Extreme logits stay
/// finite through the public training and evaluation paths (the losses' own arithmetic at ±1e4 is
/// covered by Numerics/LossTests).
/// </summary>
public sealed class NumericalSafetyTests
{
    /// <summary>64 samples, y = 1000·x0: an MSE regression that SGD with a huge learning rate blows up.</summary>
    private static (float[,] X, float[] Y) Data()
    {
        float[,] x = ReliabilityData.Matrix(seed: 8, samples: 64, columns: 3);
        var y = new float[64];
        for (int i = 0; i < y.Length; i++) y[i] = 1000 * x[i, 0];
        return (x, y);
    }

    private static GuardRegressionNet Regression(float learningRate, StringWriter output)
    {
        var model = new GuardRegressionNet(seed: 5);
        model.Compile(Loss.MeanSquaredError, new Sgd(learningRate));
        model.ProgressOutput = output;
        return model;
    }

    [Fact]
    public void DivergingFit_StopsAfterTheEpochWhoseLossIsNotFinite_AndSaysWhy()
    {
        var (x, y) = Data();
        var output = new StringWriter();
        GuardRegressionNet model = Regression(1e6f, output);
        bool trainEnded = false;

        History history = model.Fit(x, y, epochs: 50, batchSize: 4, verbose: 0,
            callbacks: [new LambdaCallback(onTrainEnd: _ => trainEnded = true)]);

        // It stopped at the first non-finite epoch instead of running 50 epochs of NaN.
        int last = history.Epoch.Count - 1;
        Assert.True(last < 49, "Fit ran every epoch on a diverged model.");
        Assert.False(double.IsFinite(history["loss"][last]));
        Assert.All(history["loss"].Take(last), v => Assert.True(double.IsFinite(v)));
        Assert.True(model.StopTraining);
        Assert.True(trainEnded, "OnTrainEnd must run: callbacks such as EarlyStopping restore weights there.");
        string text = output.ToString();
        Assert.Contains($"Training diverged at epoch {last + 1}: loss is ", text);
        Assert.Contains("; stopping. Lower the learning rate (it is 1000000)", text);
        Assert.Contains("TerminateOnNaN", text);
        // The message is written even with verbose: 0, once.
        Assert.Single(text.Split('\n'), l => l.Contains("Training diverged", StringComparison.Ordinal));
    }

    [Fact]
    public void DivergingFit_WithTerminateOnNaN_LeavesTheMessageToIt()
    {
        var (x, y) = Data();
        var output = new StringWriter();
        GuardRegressionNet model = Regression(1e6f, output);
        var nan = new TerminateOnNaN();
        History history = model.Fit(x, y, epochs: 50, batchSize: 4, verbose: 0, callbacks: [nan]);
        Assert.Single(history.Epoch);
        Assert.True(nan.TerminatedAtBatch >= 0);
        Assert.Contains("Invalid loss, terminating training", output.ToString());
        Assert.DoesNotContain("Training diverged", output.ToString());
    }

    [Fact]
    public void HealthyFit_RunsEveryEpoch_AndPrintsNoWarning()
    {
        var (x, y) = Data();
        var output = new StringWriter();
        GuardRegressionNet model = Regression(1e-4f, output);
        History history = model.Fit(x, y, epochs: 5, batchSize: 8, verbose: 0);
        Assert.Equal(5, history.Epoch.Count);
        Assert.Equal("", output.ToString());
        Assert.False(model.StopTraining);
    }

    [Fact]
    public void Divergence_NeverOverwritesAGoodCheckpoint()
    {
        // Three good epochs, each saved by ModelCheckpoint to the same file; then the learning rate
        // jumps and the fourth epoch diverges. The file must still hold the third epoch's weights.
        var (x, y) = Data();
        var output = new StringWriter();
        GuardRegressionNet model = Regression(1e-4f, output);
        using var dir = new ReliabilityData.TempDirectory("diverge");
        string path = dir.File("last.weights");
        float[]? goodWeights = null;
        var checkpoint = new ModelCheckpoint(path, monitor: "loss", verbose: 1, saveWeightsOnly: true);
        var sabotage = new LambdaCallback(onEpochEnd: (epoch, _) =>
        {
            if (epoch != 2) return;
            goodWeights = model.Parameters.ToArray();   // what the checkpoint (before this callback) saved
            model.Optimizer!.LearningRate = 1e6f;
        });

        History history = model.Fit(x, y, epochs: 30, batchSize: 4, verbose: 0, callbacks: [checkpoint, sabotage]);

        Assert.Equal(4, history.Epoch.Count);                       // epochs 1-3 good, 4 diverged, then stopped
        Assert.True(double.IsFinite(history["loss"][2]));
        Assert.False(double.IsFinite(history["loss"][3]));
        Assert.Contains(model.Parameters.ToArray(), v => !float.IsFinite(v));   // the model itself is ruined
        string text = output.ToString();
        Assert.Contains($"Epoch 4: not saving to {path}: the loss is ", text);
        Assert.Contains("the previous file is kept", text);
        Assert.Contains("Training diverged at epoch 4", text);
        Assert.DoesNotContain("Epoch 4: saving model", text);

        var restored = new GuardRegressionNet(seed: 99);
        restored.LoadWeights(path);
        Assert.All(restored.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(goodWeights, restored.Parameters.ToArray());
        Assert.Equal(path, checkpoint.LastSavedPath);
    }

    [Fact]
    public void ModelCheckpoint_RefusesNonFiniteWeights_EvenWhenTheLogsLookFine()
    {
        using var dir = new ReliabilityData.TempDirectory("nanweights");
        string path = dir.File("w.bin");
        var model = new GuardRegressionNet(seed: 1);
        var output = new StringWriter();
        model.ProgressOutput = output;
        var checkpoint = new ModelCheckpoint(path, monitor: "val_loss", saveBestOnly: true, saveWeightsOnly: true);
        checkpoint.SetModel(model);

        checkpoint.OnEpochEnd(0, new Logs { ["loss"] = 1.0, ["val_loss"] = 1.0 });
        Assert.True(File.Exists(path));
        byte[] good = File.ReadAllBytes(path);
        Assert.Equal(1.0, checkpoint.Best);

        // An improving val_loss, but a weight went NaN (say, from a custom training step).
        model.Parameters[7] = float.NaN;
        checkpoint.OnEpochEnd(1, new Logs { ["loss"] = 0.5, ["val_loss"] = 0.5 });
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Equal(1.0, checkpoint.Best);                          // not counted as the best either
        Assert.Contains("Epoch 2: not saving to", output.ToString());
        Assert.Contains("parameter 7 is nan", output.ToString());

        model.Parameters[7] = float.NegativeInfinity;
        checkpoint.OnEpochEnd(2, new Logs { ["loss"] = 0.4, ["val_loss"] = 0.4 });
        Assert.Equal(good, File.ReadAllBytes(path));

        // Finite again: saved.
        model.Parameters[7] = 0.25f;
        checkpoint.OnEpochEnd(3, new Logs { ["loss"] = 0.3, ["val_loss"] = 0.3 });
        Assert.NotEqual(good, File.ReadAllBytes(path));
        Assert.Equal(0.3, checkpoint.Best);
    }

    [Theory]
    [InlineData(false, double.NaN)]
    [InlineData(false, double.PositiveInfinity)]
    [InlineData(true, double.NegativeInfinity)]   // "improves" on any best in min mode
    [InlineData(true, double.NaN)]
    public void ModelCheckpoint_RefusesANonFiniteMonitoredValueOrLoss(bool saveBestOnly, double bad)
    {
        using var dir = new ReliabilityData.TempDirectory("nanlogs");
        string path = dir.File("w.bin");
        var model = new GuardRegressionNet(seed: 1);
        model.ProgressOutput = new StringWriter();
        var checkpoint = new ModelCheckpoint(path, monitor: "val_loss", saveBestOnly: saveBestOnly, saveWeightsOnly: true);
        checkpoint.SetModel(model);
        checkpoint.OnEpochEnd(0, new Logs { ["loss"] = 1.0, ["val_loss"] = 1.0 });
        byte[] good = File.ReadAllBytes(path);
        model.Parameters[0] += 1;   // a save would change the file

        checkpoint.OnEpochEnd(1, new Logs { ["loss"] = 1.0, ["val_loss"] = bad });
        Assert.Equal(good, File.ReadAllBytes(path));
        checkpoint.OnEpochEnd(2, new Logs { ["loss"] = bad, ["val_loss"] = 0.5 });
        Assert.Equal(good, File.ReadAllBytes(path));
        if (saveBestOnly) Assert.Equal(1.0, checkpoint.Best);
        Assert.Equal(2, model.ProgressOutput.ToString()!.Split("not saving to").Length - 1);
    }

    [Fact]
    public void EarlyStoppingWithRestoreBestWeights_RecoversFiniteWeightsAfterDivergence()
    {
        // The graceful stop lets OnTrainEnd run, so the best epoch's weights come back.
        var (x, y) = Data();
        GuardRegressionNet model = Regression(1e-4f, new StringWriter());
        var early = new EarlyStopping(monitor: "loss", patience: 5, restoreBestWeights: true);
        var sabotage = new LambdaCallback(onEpochEnd: (epoch, _) => { if (epoch == 1) model.Optimizer!.LearningRate = 1e6f; });
        History history = model.Fit(x, y, epochs: 30, batchSize: 4, verbose: 0, callbacks: [early, sabotage]);
        Assert.Equal(3, history.Epoch.Count);
        Assert.All(model.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1, early.BestEpoch);
    }

    // ------------------------------------------------------------------ extreme logits through the public paths

    [Fact]
    public void SaturatedSoftmaxWithOneHotCrossentropy_EvaluatesAndTrainsFinitely()
    {
        // Softmax output with one-hot targets (CategoricalCrossentropy, not from logits): logits of
        // ±1e4, the wrong class winning. The loss is about 2e4 per sample, the gradient finite.
        var model = new GuardClassifierNet(seed: 1);
        model.Compile(Loss.CategoricalCrossentropy, new Sgd(1e-6f), Metric.Accuracy);
        Saturate(model);
        var x = new float[,] { { 1, 0, 0 }, { 1, 0, 0 } };
        var y = new float[,] { { 0, 1, 0 }, { 1, 0, 0 } };   // sample 0 wrong (logit 1e4 on class 0), sample 1 right

        Evaluation evaluation = model.Evaluate(x, y);
        Assert.True(double.IsFinite(evaluation.Loss), $"loss {evaluation.Loss}");
        Assert.InRange(evaluation.Loss, 0.99e4, 1.01e4);             // (2e4 + 0) / 2
        var g = new float[model.NetworkShape.ParameterCount];
        double loss = model.ComputeGradients(new float[] { 1, 0, 0, 1, 0, 0 }, new float[] { 0, 1, 0, 1, 0, 0 }, 2, g);
        Assert.Equal(evaluation.Loss, loss, 6);
        Assert.All(g, v => Assert.True(float.IsFinite(v)));
        History history = model.Fit(x, y, epochs: 2, batchSize: 2, verbose: 0);
        Assert.All(history["loss"], v => Assert.True(double.IsFinite(v)));
        Assert.All(model.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void SaturatedSigmoidWithBinaryCrossentropy_EvaluatesAndTrainsFinitely()
    {
        // Logit ±1e4 on the wrong side: loss 1e4 per sample, fused gradient ±1.
        var model = new GuardBinaryNet(seed: 1);
        model.Compile(Loss.BinaryCrossentropy, new Sgd(1e-6f), Metric.Accuracy);
        Saturate(model);
        var x = new float[,] { { 1, 0 }, { -1, 0 } };
        var y = new float[] { 0, 1 };
        Evaluation evaluation = model.Evaluate(x, y);
        Assert.True(double.IsFinite(evaluation.Loss), $"loss {evaluation.Loss}");
        Assert.InRange(evaluation.Loss, 0.99e4, 1.01e4);
        var g = new float[model.NetworkShape.ParameterCount];
        model.ComputeGradients(new float[] { 1, 0, -1, 0 }, y, 2, g);
        Assert.All(g, v => Assert.True(float.IsFinite(v)));
        History history = model.Fit(x, y, epochs: 2, batchSize: 2, verbose: 0);
        Assert.All(history["loss"], v => Assert.True(double.IsFinite(v)));
        Assert.All(model.Parameters.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>
    /// Makes the hidden layer pass input 0 through (weight 1 into hidden unit 0; tanh/relu of 1 is
    /// positive) and the output layer scale it to a logit of 1e4 on output 0 (−1e4 on output 1).
    /// </summary>
    private static void Saturate(NeuralNetwork model)
    {
        NetworkShape shape = model.NetworkShape;
        model.Parameters.Clear();
        model.Parameters[shape.WeightOffset(0)] = 1f;                               // W0[0, 0]
        int w1 = shape.WeightOffset(1), hidden = shape.FanIn(1);
        float h = shape.Activations[0] == Activation.Tanh ? MathF.Tanh(1f) : 1f;
        model.Parameters[w1] = 1e4f / h;                                           // W1[0, 0]
        if (shape.OutputSize > 1) model.Parameters[w1 + hidden] = -1e4f / h;         // W1[1, 0]
    }
}
