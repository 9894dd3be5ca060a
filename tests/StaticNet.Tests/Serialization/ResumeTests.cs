using System;
using Xunit;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Serialization;

/// <summary>
/// Training 6 epochs in one go and training 3, checkpointing, restoring into a new model and
/// training 3 more must give the same parameters bit for bit.
/// </summary>
public class ResumeTests
{
    public static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(learningRate: 0.05f),
        "sgd-momentum" => new Sgd(learningRate: 0.05f, momentum: 0.9f),
        "sgd-nesterov" => new Sgd(learningRate: 0.05f, momentum: 0.8f, nesterov: true),
        "adam" => new Adam(learningRate: 0.01f),
        "rmsprop" => new RmsProp(learningRate: 0.005f),
        "rmsprop-centered-momentum" => new RmsProp(learningRate: 0.005f, momentum: 0.5f, centered: true),
        "adagrad" => new AdaGrad(learningRate: 0.05f),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd-momentum")]
    [InlineData("sgd-nesterov")]
    [InlineData("rmsprop")]
    [InlineData("rmsprop-centered-momentum")]
    [InlineData("adagrad")]
    public void CheckpointAndResume_EqualsAnUninterruptedRun_BitForBit(string optimizer)
    {
        var (x, y) = Classification();
        ResumeNet uninterrupted = Trained(Create(optimizer), epochs: 6);

        using var dir = new TempDirectory();
        string path = dir.File("resume.ckpt");
        ResumeNet first = Trained(Create(optimizer), epochs: 3);
        first.SaveCheckpoint(path);

        var resumed = new ResumeNet(seed: 999);   // another seed: other weights and another shuffle sequence
        resumed.Compile(Loss.SparseCategoricalCrossentropy, Create(optimizer), Metric.Accuracy);
        CheckpointInfo info = resumed.LoadCheckpoint(path);
        Assert.Equal(3, info.Epoch);
        resumed.Fit(x, y, epochs: 6, initialEpoch: info.Epoch, batchSize: 8, verbose: 0);

        AssertBitIdentical(uninterrupted.Parameters, resumed.Parameters, ShuffleHint);
        Assert.Equal(uninterrupted.Optimizer!.Iterations, resumed.Optimizer!.Iterations);
    }

    private const string ShuffleHint =
        "Resumed run differs from the uninterrupted one. If ContinuingFit_EqualsOneLongerFit fails too, the cause is in Fit: " +
        "each epoch's order must be drawn from the identity permutation (as Keras does), not by reshuffling the previous epoch's order, " +
        "which a new Fit call does not have. ";

    [Fact]
    public void ContinuingFit_EqualsOneLongerFit()
    {
        // What resuming relies on, without a checkpoint: Fit(0..3) then Fit(3..6) on the same model
        // equals Fit(0..6). Fails if an epoch's shuffle depends on state that only lives inside one Fit call.
        var (x, y) = Classification();
        ResumeNet uninterrupted = Trained(new Adam(learningRate: 0.01f), epochs: 6);
        ResumeNet continued = Trained(new Adam(learningRate: 0.01f), epochs: 3);
        continued.Fit(x, y, epochs: 6, initialEpoch: 3, batchSize: 8, verbose: 0);
        AssertBitIdentical(uninterrupted.Parameters, continued.Parameters, ShuffleHint);
    }

    [Fact]
    public void WithDropoutAndL2_ResumeIsAlsoBitIdentical()
    {
        // Dropout masks draw from the same generator as the shuffle: the checkpoint carries both.
        var (x, y) = Classification();
        ResumeDropoutNet Run(int seed, int epochs)
        {
            var model = new ResumeDropoutNet(seed);
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f));
            model.Fit(x, y, epochs: epochs, batchSize: 8, verbose: 0);
            return model;
        }
        ResumeDropoutNet uninterrupted = Run(seed: 8, epochs: 6);
        ResumeDropoutNet first = Run(seed: 8, epochs: 3);
        var stream = new System.IO.MemoryStream();
        first.SaveCheckpoint(stream);

        var resumed = new ResumeDropoutNet(seed: 9);
        resumed.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f));
        stream.Position = 0;
        CheckpointInfo info = resumed.LoadCheckpoint(stream);
        Assert.Equal(3, info.Epoch);
        resumed.Fit(x, y, epochs: 6, initialEpoch: info.Epoch, batchSize: 8, verbose: 0);
        AssertBitIdentical(uninterrupted.Parameters, resumed.Parameters, ShuffleHint);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd-momentum")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    public void ResumingFromWeightsOnly_DoesNotReproduceTheRun(string optimizer)
    {
        // The control for the test above: without the optimizer and shuffle state the run differs,
        // so the equality there is the checkpoint's doing.
        var (x, y) = Classification();
        ResumeNet uninterrupted = Trained(Create(optimizer), epochs: 6);
        ResumeNet first = Trained(Create(optimizer), epochs: 3);

        var resumed = new ResumeNet(seed: 1);   // even the original seed
        resumed.Compile(Loss.SparseCategoricalCrossentropy, Create(optimizer), Metric.Accuracy);
        resumed.LoadWeights(new System.IO.MemoryStream(WeightsBytes(first)));
        resumed.Fit(x, y, epochs: 6, initialEpoch: 3, batchSize: 8, verbose: 0);

        Assert.False(uninterrupted.Parameters.SequenceEqual(resumed.Parameters));
    }

    [Fact]
    public void WithoutShuffle_ResumeIsAlsoBitIdentical()
    {
        var (x, y) = Classification();
        var uninterrupted = new ResumeNet(seed: 4);
        uninterrupted.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f));
        uninterrupted.Fit(x, y, epochs: 4, batchSize: 8, shuffle: false, verbose: 0);

        var first = new ResumeNet(seed: 4);
        first.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f));
        first.Fit(x, y, epochs: 2, batchSize: 8, shuffle: false, verbose: 0);
        var stream = new System.IO.MemoryStream();
        first.SaveCheckpoint(stream);

        var resumed = new ResumeNet(seed: 5);
        resumed.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f));
        stream.Position = 0;
        CheckpointInfo info = resumed.LoadCheckpoint(stream);
        Assert.Equal(2, info.Epoch);
        resumed.Fit(x, y, epochs: 4, initialEpoch: info.Epoch, batchSize: 8, shuffle: false, verbose: 0);

        AssertBitIdentical(uninterrupted.Parameters, resumed.Parameters);
    }
}
