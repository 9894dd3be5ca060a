using System;
using System.IO;
using System.Linq;
using StaticNet;
using StaticNet.Tests.Serialization;
using Xunit;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Training;

/// <summary>
/// ModelCheckpoint writes full checkpoints by default: loading the file an epoch end wrote and
/// fitting on with <c>initialEpoch: info.Epoch</c> ends bit for bit where the uninterrupted run
/// ended, with every optimizer (also with a learning-rate schedule or LearningRateScheduler), a
/// validation split, shuffling, dropout and L2.
/// </summary>
public sealed class ModelCheckpointResumeTests
{
    private const int Epochs = 6;

    public static Optimizer Create(string name) => name switch
    {
        "exponential-adam" => new Adam(new ExponentialDecay(0.02, decaySteps: 7, decayRate: 0.6)),
        "cosine-sgd" => new Sgd(new CosineDecay(0.0, decaySteps: 20, alpha: 0.1, warmupTarget: 0.1, warmupSteps: 6), momentum: 0.9f),
        "piecewise-rmsprop" => new RmsProp(new PiecewiseConstantDecay([9, 17], [0.01, 0.004, 0.001])),
        _ => ResumeTests.Create(name),
    };

    private static ResumeDropoutNet Compiled(string optimizer, int seed)
    {
        var model = new ResumeDropoutNet(seed);
        model.Compile(Loss.SparseCategoricalCrossentropy, Create(optimizer), Metric.Accuracy);
        return model;
    }

    private static History FitFrom(ResumeDropoutNet model, int initialEpoch, params Callback[] callbacks)
    {
        var (x, y) = Classification();
        return model.Fit(x, y, epochs: Epochs, batchSize: 8, shuffle: true, validationSplit: 0.2, initialEpoch: initialEpoch,
            verbose: 0, callbacks: callbacks);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("sgd-momentum")]
    [InlineData("sgd-nesterov")]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    [InlineData("rmsprop-centered-momentum")]
    [InlineData("adagrad")]
    [InlineData("exponential-adam")]
    [InlineData("cosine-sgd")]
    [InlineData("piecewise-rmsprop")]
    public void ResumingFromAnyEpochsCheckpoint_EndsBitIdentical(string optimizer)
    {
        using var dir = new TempDirectory();
        ResumeDropoutNet uninterrupted = Compiled(optimizer, seed: 21);
        History full = FitFrom(uninterrupted, 0, new ModelCheckpoint(Path.Combine(dir.Path, "run-{epoch:02d}.ckpt")));

        for (int completed = 1; completed < Epochs; completed++)
        {
            ResumeDropoutNet resumed = Compiled(optimizer, seed: 5);   // other weights, another generator
            CheckpointInfo info = resumed.LoadCheckpoint(Path.Combine(dir.Path, $"run-{completed:00}.ckpt"));
            Assert.Equal(completed, info.Epoch);   // the file of epoch n (1-based in the name) has n epochs completed
            History rest = FitFrom(resumed, info.Epoch);
            AssertBitIdentical(uninterrupted.Parameters, resumed.Parameters, $"resumed after {completed} epochs: ");
            Assert.Equal(uninterrupted.Optimizer!.Iterations, resumed.Optimizer!.Iterations);
            Assert.Equal(full["val_loss"].Skip(completed), rest["val_loss"]);
        }
    }

    [Fact]
    public void WithLearningRateScheduler_TheResumedRunContinuesFromTheSavedRate()
    {
        using var dir = new TempDirectory();
        LearningRateScheduler Halving() => new((epoch, lr) => epoch == 0 ? 0.02 : lr * 0.5);
        ResumeDropoutNet uninterrupted = Compiled("adam", seed: 21);
        History full = FitFrom(uninterrupted, 0, Halving(), new ModelCheckpoint(Path.Combine(dir.Path, "run-{epoch}.ckpt")));
        Assert.Equal(0.02f * 0.5f * 0.5f, (float)full["learning_rate"][2]);

        ResumeDropoutNet resumed = Compiled("adam", seed: 5);
        CheckpointInfo info = resumed.LoadCheckpoint(Path.Combine(dir.Path, "run-3.ckpt"));
        Assert.Equal((float)full["learning_rate"][2], info.LearningRate);
        History rest = FitFrom(resumed, info.Epoch, Halving());
        AssertBitIdentical(uninterrupted.Parameters, resumed.Parameters);
        Assert.Equal(full["learning_rate"].Skip(3), rest["learning_rate"]);
    }

