using System;
using System.IO;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Reliability;

/// <summary>
/// Issue 9, §2: any batch size from 1 up works; one larger than the data is one batch, as in Keras.
/// <c>Fit(batchSize: int.MaxValue)</c> used to overflow in (samples + batchSize − 1) / batchSize:
/// an exception from inside the progress bar with verbose 1, and <c>1/0</c> steps with verbose 2.
/// </summary>
public sealed class LargeBatchSizeTests
{
    private const int Samples = 10;

    private static (float[,] X, float[] Y) Data()
    {
        var x = ReliabilityData.Matrix(5, Samples, 2);
        var y = new float[Samples];
        for (int i = 0; i < Samples; i++) y[i] = x[i, 0] > 0 ? 1 : 0;
        return (x, y);
    }

    private static GuardBinaryNet Model(TextWriter? output = null)
    {
        var model = new GuardBinaryNet(seed: 9) { ProgressOutput = output };
        model.Compile(Loss.BinaryCrossentropy, new Adam(learningRate: 0.01f), Metric.Accuracy);
        return model;
    }

    [Theory]
    [InlineData(int.MaxValue, 0)]
    [InlineData(int.MaxValue, 1)]
    [InlineData(int.MaxValue, 2)]
    [InlineData(int.MaxValue - 1, 2)]
    [InlineData(Samples + 1, 1)]
    public void BatchLargerThanTheData_IsOneFullBatch_LikeBatchSizeEqualToTheData(int batchSize, int verbose)
    {
        var (x, y) = Data();
        var output = new StringWriter();
        GuardBinaryNet large = Model(output);
        History h = large.Fit(x, y, epochs: 3, batchSize: batchSize, verbose: verbose, validationSplit: 0.2);

        GuardBinaryNet reference = Model(TextWriter.Null);
        History r = reference.Fit(x, y, epochs: 3, batchSize: Samples, verbose: 0, validationSplit: 0.2);
        Assert.Equal(r["loss"], h["loss"]);
        Assert.Equal(r["val_loss"], h["val_loss"]);
        Assert.Equal(reference.Parameters.ToArray(), large.Parameters.ToArray());
        Assert.Equal(3, large.Optimizer!.Iterations);   // one step per epoch

        string text = output.ToString();
        if (verbose == 0) Assert.Equal("", text);
        if (verbose == 1) Assert.Contains("1/1 [==============================] - ", text);
        if (verbose == 2) Assert.Contains("1/1 - ", text);
        Assert.DoesNotContain("/0", text);
        Assert.Equal(verbose == 0 ? 0 : 3, CountOf(text, "Epoch "));
    }

    [Fact]
    public void HugeBatchSize_WithValidationDataAndCallbacks_CountsOneStepPerEpoch()
    {
        var (x, y) = Data();
        GuardBinaryNet model = Model(new StringWriter());
        int batches = 0;
        var counter = new LambdaCallback(onBatchEnd: (_, _) => batches++);
        model.Fit(x, y, epochs: 2, batchSize: int.MaxValue, verbose: 1, validationData: (x, y), callbacks: [counter]);
        Assert.Equal(2, batches);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(Samples + 1)]
    [InlineData(3)]
    public void EvaluateAnyBatchSize_GivesTheResultOfOneBatch(int batchSize)
    {
        var (x, y) = Data();
        GuardBinaryNet model = Model(TextWriter.Null);
        model.Fit(x, y, epochs: 2, verbose: 0);
        Evaluation one = model.Evaluate(x, y, batchSize: Samples);
        Evaluation e = model.Evaluate(x, y, batchSize: batchSize);
        Assert.Equal(one.Loss, e.Loss, 12);
        Assert.Equal(one["accuracy"], e["accuracy"]);
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
