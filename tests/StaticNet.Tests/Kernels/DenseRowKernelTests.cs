using System;
using System.Linq;
using StaticNet.Kernels;
using Xunit;
using static StaticNet.Tests.Kernels.DenseKernelTests;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The row-range dense kernels of row-split training (each thread its own outputs of the first layer): for every
/// range, the weighted sums and gradients in it have the bits of the whole-layer kernels, the activation is that of
/// the range's values, and nothing outside the range is written.
/// </summary>
public class DenseRowKernelTests
{
    public static TheoryData<int> Counts => new() { 1, 3, 4, 8, 13, 16, 32 };

    [Theory, MemberData(nameof(Counts))]
    public void RowRanges_GiveTheWholeLayersBits_AndTouchNothingElse(int count)
    {
        // Tiled paths (8 x 2, 4 x 4, one sample; inputs with and without a partial vector) and the scalar one (7 inputs).
        Rows<N784, N10, Relu>(count); Rows<N129, N25, Sigmoid>(count); Rows<N100, N16, Tanh>(count);
        Rows<N200, N129, Relu>(count); Rows<N7, N5, Relu>(count); Rows<N64, N7, Linear>(count);
    }

    private static void Rows<TIn, TOut, TAct>(int count) where TIn : IConstant where TOut : IConstant where TAct : IActivationKernel
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        var rng = new Random(nIn * 3 + nOut + 17 * count);
        float[] w = Values(rng, nIn * nOut), b = Values(rng, nOut), x = Values(rng, count * nIn), d = Values(rng, count * nOut);
        // The weighted sums of the whole layer; the activation of a range is applied to the range's values (the
        // vectorized sigmoid and tanh give a value other bits in a vector than in a scalar tail).
        var sums = new float[count * nOut];
        Dense.ForwardBatch<TIn, TOut, Linear>(w, b, x, sums, count);
        float[] Activated(int start, int end)
        {
            float[] result = new float[count * nOut];
            for (int s = 0; s < count; s++)
            {
                Span<float> range = result.AsSpan(s * nOut + start, end - start);
                sums.AsSpan(s * nOut + start, end - start).CopyTo(range);
                if (end > start) TAct.Apply(range);
            }
            return result;
        }
        var wholeW = new float[nIn * nOut];
        var wholeB = new float[nOut];
        Dense.ParameterGradients<TIn, TOut>(d, x, count, wholeW, wholeB);

        // Splits into two ranges (as two threads take them): empty and one-row ranges at both ends, ranges that start
        // inside a tile of 2 or 4 outputs, and the training split.
        int[] splits = new[] { 0, 1, 2, 3, 5, FirstLayerRows.Split(nOut), nOut / 2 + 1, nOut - 1, nOut }.Where(v => v >= 0 && v <= nOut).Distinct().ToArray();
        foreach (int split in splits)
        {
            var y = new float[count * nOut];
            var gw = new float[nIn * nOut];
            var gb = new float[nOut];
            Dense.ForwardBatchRows<TIn, TOut, TAct>(w, b, x, y, count, 0, split);
            Dense.ParameterGradientRows<TIn, TOut>(d, x, count, gw, gb, 0, split);
            float[] first = Activated(0, split);
            Assert.Equal(first, y);
            for (int j = 0; j < nOut; j++)
            {
                Assert.Equal(j < split ? wholeB[j] : 0f, gb[j]);
                for (int k = 0; k < nIn; k++) Assert.Equal(j < split ? wholeW[j * nIn + k] : 0f, gw[j * nIn + k]);
            }
            Dense.ForwardBatchRows<TIn, TOut, TAct>(w, b, x, y, count, split, nOut);
            Dense.ParameterGradientRows<TIn, TOut>(d, x, count, gw, gb, split, nOut);
            float[] second = Activated(split, nOut);
            for (int s = 0; s < count; s++)
                for (int j = 0; j < nOut; j++)
                    Assert.Equal(j < split ? first[s * nOut + j] : second[s * nOut + j], y[s * nOut + j]);
            Assert.Equal(wholeW, gw);
            Assert.Equal(wholeB, gb);
        }
    }

    [Fact]
    public void RowRanges_WithinAVectorOfOutputs_WriteOnlyTheirOwnColumns()
    {
        // A range that starts and ends inside a 4-output tile: the columns on either side keep a sentinel.
        const int count = 9;
        var rng = new Random(5);
        float[] w = Values(rng, 784 * 10), b = Values(rng, 10), x = Values(rng, count * 784), d = Values(rng, count * 10);
        var y = new float[count * 10];
        Array.Fill(y, 42f);
        var gw = new float[784 * 10];
        Array.Fill(gw, 42f);
        var gb = new float[10];
        Array.Fill(gb, 42f);
        Dense.ForwardBatchRows<N784, N10, Linear>(w, b, x, y, count, 3, 6);
        Dense.ParameterGradientRows<N784, N10>(d, x, count, gw, gb, 3, 6);
        for (int s = 0; s < count; s++)
            for (int j = 0; j < 10; j++)
                Assert.Equal(j is >= 3 and < 6, y[s * 10 + j] != 42f);
        for (int j = 0; j < 10; j++)
        {
            Assert.Equal(j is >= 3 and < 6, gb[j] != 42f);
            Assert.Equal(j is >= 3 and < 6, gw[j * 784] != 42f);
            Assert.Equal(j is >= 3 and < 6, gw[j * 784 + 783] != 42f);
        }
    }

    [Theory]
    [InlineData(-1, 3)]
    [InlineData(4, 3)]
    [InlineData(0, 11)]
    public void RowRanges_OutsideTheLayer_Throw(int rowStart, int rowEnd)
    {
        var y = new float[10];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Dense.ForwardBatchRows<N16, N10, Linear>(new float[160], new float[10], new float[16], y, 1, rowStart, rowEnd));
        Assert.Contains($"[{rowStart}, {rowEnd})", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Dense.ParameterGradientRows<N16, N10>(new float[10], new float[16], 1, new float[160], new float[10], rowStart, rowEnd));
    }

    private static float[] Values(Random rng, int n)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }
}
