using System;
using Xunit;

namespace StaticNet.Tests.Training;

// 82,000 parameters: batches of 32 are enough work to be split over two threads.
[Network(256, 256, 64, 4, Hidden = Activation.Relu, Output = Activation.Softmax, Dropout = 0.1f)]
public partial class ParallelNet;

/// <summary>Training and prediction give the same bits on one thread and on every core.</summary>
public class ParallelismTests
{
    [Fact]
    public void OneThreadAndAllCores_TrainToTheSameBits()
    {
        var rng = new Random(3);
        var x = new float[300, 256];
        var y = new int[300];
        for (int i = 0; i < 300; i++)
        {
            for (int k = 0; k < 256; k++) x[i, k] = (float)rng.NextDouble();
            y[i] = i % 4;
        }
        float[] Train(int threads, out float[,] predictions)
        {
            var model = new ParallelNet(seed: 9) { MaxDegreeOfParallelism = threads };
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f), Metric.Accuracy);
            // Batches of 32 on this network split into two halves (one per core when allowed).
            model.Fit(x, y, epochs: 3, batchSize: 32, verbose: 0);
            predictions = model.Predict(x);
            return model.Parameters.ToArray();
        }
        float[] one = Train(1, out float[,] p1);
        float[] all = Train(-1, out float[,] pAll);
        Assert.Equal(one, all);
        Assert.Equal(p1, pAll);
    }

    [Theory]
    [InlineData(32, false)]   // batches split in halves, and a last batch of 24, too small to split
    [InlineData(8, false)]    // batches too small to split
    [InlineData(32, true)]
    public void Evaluate_OnTwoCores_GivesTheOneThreadBits(int batchSize, bool weighted)
    {
        // 3,000 samples (94 to 375 batches): enough additions that a sum added in another order would differ in its bits.
        const int N = 3000;
        var rng = new Random(4);
        var x = new float[N, 256];
        var y = new int[N];
        var w = new float[N];
        for (int i = 0; i < N; i++)
        {
            for (int k = 0; k < 256; k++) x[i, k] = (float)rng.NextDouble();
            y[i] = rng.Next(4);
            w[i] = (float)rng.NextDouble() * 2;
        }
        ParallelNet Model(int threads)
        {
            var model = new ParallelNet(seed: 9) { MaxDegreeOfParallelism = threads };
            model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f), Metric.Accuracy);
            return model;
        }
        ParallelNet both = Model(-1), one = Model(1);
        Assert.Equal(Environment.ProcessorCount > 1, both.EvaluatesOnTwoThreads(N, batchSize));
        Assert.False(one.EvaluatesOnTwoThreads(N, batchSize));
        Evaluation a = both.Evaluate(x, y, batchSize, sampleWeight: weighted ? w : null);
        Evaluation b = one.Evaluate(x, y, batchSize, sampleWeight: weighted ? w : null);
        // With progress output the evaluation stays on one thread: the same bits again.
        both.ProgressOutput = new System.IO.StringWriter();
        Evaluation c = both.Evaluate(x, y, batchSize, verbose: 2, sampleWeight: weighted ? w : null);
        Assert.Equal(BitConverter.DoubleToInt64Bits(b.Loss), BitConverter.DoubleToInt64Bits(a.Loss));
        Assert.Equal(BitConverter.DoubleToInt64Bits(b.Loss), BitConverter.DoubleToInt64Bits(c.Loss));
        Assert.Equal(BitConverter.DoubleToInt64Bits(b["accuracy"]), BitConverter.DoubleToInt64Bits(a["accuracy"]));
        Assert.InRange(a["accuracy"], 0.05, 0.6);   // an untrained 4-class network: not a degenerate constant
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void MaxDegreeOfParallelism_RejectsNonsense(int value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ParallelNet(1) { MaxDegreeOfParallelism = value });
        Assert.Contains(value.ToString(), e.Message);
    }
}
