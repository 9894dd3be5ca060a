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
    [InlineData(0)]
    [InlineData(-2)]
    public void MaxDegreeOfParallelism_RejectsNonsense(int value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ParallelNet(1) { MaxDegreeOfParallelism = value });
        Assert.Contains(value.ToString(), e.Message);
    }
}
