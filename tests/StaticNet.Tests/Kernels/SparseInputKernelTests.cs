using System;
using System.Runtime.Intrinsics;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// <see cref="SparseInputs"/>, the first-layer kernel that visits only the non-zero inputs, against the dense batch
/// kernel (it must give the same bits) and against a double-precision sum (so that both cannot be wrong alike).
/// </summary>
public class SparseInputKernelTests
{
    public readonly struct N3 : IConstant { public static int Value => 3; }
    public readonly struct N10 : IConstant { public static int Value => 10; }
    public readonly struct N16 : IConstant { public static int Value => 16; }
    public readonly struct N25 : IConstant { public static int Value => 25; }
    public readonly struct N64 : IConstant { public static int Value => 64; }
    public readonly struct N100 : IConstant { public static int Value => 100; }
    public readonly struct N128 : IConstant { public static int Value => 128; }
    public readonly struct N150 : IConstant { public static int Value => 150; }
    public readonly struct N200 : IConstant { public static int Value => 200; }
    public readonly struct N784 : IConstant { public static int Value => 784; }
    public readonly struct N1040 : IConstant { public static int Value => 1040; }
    public readonly struct N2048 : IConstant { public static int Value => 2048; }

    public static TheoryData<int> Counts => new() { 1, 3, 8, 13, 64 };

    [Theory, MemberData(nameof(Counts))]
    public void Forward_GivesTheDenseKernelsBits(int count)
    {
        if (!SparseInputs.Supports(784)) return; // no 512-bit vectors: the kernel is never chosen (checked below)
        // MNIST's first layers; a partial last vector of outputs (25, 100, 10, 3); one word of
        // masks (64 and 784 inputs), two with the second holding one block (1040: 65 blocks), two full (2048).
        // Outputs in groups of 128 (128; 100 and 200 padded with zero columns), of 64 (64; 25, 10, 3 padded), both (150).
        Same<N784, N128>(count, 0.8); Same<N784, N25>(count, 0.8); Same<N784, N10>(count, 0.5);
        Same<N64, N100>(count, 0.3); Same<N16, N3>(count, 0.9); Same<N1040, N64>(count, 0.7); Same<N64, N200>(count, 0.6); Same<N784, N150>(count, 0.8);
        Same<N2048, N16>(count, 0.95);
        // Every input zero, and none.
        Same<N784, N128>(count, 1.0); Same<N784, N128>(count, 0.0);
    }

    [Fact]
    public void Supports_NeedsWholeVectorsOfInputs()
    {
        Assert.Equal(Vector512.IsHardwareAccelerated, SparseInputs.Supports(784));
        Assert.False(SparseInputs.Supports(785));
        Assert.False(SparseInputs.Supports(8));
    }

    [Fact]
    public void Masks_CountTheNonZeroInputsAndMarkEachInItsLane()
    {
        if (!SparseInputs.Supports(1040)) return;
        const int inputs = 1040, count = 3; // 65 blocks: two words of 64 blocks, the second with one
        var x = new float[count * inputs];
        // Sample 0: inputs 0, 17 (block 1, lane 1), 33 (block 2, lane 1), 1039 (block 64, lane 15: the second word);
        // -0 at 500 (block 31, lane 4; kept: bits are tested) and at 516 (block 32: the upper half of a word).
        x[0] = 1; x[17] = 2; x[33] = 4; x[1039] = 3; x[500] = -0f; x[516] = -0f;
        // Sample 2: everything but input 5.
        for (int i = 0; i < inputs; i++) x[2 * inputs + i] = i == 5 ? 0 : i + 1;
        int per = SparseInputs.MaskLength(inputs);
        Assert.Equal(32, per); // two words of 16 lanes
        var masks = new ulong[count * per];
        Assert.Equal(6 + (inputs - 1), SparseInputs.Masks(x, inputs, count, masks));
        Assert.Equal(1ul, masks[0]);                       // input 0: word 0, lane 0, block 0
        Assert.Equal(0b110ul, masks[1]);                   // inputs 17 and 33: lane 1, blocks 1 and 2
        Assert.Equal(1ul << 31 | 1ul << 32, masks[4]);     // inputs 500 and 516: lane 4, blocks 31 and 32
        Assert.Equal(1ul, masks[16 + 15]);                 // input 1039: word 1, lane 15, block 64
        for (int k = 0; k < per; k++) Assert.Equal(0ul, masks[per + k]);
        Assert.Equal(ulong.MaxValue & ~1ul, masks[2 * per + 5]); // every block of lane 5 but block 0
        Assert.Equal(1ul, masks[2 * per + 16 + 5]);               // the second word holds block 64 only
    }

