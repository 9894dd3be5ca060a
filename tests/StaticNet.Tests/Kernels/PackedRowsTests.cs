using System;
using System.Linq;
using System.Runtime.Intrinsics;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// <see cref="PackedRows"/>, the one-sample layout of a large Dense layer's weights: the kernel reading it must give the
/// bits of the row-major kernel (which the batch tiles also give), and packing must move every weight exactly once.
/// </summary>
public class PackedRowsTests
{
    public readonly struct N32 : IConstant { public static int Value => 32; }
    public readonly struct N48 : IConstant { public static int Value => 48; }
    public readonly struct N128 : IConstant { public static int Value => 128; }
    public readonly struct N345 : IConstant { public static int Value => 345; }
    public readonly struct N512 : IConstant { public static int Value => 512; }
    public readonly struct N784 : IConstant { public static int Value => 784; }

    [Fact]
    public void PackedKernel_GivesTheRowMajorKernelsBits_784x128() => SameBits<N784, N128>();

    [Fact]
    public void PackedKernel_GivesTheRowMajorKernelsBits_32x512() => SameBits<N32, N512>();

    [Fact]
    public void PackedKernel_GivesTheRowMajorKernelsBits_RowsAfterTheLastGroupOfEight() => SameBits<N48, N345>();

    private static void SameBits<TIn, TOut>() where TIn : IConstant where TOut : IConstant
    {
        int inputs = TIn.Value, outputs = TOut.Value;
        Assert.True(PackedRows.Applies(inputs, outputs) || !Vector512.IsHardwareAccelerated);
        var random = new Random(inputs * 31 + outputs);
        float[] weights = Enumerable.Range(0, inputs * outputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] bias = Enumerable.Range(0, outputs).Select(_ => (float)random.NextDouble()).ToArray();
        var packed = new float[weights.Length];
        PackedRows.Pack(weights, inputs, outputs, packed);
        Assert.NotEqual(weights, packed);   // the layout did change
        // A dense input (the packed rows), one with zero blocks and one of zeros only (the row-major rows, listed blocks).
        float[] dense = Enumerable.Range(0, inputs).Select(_ => (float)random.NextDouble() + 0.01f).ToArray();
        float[] blocks = dense.Select((v, i) => i / 16 % 3 == 1 ? 0f : v).ToArray();
        foreach (float[] x in new[] { dense, blocks, new float[inputs] })
        {
            var expected = new float[outputs];
            var actual = new float[outputs];
            Dense.Forward<TIn, TOut, Linear>(weights, bias, x, expected);
            Dense.Forward<TIn, TOut, Linear>(weights, bias, x, actual, packed, 0);
            for (int j = 0; j < outputs; j++)
                Assert.Equal(BitConverter.SingleToInt32Bits(expected[j]), BitConverter.SingleToInt32Bits(actual[j]));
            // And both are the sums (not alike wrong): double-precision reference.
            for (int j = 0; j < outputs; j++)
            {
                double sum = bias[j];
                for (int k = 0; k < inputs; k++) sum += (double)weights[j * inputs + k] * x[k];
                Assert.Equal(sum, actual[j], 1e-4);
            }
        }
    }

    [Fact]
    public void ADenseInputReadsThePackedRows_AnInputWithZeroBlocksTheRowMajorOnes()
    {
        const int inputs = 784, outputs = 128;
        var random = new Random(3);
        float[] weights = Enumerable.Range(0, inputs * outputs).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var bias = new float[outputs];
        float[] doubled = weights.Select(v => 2 * v).ToArray();
        var packed = new float[weights.Length];
        PackedRows.Pack(doubled, inputs, outputs, packed);   // a different layer, to tell which was read
        float[] dense = Enumerable.Range(0, inputs).Select(_ => (float)random.NextDouble() + 0.01f).ToArray();
        float[] sparse = dense.Select((v, i) => i < 16 ? 0f : v).ToArray();
        var fromRows = new float[outputs];
        var fromPacked = new float[outputs];
        var twice = new float[outputs];
        Dense.Forward<N784, N128, Linear>(doubled, bias, dense, twice);
        Dense.Forward<N784, N128, Linear>(weights, bias, dense, fromPacked, packed, 0);
        Assert.Equal(Vector512.IsHardwareAccelerated, twice.SequenceEqual(fromPacked));
        Dense.Forward<N784, N128, Linear>(weights, bias, sparse, fromRows);
        Dense.Forward<N784, N128, Linear>(weights, bias, sparse, fromPacked, packed, 0);
        Assert.Equal(fromRows, fromPacked);
    }

