using System;
using System.IO;
using Xunit;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Serialization;

public class CheckpointTests
{
    [Fact]
    public void RoundTrip_RestoresEverything_AndReportsIt()
    {
        using var dir = new TempDirectory();
        ResumeNet source = Trained(new Adam(learningRate: 0.01f), epochs: 2, seed: 11);
        source.Optimizer!.LearningRate = 0.005f;   // as a schedule would between epochs
        string path = dir.File("run.ckpt");
        source.SaveCheckpoint(path);

        var target = new ResumeNet(seed: 12);
        target.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f), Metric.Accuracy);
        CheckpointInfo info = target.LoadCheckpoint(path);

        AssertBitIdentical(source.Parameters, target.Parameters);
        Assert.Equal(2, info.Epoch);
        Assert.Equal(2, target.CompletedEpochs);
        Assert.Equal(14, info.Iterations);
        Assert.Equal(14, target.Optimizer!.Iterations);
        Assert.Equal(0.005f, info.LearningRate);
        Assert.Equal(0.005f, target.Optimizer.LearningRate);
        Assert.Equal("sparse_categorical_crossentropy", info.Loss);
        Assert.Equal(new[] { "accuracy" }, info.Metrics);
        Assert.Equal("Adam(beta1: 0.9, beta2: 0.999, epsilon: 1E-07)", info.Optimizer);
        Assert.Equal(11, info.Seed);
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("sgd-momentum")]
    [InlineData("adam")]
    [InlineData("rmsprop")]
    [InlineData("rmsprop-centered-momentum")]
    [InlineData("adagrad")]
    public void SaveLoadSave_GivesTheSameBytes(string optimizer)
    {
        // The second save writes everything the first one did (optimizer arrays, step count,
        // learning rate, epochs, shuffle state) from the restored model: every restored value is checked.
        ResumeNet source = Trained(ResumeTests.Create(optimizer), epochs: 2, seed: 21);
        byte[] first = CheckpointBytes(source);
        var target = new ResumeNet(seed: 21);   // same seed: the seed field is the saving model's
        target.Compile(Loss.SparseCategoricalCrossentropy, ResumeTests.Create(optimizer), Metric.Accuracy);
        Assert.NotEqual(first, CheckpointBytes(target));
        target.LoadCheckpoint(new MemoryStream(first));
        Assert.Equal(first, CheckpointBytes(target));
    }

    [Fact]
    public void Uncompiled_SaveAndLoadThrowInvalidOperation()
    {
        using var dir = new TempDirectory();
        var model = new ResumeNet(seed: 1);
        Assert.Throws<InvalidOperationException>(() => model.SaveCheckpoint(new MemoryStream()));
        Assert.Throws<InvalidOperationException>(() => model.SaveCheckpoint(dir.File("a.ckpt")));
        Assert.Empty(Directory.GetFiles(dir.Path));
        byte[] checkpoint = CheckpointBytes(Trained(new Adam(), epochs: 1));
        Assert.Throws<InvalidOperationException>(() => model.LoadCheckpoint(new MemoryStream(checkpoint)));
    }

    [Fact]
    public void DifferentOptimizerType_FailsNamingBoth_AndChangesNothing()
    {
        byte[] checkpoint = CheckpointBytes(Trained(new Adam(), epochs: 1));
        var model = new ResumeNet(seed: 3);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Sgd(momentum: 0.9f), Metric.Accuracy);
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(new MemoryStream(checkpoint)));
        Assert.Contains("Adam(beta1: 0.9, beta2: 0.999, epsilon: 1E-07)", e.Message);
        Assert.Contains("Sgd(momentum: 0.9, nesterov: false)", e.Message);
        AssertBitIdentical(before, model.Parameters);
        Assert.Equal(0, model.Optimizer!.Iterations);
        Assert.Equal(0, model.CompletedEpochs);
    }

    [Fact]
    public void DifferentHyperparameters_FailNamingBoth()
    {
        byte[] checkpoint = CheckpointBytes(Trained(new RmsProp(rho: 0.9f), epochs: 1));
        var model = new ResumeNet(seed: 3);
        model.Compile(Loss.SparseCategoricalCrossentropy, new RmsProp(rho: 0.95f), Metric.Accuracy);
        var e = Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(new MemoryStream(checkpoint)));
        Assert.Contains("RmsProp(rho: 0.9, momentum: 0, epsilon: 1E-07, centered: false)", e.Message);
        Assert.Contains("RmsProp(rho: 0.95,", e.Message);
    }

    [Fact]
    public void DifferentLearningRate_IsNotAMismatch_TheCheckpointsRateIsRestored()
    {
        byte[] checkpoint = CheckpointBytes(Trained(new Adam(learningRate: 0.002f), epochs: 1));
        var model = new ResumeNet(seed: 3);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.5f), Metric.Accuracy);
        model.LoadCheckpoint(new MemoryStream(checkpoint));
        Assert.Equal(0.002f, model.Optimizer!.LearningRate);
    }

    [Fact]
    public void DifferentLoss_FailsNamingBoth()
    {
        byte[] checkpoint = CheckpointBytes(Trained(new Adam(), epochs: 1));
        var model = new ResumeNet(seed: 3);
        model.Compile(Loss.CategoricalCrossentropy, new Adam());
        var e = Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(new MemoryStream(checkpoint)));
        Assert.Contains("sparse_categorical_crossentropy", e.Message);
        Assert.Contains("this model is compiled with categorical_crossentropy", e.Message);
    }

    [Fact]
    public void DifferentMetrics_AreAllowed_AndReported()
    {
        byte[] checkpoint = CheckpointBytes(Trained(new Adam(), epochs: 1));
        var model = new ResumeNet(seed: 3);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
        CheckpointInfo info = model.LoadCheckpoint(new MemoryStream(checkpoint));
        Assert.Equal(new[] { "accuracy" }, info.Metrics);
    }

    [Fact]
    public void WeightsFile_GivenToLoadCheckpoint_SaysToUseLoadWeights()
    {
        byte[] weights = WeightsBytes(new ResumeNet(seed: 1));
        var model = new ResumeNet(seed: 3);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
        var e = Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(new MemoryStream(weights)));
        Assert.Contains("LoadWeights", e.Message);
    }

    [Fact]
    public void ShapeMismatch_NamesBothShapes()
    {
        byte[] checkpoint = CheckpointBytes(Trained(new Adam(), epochs: 1));
        var model = new ResumeTanhNet(seed: 3);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
        var e = Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(new MemoryStream(checkpoint)));
        Assert.Contains("checkpoint file is for 6-10(relu)-3(softmax), this network is 6-10(tanh)-3(softmax)", e.Message);
    }
}
