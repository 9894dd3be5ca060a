using System;

namespace StaticNet.Tests.Optimizers;

/// <summary>
/// Inputs for hand-computed optimizer steps: 19 parameters, so that the vectorized update covers
/// two full Vector256 blocks (16 values) and the scalar tail the last 3.
/// </summary>
internal static class OptimizerTestData
{
    public const int Length = 19;

    public static float[] InitialWeights()
    {
        var w = new float[Length];
        for (int i = 0; i < Length; i++) w[i] = 0.5f - 0.05f * i;
        return w;
    }

    /// <summary>A different gradient at every step (1-based), with both signs, a zero and a large value.</summary>
    public static float[] Gradients(int step)
    {
        var g = new float[Length];
        for (int i = 0; i < Length; i++) g[i] = 0.25f * (i - 9) / 9 + 0.1f * step;
        g[4] = 0f;
        g[17] = 3f * step;
        return g;
    }

    /// <summary>Runs <paramref name="steps"/> steps of <paramref name="optimizer"/> and returns the weights after each.</summary>
    public static float[][] Run(Optimizer optimizer, int steps)
    {
        float[] w = InitialWeights();
        optimizer.Build(Length);
        var result = new float[steps][];
        for (int s = 1; s <= steps; s++)
        {
            optimizer.Apply(w, Gradients(s));
            result[s - 1] = (float[])w.Clone();
        }
        return result;
    }

    public static void AssertClose(double[] expected, float[] actual, double tolerance, string context)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                Xunit.Assert.Fail($"{context}: parameter {i} is {actual[i]:R}, expected {expected[i]:R} (difference {Math.Abs(expected[i] - actual[i]):E2}).");
    }

    /// <summary>Every value of <paramref name="values"/> has the same bits as the first (vector lanes and scalar tail agree).</summary>
    public static void AssertAllBitwiseEqual(float[] values)
    {
        for (int i = 1; i < values.Length; i++)
            Xunit.Assert.True(BitConverter.SingleToInt32Bits(values[i]) == BitConverter.SingleToInt32Bits(values[0]),
                $"parameter {i} is {values[i]:R} but parameter 0 is {values[0]:R}");
    }
}
