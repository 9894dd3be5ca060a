using System;
using System.IO;
using StaticNet;

namespace StaticNet.Tests.Training;

/// <summary>Three classes from four inputs, tanh hidden layer, softmax output.</summary>
[Network(4, 8, 3, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class FitClassifierNet;

/// <summary>Regression: three inputs, one linear output.</summary>
[Network(3, 6, 1, Hidden = Activation.Tanh, Output = Activation.Linear)]
public partial class FitRegressionNet;

/// <summary>One sigmoid output (binary classification).</summary>
[Network(2, 4, 1, Hidden = Activation.Tanh, Output = Activation.Sigmoid)]
public partial class FitBinaryNet;

internal static class FitTestData
{
    /// <summary>The fewest bytes <paramref name="fit"/> allocated on this thread in three runs (a run can catch a one-off allocation of the runtime).</summary>
    public static long LeastAllocated(Action fit)
    {
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            fit();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    /// <summary>Inputs in [-1, 1) from a fixed seed.</summary>
    public static float[,] Inputs(int samples, int features, int seed)
    {
        var random = new Random(seed);
        var x = new float[samples, features];
        for (int i = 0; i < samples; i++)
            for (int j = 0; j < features; j++)
                x[i, j] = (float)(random.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Class labels 0..2 from the sign pattern of the first two inputs.</summary>
    public static int[] Labels(float[,] x)
    {
        var y = new int[x.GetLength(0)];
        for (int i = 0; i < y.Length; i++) y[i] = x[i, 0] > 0 ? 0 : x[i, 1] > 0 ? 1 : 2;
        return y;
    }

    /// <summary>Rows [start, start + count) of a matrix.</summary>
    public static float[,] Rows(float[,] x, int start, int count)
    {
        var rows = new float[count, x.GetLength(1)];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < x.GetLength(1); j++)
                rows[i, j] = x[start + i, j];
        return rows;
    }

    public static T[] Rows<T>(T[] y, int start, int count) => y.AsSpan(start, count).ToArray();

    /// <summary>A compiled regression model whose weights do not move (learning rate 1e-30).</summary>
    public static FitRegressionNet FrozenRegression(params Metric[] metrics)
    {
        var model = new FitRegressionNet(seed: 3);
        model.Compile(Loss.MeanSquaredError, new Sgd(learningRate: 1e-30f), metrics);
        model.ProgressOutput = TextWriter.Null;
        return model;
    }
}