    [Fact]
    public void SaveWeightsOnly_WritesAWeightsFile()
    {
        using var dir = new TempDirectory();
        string weights = dir.File("w.bin"), checkpoint = dir.File("c.ckpt");
        ResumeDropoutNet model = Compiled("adam", seed: 1);
        var weightsOnly = new ModelCheckpoint(weights, saveWeightsOnly: true);
        var full = new ModelCheckpoint(checkpoint);
        Assert.True(weightsOnly.SaveWeightsOnly);
        Assert.False(full.SaveWeightsOnly);
        FitFrom(model, Epochs - 1, weightsOnly, full);

        var copy = new ResumeDropoutNet(seed: 2);
        copy.LoadWeights(weights);
        AssertBitIdentical(model.Parameters, copy.Parameters);
        Assert.Contains("not a checkpoint", Assert.Throws<InvalidDataException>(() => Compiled("adam", 3).LoadCheckpoint(weights)).Message);
        // LoadWeights takes a full checkpoint's weights too (as Keras's load_weights), with no compile needed.
        var fromCheckpoint = new ResumeDropoutNet(seed: 4);
        fromCheckpoint.LoadWeights(checkpoint);
        AssertBitIdentical(model.Parameters, fromCheckpoint.Parameters);
        byte[] damaged = File.ReadAllBytes(checkpoint);
        damaged[^10] ^= 0x40;   // in the optimizer state, after the parameters: still caught by the checksum
        File.WriteAllBytes(checkpoint, damaged);
        var untouched = new ResumeDropoutNet(seed: 5);
        float[] before = untouched.Parameters.ToArray();
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => untouched.LoadWeights(checkpoint)).Message, StringComparison.OrdinalIgnoreCase);
        AssertBitIdentical(before, untouched.Parameters);
        Assert.True(new FileInfo(checkpoint).Length > 2 * new FileInfo(weights).Length);   // parameters + Adam's m and v
    }

    [Fact]
    public void TheCheckpointHoldsTheEpochsOwnState_NotWhatEarlyStoppingRestoresLater()
    {
        // EarlyStopping(restoreBestWeights) puts the best weights back when training ends; the file
        // of the last epoch keeps that epoch's weights, optimizer and generator (the state to resume
        // from), and callback state (patience, best weights) is not in it, as in Keras.
        using var dir = new TempDirectory();
        string path = dir.File("last.ckpt");
        ResumeDropoutNet model = Compiled("adam", seed: 21);
        float[]? lastEpoch = null;
        var early = new EarlyStopping(monitor: "val_loss", patience: 100, restoreBestWeights: true);
        var script = new LambdaCallback(onEpochEnd: (epoch, logs) =>
        {
            logs["val_loss"] = epoch == 1 ? 0.0 : 1.0 + epoch;   // epoch 1 is "best"
            lastEpoch = model.Parameters.ToArray();
        });
        FitFrom(model, 0, script, early, new ModelCheckpoint(path));
        Assert.Equal(1, early.BestEpoch);

        var loaded = Compiled("adam", seed: 4);
        Assert.Equal(Epochs, loaded.LoadCheckpoint(path).Epoch);
        AssertBitIdentical(lastEpoch!, loaded.Parameters);
        Assert.False(model.Parameters.SequenceEqual(loaded.Parameters));   // the model itself went back to epoch 1
    }
}
