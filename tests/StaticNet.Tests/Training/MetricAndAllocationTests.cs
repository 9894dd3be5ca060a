using System;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>Accuracy variants as Keras defines them, and Fit's zero allocation per step and per epoch.</summary>
public class MetricAndAllocationTests
{
    [Fact]
    public void BinaryAccuracy_ThresholdsPredictionsAtHalf_AndComparesWithTheTargetExactly()
    {
        // Keras: y_pred = (y_pred > 0.5); mean(y_true == y_pred).
        float[] outputs = { 0.7f, 0.2f, 0.5f, 0.9f, 0.51f };
        float[] targets = { 1, 0, 1, 0.9f, 1 };
        // right: 0.7->1 vs 1; 0.2->0 vs 0; 0.51->1 vs 1. Wrong: 0.5 is not > 0.5; soft target 0.9 never equals 0 or 1.
        Assert.Equal(3, Metric.BinaryAccuracy.Sum(outputs, targets, 5, 1));
        // Two outputs per sample: the per-sample mean over outputs.
        Assert.Equal(0.5 + 1.0, Metric.BinaryAccuracy.Sum(new[] { 0.9f, 0.9f, 0.1f, 0.8f }, new[] { 1f, 0f, 0f, 1f }, 2, 2));
    }

    [Fact]
    public void CategoricalAndSparseAccuracy_CompareArgmaxes_FirstMaximumWins()
    {
        float[] outputs = { 0.1f, 0.7f, 0.2f, 0.4f, 0.4f, 0.2f, 0.3f, 0.3f, 0.4f };
        Assert.Equal(2, Metric.CategoricalAccuracy.Sum(outputs, new float[] { 0, 1, 0, 1, 0, 0, 1, 0, 0 }, 3, 3));  // tie 0.4/0.4 -> class 0
        Assert.Equal(2, Metric.SparseCategoricalAccuracy.Sum(outputs, new float[] { 1, 0, 0 }, 3, 3));
    }

    [Fact]
    public void Accuracy_IsResolvedFromShapes_AsKeras()
    {
        // Three outputs, BCE (multi-label): Keras picks categorical accuracy. Sample: argmax 1 vs 0 -> wrong,
        // though binary accuracy would give 2/3.
        var multiLabel = new FitClassifierNetSigmoid(seed: 1);
        multiLabel.Compile(Loss.BinaryCrossentropy, new Sgd(), Metric.Accuracy);
        Assert.Equal(0, multiLabel.Metrics[0].Sum(new[] { 0.6f, 0.7f, 0.1f }, new[] { 1f, 0f, 0f }, 1, 3));
        Assert.Equal("accuracy", multiLabel.Metrics[0].Name);

        var sparse = new FitClassifierNet(seed: 1);
        sparse.Compile(Loss.SparseCategoricalCrossentropy, new Sgd(), Metric.Accuracy);
        Assert.Equal(1, sparse.Metrics[0].Sum(new[] { 0.1f, 0.7f, 0.2f }, new[] { 1f }, 1, 3));

        var oneOutput = new FitRegressionNet(seed: 1);
        oneOutput.Compile(Loss.MeanSquaredError, new Sgd(), Metric.Accuracy);
        Assert.Equal(2, oneOutput.Metrics[0].Sum(new[] { 0.7f, 0.2f, 0.9f }, new[] { 1f, 0f, 0f }, 3, 1));

        Assert.True(Metric.Accuracy.HigherIsBetter);
        Assert.True(Metric.SparseCategoricalAccuracy.HigherIsBetter);
        Assert.False(Metric.MeanAbsoluteError.HigherIsBetter);
    }

    [Fact]
    public void Fit_AllocatesNothingPerStepOrEpoch()
    {
        float[,] x = FitTestData.Inputs(64, 4, seed: 6);
        int[] labels = FitTestData.Labels(x);
        var y = new float[labels.Length];
        for (int i = 0; i < y.Length; i++) y[i] = labels[i];
        var model = new FitClassifierNet(seed: 3);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);

        // The least of three calls: a one-time allocation by the runtime (tiered recompilation,
        // type loading) is not the library's; anything per step or per epoch shows in all three.
        long Measure(int epochs, double split)
        {
            long least = long.MaxValue;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                model.Fit(x, y, epochs: epochs, batchSize: 8, verbose: 0, validationSplit: split);
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            return least;
        }

        foreach (double split in new[] { 0.0, 0.25 })
        {
            for (int i = 0; i < 3; i++) Measure(2, split);   // warm up (JIT tiers, workspace)
            long one = Measure(1, split);
            long eleven = Measure(11, split);
            // 80 (or 60) more steps and 10 more epochs: only the history's longer lists differ (about 200 B).
            Assert.True(eleven - one < 1024, $"split {split}: 1 epoch {one} B, 11 epochs {eleven} B");
        }
    }
}

/// <summary>Three independent sigmoid outputs (multi-label).</summary>
[Network(4, 5, 3, Hidden = Activation.Tanh, Output = Activation.Sigmoid)]
public partial class FitClassifierNetSigmoid;