    [Fact]
    public void Transpose_PutsEachInputsWeightsInARowLaneByLaneAndZerosAfterThem()
    {
        const int inputs = 32, outputs = 18;
        var w = new float[inputs * outputs];
        for (int j = 0; j < outputs; j++)
            for (int i = 0; i < inputs; i++) w[j * inputs + i] = j * 1000 + i;
        int stride = SparseInputs.Stride(outputs);
        Assert.Equal(64, stride); // a group of four vectors
        var t = new float[SparseInputs.TransposedLength(inputs, outputs)];
        Array.Fill(t, float.NaN);
        SparseInputs.Transpose(w, inputs, outputs, t);
        // Rows lane by lane: inputs 0, 16, 1, 17, ..., 15, 31.
        for (int i = 0; i < inputs; i++)
        {
            int row = i % 16 * 2 + i / 16;
            Assert.Equal(row, SparseInputs.Row(i, inputs));
            for (int j = 0; j < stride; j++)
                Assert.Equal(j < outputs ? j * 1000 + i : 0f, t[row * stride + j]);
        }
    }

    [Fact]
    public void Forward_RejectsShortSpans()
    {
        if (!SparseInputs.Supports(32)) return;
        var ex = Assert.Throws<ArgumentException>(() => SparseInputs.Masks(new float[32], 32, 2, new ulong[32]));
        Assert.Equal("x", ex.ParamName);
        // A mask bit past the last block would read past the row and the weights: refused before anything is read.
        var masks = new ulong[16];
        masks[3] = 1ul << 2; // 32 inputs are 2 blocks
        ex = Assert.Throws<ArgumentException>(() => SparseInputs.Forward(new float[SparseInputs.TransposedLength(32, 16)], new float[16], new float[32], masks,
            new float[16], 1, 32, 16, new float[SparseInputs.ScratchLength(16)]));
        Assert.Equal("masks", ex.ParamName);
    }

    /// <summary>
    /// <paramref name="count"/> image-like rows: each input zero with probability <paramref name="zeros"/>, whole
    /// zero blocks, a few -0 and tiny values; the sparse kernel's outputs must be the dense kernel's bits.
    /// </summary>
    private static void Same<TIn, TOut>(int count, double zeros) where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        var rng = new Random(nIn * 31 + nOut * 7 + count + (int)(zeros * 100));
        float[] w = Random(rng, nIn * nOut), b = Random(rng, nOut);
        var x = new float[count * nIn];
        for (int i = 0; i < x.Length; i++)
        {
            double u = rng.NextDouble();
            x[i] = u < zeros ? 0f : rng.Next(20) == 0 ? -0f : rng.Next(50) == 0 ? 1e-30f : (float)rng.NextDouble();
        }
        if (zeros < 1 && nIn >= 64) Array.Clear(x, 16, 32); // two whole zero blocks in the first row
        var dense = new float[count * nOut];
        Dense.ForwardBatch<TIn, TOut, Linear>(w, b, x, dense, count);

        var t = new float[SparseInputs.TransposedLength(nIn, nOut)];
        SparseInputs.Transpose(w, nIn, nOut, t);
        var masks = new ulong[count * SparseInputs.MaskLength(nIn)];
        long nonZero = SparseInputs.Masks(x, nIn, count, masks);
        long expected = 0;
        foreach (float v in x) if (BitConverter.SingleToInt32Bits(v) != 0) expected++;
        Assert.Equal(expected, nonZero);
        Assert.Equal(expected, SparseInputs.CountNonZero(x)); // the callers' look before transposing: the same count
        long head = 0;
        for (int i = 0; i < x.Length - 3; i++) if (BitConverter.SingleToInt32Bits(x[i]) != 0) head++;
        Assert.Equal(head, SparseInputs.CountNonZero(x.AsSpan(0, x.Length - 3))); // a length that is not whole vectors
        var sparse = new float[count * nOut + 5];
        Array.Fill(sparse, 42f);
        // With rows to fetch ahead (a length that is not whole cache lines): a hint that must change nothing.
        SparseInputs.Forward(t, b, x, masks, sparse, count, nIn, nOut, new float[SparseInputs.ScratchLength(nOut)], ahead: x.AsSpan(0, x.Length - 3));
        var plain = new float[count * nOut];
        SparseInputs.Forward(t, b, x, masks, plain, count, nIn, nOut, new float[SparseInputs.ScratchLength(nOut)]);
        for (int k = 0; k < plain.Length; k++) Assert.Equal(BitConverter.SingleToInt32Bits(plain[k]), BitConverter.SingleToInt32Bits(sparse[k]));

        for (int s = 0; s < count; s++)
            for (int j = 0; j < nOut; j++)
            {
                int at = s * nOut + j;
                if (BitConverter.SingleToInt32Bits(dense[at]) != BitConverter.SingleToInt32Bits(sparse[at]))
                    Assert.Fail($"[{nIn}x{nOut}] x{count}, {zeros:P0} zeros: sample {s} output {j}: dense {dense[at]:R}, sparse {sparse[at]:R}");
                double sum = b[j];
                for (int i = 0; i < nIn; i++) sum += (double)w[j * nIn + i] * x[s * nIn + i];
                Assert.True(Math.Abs(sum - sparse[at]) <= 1e-4 * (1 + Math.Abs(sum)), $"[{nIn}x{nOut}] sample {s} output {j}: {sparse[at]} against {sum}");
            }
        for (int k = count * nOut; k < sparse.Length; k++) Assert.Equal(42f, sparse[k]); // nothing written past the rows
    }

    private static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }
}
