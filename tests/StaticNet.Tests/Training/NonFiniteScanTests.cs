using System;
using StaticNet;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// Fit's scan for infinities and NaNs in its data reads whole vectors first: it must still report
/// the first bad value exactly, wherever it sits (in a vector, at a block's edge, in the scalar tail).
/// </summary>
public class NonFiniteScanTests
{
    [Fact]
    public void FindsTheFirstNonFiniteValue_AtEveryPositionAndLength()
    {
        float[] bad = { float.NaN, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001)) };
        var random = new Random(5);
        foreach (int length in new[] { 0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 100, 257 })
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = (random.NextSingle() - 0.5f) * 1e30f;
            if (length > 2) values[1] = float.MaxValue;   // the largest finite values are not flagged
            if (length > 3) values[2] = -float.MaxValue;
            Assert.Equal(-1, NeuralNetwork.IndexOfNonFinite(values));
            for (int at = 0; at < length; at++)
            {
                float kept = values[at];
                values[at] = bad[at % bad.Length];
                Assert.Equal(at, NeuralNetwork.IndexOfNonFinite(values));
                if (at + 5 < length)
                {
                    values[at + 5] = float.NaN;   // a later bad value does not hide the first
                    Assert.Equal(at, NeuralNetwork.IndexOfNonFinite(values));
                    values[at + 5] = 1f;
                }
                values[at] = kept;
            }
        }
    }

    [Fact]
    public void TheTwoThreadScan_FindsTheFirstNonFiniteValue_InEitherHalf()
    {
        var values = new float[1001];
        var matrix = new float[7, 143];
        for (int i = 0; i < values.Length; i++) values[i] = i;
        Buffer.BlockCopy(values, 0, matrix, 0, values.Length * sizeof(float));
        foreach (object storage in new object[] { values, matrix })
        {
            ReadOnlySpan<float> span = storage is float[] a ? a : DataConversion.Flat((float[,])storage);
            Assert.Equal(-1, NeuralNetwork.IndexOfNonFiniteOnTwoThreads(span, storage));
            foreach (int at in new[] { 0, 499, 500, 501, 1000 })
            {
                SetAt(storage, at, float.NaN);
                Assert.Equal(at, NeuralNetwork.IndexOfNonFiniteOnTwoThreads(span, storage));
                if (at < 990)
                {
                    SetAt(storage, 990, float.PositiveInfinity);   // one in the second half too: the first is still the answer
                    Assert.Equal(at, NeuralNetwork.IndexOfNonFiniteOnTwoThreads(span, storage));
                    SetAt(storage, 990, 990f);
                }
                SetAt(storage, at, at);
            }
        }
        Assert.Throws<InvalidOperationException>(() => NeuralNetwork.IndexOfNonFiniteOnTwoThreads(new float[5], new float[6]));
    }

    [Fact]
    public void Fit_OnDataLargeEnoughForTwoCores_NamesTheFirstBadValue()
    {
        // 5,400 x 784 values (over 4M): the scan takes two cores when the model may.
        var x = new float[5400, 784];
        var y = new int[5400];
        x[4000, 17] = float.PositiveInfinity;
        x[4500, 3] = float.NaN;
        var model = new MnistNet(seed: 1);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam());
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 1, verbose: 0));
        Assert.Contains("'x' holds Infinity at sample 4000, value 17", e.Message);
        x[1000, 5] = float.NaN;
        e = Assert.Throws<ArgumentException>(() => model.Evaluate(x, y));
        Assert.Contains("'x' holds NaN at sample 1000, value 5", e.Message);
        Assert.All(model.Parameters.ToArray(), w => Assert.True(float.IsFinite(w)));
    }

    private static void SetAt(object storage, int index, float value)
    {
        if (storage is float[] a) a[index] = value;
        else ((float[,])storage)[index / 143, index % 143] = value;
    }
}