    [Fact]
    public void AMostlyZeroInputReadsTheTransposedWeights_WithTheRowMajorKernelsBits()
    {
        const int inputs = 784, outputs = 128;
        var random = new Random(4);
        float[] weights = Enumerable.Range(0, inputs * outputs).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] bias = Enumerable.Range(0, outputs).Select(_ => (float)random.NextDouble()).ToArray();
        var transposed = new float[SparseInputs.TransposedLength(inputs, outputs)];
        SparseInputs.Transpose(weights, inputs, outputs, transposed);
        float[] doubled = weights.Select(v => 2 * v).ToArray();
        var transposedDoubled = new float[transposed.Length];
        SparseInputs.Transpose(doubled, inputs, outputs, transposedDoubled);
        // A digit-like input: a fifth of the pixels, in the middle rows, not zero.
        float[] digit = Enumerable.Range(0, inputs).Select(i => i % 28 is > 8 and < 14 && i / 28 is > 4 and < 24 ? (float)random.NextDouble() : 0f).ToArray();
        float[] dense = Enumerable.Range(0, inputs).Select(_ => (float)random.NextDouble() + 0.01f).ToArray();
        var rows = new float[outputs];
        var sparse = new float[outputs];
        Dense.Forward<N784, N128, Relu>(weights, bias, digit, rows);
        Dense.Forward<N784, N128, Relu>(weights, bias, digit, sparse, default, 0, transposed);
        Assert.Equal(rows.Select(BitConverter.SingleToInt32Bits), sparse.Select(BitConverter.SingleToInt32Bits));
        // It is the transposed copy that was read (another layer's, to tell), for the digit and not for the dense input.
        var twice = new float[outputs];
        Dense.Forward<N784, N128, Relu>(doubled, bias, digit, twice);
        Dense.Forward<N784, N128, Relu>(weights, bias, digit, sparse, default, 0, transposedDoubled);
        Assert.Equal(Vector512.IsHardwareAccelerated, twice.SequenceEqual(sparse));
        Dense.Forward<N784, N128, Relu>(weights, bias, dense, rows);
        Dense.Forward<N784, N128, Relu>(weights, bias, dense, sparse, default, 0, transposedDoubled);
        Assert.Equal(rows, sparse);
    }

    [Fact]
    public void Pack_MovesEachWeightOnce_AndLeavesTheRowsAfterTheLastGroupOfEightInPlace()
    {
        const int inputs = 48, outputs = 345;
        float[] weights = Enumerable.Range(0, inputs * outputs).Select(i => (float)i).ToArray();
        var packed = new float[weights.Length];
        PackedRows.Pack(weights, inputs, outputs, packed);
        Assert.Equal(weights, packed.OrderBy(v => v).ToArray());
        // Row 8g + r, input k sits at 8g * inputs + 8k' + 16r + k % 16, with k' = k rounded down to a block.
        Assert.Equal(weights[(8 + 3) * inputs + 20], packed[8 * inputs + 8 * 16 + 3 * 16 + 4]);
        int whole = outputs / 8 * 8 * inputs;
        Assert.Equal(weights.AsSpan(whole).ToArray(), packed.AsSpan(whole).ToArray());
    }

    [Theory]
    [InlineData(784, 128, true)]
    [InlineData(128, 64, false)]   // 32 KB: fits in L1, not worth a copy
    [InlineData(100, 200, false)]  // inputs not a multiple of 16
    [InlineData(4096, 4, false)]   // fewer than eight rows
    public void Applies_ToLargeLayersInWholeBlocks(int inputs, int outputs, bool applies) =>
        Assert.Equal(applies && Vector512.IsHardwareAccelerated, PackedRows.Applies(inputs, outputs));

    [Fact]
    public void Pack_RefusesInputsNotInWholeBlocks() =>
        Assert.Throws<ArgumentException>(() => PackedRows.Pack(new float[100 * 200], 100, 200, new float[100 * 200]));
}
