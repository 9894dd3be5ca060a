using System;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The dense kernels against a plain double-precision reference, over sizes that exercise every
/// path: register tiles, partial tiles of samples and outputs, input sizes that are and are not
/// multiples of the vector width, and sizes below it (the scalar path).
/// </summary>
public class DenseKernelTests
{
    public readonly struct N1 : IConstant { public static int Value => 1; }
    public readonly struct N3 : IConstant { public static int Value => 3; }
    public readonly struct N7 : IConstant { public static int Value => 7; }
    public readonly struct N16 : IConstant { public static int Value => 16; }
    public readonly struct N25 : IConstant { public static int Value => 25; }
    public readonly struct N64 : IConstant { public static int Value => 64; }
    public readonly struct N100 : IConstant { public static int Value => 100; }
    public readonly struct N129 : IConstant { public static int Value => 129; }
    public readonly struct N16400 : IConstant { public static int Value => 16400; }
    public readonly struct N5 : IConstant { public static int Value => 5; }
    public readonly struct N10 : IConstant { public static int Value => 10; }
    public readonly struct N80 : IConstant { public static int Value => 80; }
    public readonly struct N200 : IConstant { public static int Value => 200; }
    public readonly struct N784 : IConstant { public static int Value => 784; }

    // The batch kernels take eight samples, then four, then one at a time: every count from 1 to 9,
    // and counts that end on each of those (12 = 8 + 4, 13 = 8 + 4 + 1, 15 = 8 + 4 + 3, 16, 17, 32).
    public static TheoryData<int> Counts => new() { 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15, 16, 17, 32 };

    [Theory, MemberData(nameof(Counts))]
    public void AllKernels_MatchReference(int count)
    {
        Check<N16, N3>(count); Check<N25, N1>(count); Check<N25, N7>(count); Check<N64, N16>(count);
        Check<N100, N25>(count); Check<N129, N7>(count); Check<N7, N3>(count); Check<N3, N16>(count);
        Check<N129, N129>(count);
        // Weight gradients take 64-input blocks, then 16-input vectors, the last one overlapping:
        // one block and one vector (80), three blocks and a partial vector (200), MNIST's first and last layers.
        Check<N80, N5>(count); Check<N200, N10>(count); Check<N784, N10>(count);
    }

    [Theory, MemberData(nameof(Counts))]
    public void ForwardBatch_GivesEachSampleTheBitsOfTheOneSampleKernel(int count)
    {
        // Every batch tile sums an output in the one-sample kernel's order (one accumulator over the
        // input blocks, the same final reduction), so a sample's outputs do not depend on the batch
        // it is in or its place there.
        Bits<N16, N3>(count); Bits<N25, N7>(count); Bits<N100, N25>(count); Bits<N129, N16>(count);
        Bits<N784, N10>(count); Bits<N7, N3>(count);
    }

    private static void Bits<TIn, TOut>(int count) where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        var rng = new Random(nIn + 7 * nOut + 31 * count);
        float[] w = Random(rng, nIn * nOut), b = Random(rng, nOut), x = Random(rng, count * nIn);
        var y = new float[count * nOut];
        Dense.ForwardBatch<TIn, TOut, Linear>(w, b, x, y, count);
        var one = new float[nOut];
        for (int s = 0; s < count; s++)
        {
            Dense.Forward<TIn, TOut, Linear>(w, b, x.AsSpan(s * nIn, nIn), one);
            for (int j = 0; j < nOut; j++)
                Assert.True(BitConverter.SingleToInt32Bits(one[j]) == BitConverter.SingleToInt32Bits(y[s * nOut + j]),
                    $"[{nIn}x{nOut}] batch of {count}, sample {s}, output {j}: {y[s * nOut + j]:G9} in the batch, {one[j]:G9} alone");
        }
    }

    [Fact]
    public void ForwardBatch_RowsOnAndOff64ByteBoundaries_GiveTheSameBits()
    {
        // Layers larger than L1 read eight-sample tiles either straight from X (rows of a multiple of
        // 16 floats starting on a 64-byte boundary) or from a copy that is aligned: both must give
        // the reference's values and the same bits. 784 x 16 weights (12,544) take that path;
        // 17 samples = two eight-sample tiles and one more.
        const int Count = 17, NIn = 784, NOut = 16;
        var rng = new Random(11);
        float[] w = Random(rng, NIn * NOut), b = Random(rng, NOut), values = Random(rng, Count * NIn);
        float[] buffer = GC.AllocateArray<float>(Count * NIn + 32, pinned: true);
        long address = (long)System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
        int aligned = (int)((64 - address % 64) % 64 / 4);
        float[]? first = null;
        foreach (int offset in new[] { aligned, aligned + 1, aligned + 4 })
        {
            values.CopyTo(buffer, offset);
            var y = new float[Count * NOut];
            Dense.ForwardBatch<N784, N16, Linear>(w, b, buffer.AsSpan(offset, Count * NIn), y, Count);
            for (int s = 0; s < Count; s++)
                for (int j = 0; j < NOut; j++)
                {
                    double expected = b[j];
                    for (int k = 0; k < NIn; k++) expected += (double)w[j * NIn + k] * values[s * NIn + k];
                    AssertClose(expected, y[s * NOut + j], $"forward, X at offset {offset - aligned} from a 64-byte boundary, sample {s} output {j}");
                }
            first ??= y;
            Assert.Equal(first, y);
        }
    }

    [Fact]
    public void ForwardBatch_SkippingBlocksThatAreZeroInAWholeTile_GivesTheBitsOfTheFullInOrderSum()
    {
        // Image-like inputs: 16-float blocks that are zero in every sample (a border), zero in all
        // samples but one (that one block must still count), all -0 (kept, adds nothing) and zero in
        // one sample only. Each output must be the bits of its full chain: one fused multiply-add per
        // lane over every block in order, zero blocks included, reduced in the tiles' tree.
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            return; // the portable path sums another way; AllKernels_MatchReference covers it
        const int Count = 19, NIn = 784, NOut = 16, Blocks = NIn / 16;
        var rng = new Random(21);
        float[] w = Random(rng, NIn * NOut), b = Random(rng, NOut), x = Random(rng, Count * NIn);
        for (int s = 0; s < Count; s++)
            for (int block = 0; block < Blocks; block++)
            {
                bool zero = block % 3 == 0 && !(block == 9 && (s == 7 || s == 13)) || block % 7 == 1 && s % 8 == 2;
                for (int k = block * 16; k < block * 16 + 16; k++)
                    if (zero) x[s * NIn + k] = 0f;
                    else if (block == 10) x[s * NIn + k] = -0f;
            }
        var y = new float[Count * NOut];
        Dense.ForwardBatch<N784, N16, Linear>(w, b, x, y, Count);
        var lanes = new float[16];
        for (int s = 0; s < Count; s++)
            for (int j = 0; j < NOut; j++)
            {
                Array.Clear(lanes);
                for (int k = 0; k < NIn; k++) lanes[k % 16] = MathF.FusedMultiplyAdd(w[j * NIn + k], x[s * NIn + k], lanes[k % 16]);
                var eight = new float[8];
                for (int i = 0; i < 8; i++) eight[i] = lanes[i] + lanes[i + 8];
                var four = new float[4];
                for (int i = 0; i < 4; i++) four[i] = eight[i] + eight[i + 4];
                float expected = (four[0] + four[1]) + (four[2] + four[3]) + b[j];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[s * NOut + j]),
                    $"sample {s}, output {j}: {y[s * NOut + j]:G9}, the full in-order chain gives {expected:G9}");
            }
    }

    [Theory, MemberData(nameof(Counts))]
    public void WeightGradients_OnTheTiledPath_SumTheSamplesInOrderWithFusedMultiplyAdds(int count)
    {
        // The tiled kernel's contract, whatever its loop order: dW[j, k] is the fused multiply-add
        // chain over the samples in order, starting from zero; so a change of blocking cannot change a bit.
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            return; // the portable path sums in another order; AllKernels_MatchReference covers it
        GradientBits<N80, N5>(count); GradientBits<N200, N10>(count); GradientBits<N129, N7>(count); GradientBits<N784, N10>(count);
        GradientBits<N784, N25>(count); GradientBits<N129, N129>(count); // 16-output tiles, then 4, then 1
    }

    private static void GradientBits<TIn, TOut>(int count) where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        var rng = new Random(3 * nIn + nOut + count);
        float[] x = Random(rng, count * nIn), d = Random(rng, count * nOut);
        // Image-like background: of every eight windows of 16 inputs, four are full (the dense 64-input panel runs over
        // them) and four are zero (or -0) in some samples (the window tile runs over the others only).
        for (int s = 0; s < count; s++)
            for (int k = 0; k < nIn; k++)
            {
                int window = k / 16;
                if (window % 8 < 4) continue;
                if ((window + s) % 3 == 0) x[s * nIn + k] = 0f;
                else if (window % 5 == 4 && s % 2 == 1) x[s * nIn + k] = -0f;
            }
        var dw = new float[nIn * nOut];
        Dense.ParameterGradients<TIn, TOut>(d, x, count, dw, new float[nOut]);
        for (int j = 0; j < nOut; j++)
            for (int k = 0; k < nIn; k++)
            {
                float expected = 0;
                for (int s = 0; s < count; s++) expected = MathF.FusedMultiplyAdd(x[s * nIn + k], d[s * nOut + j], expected);
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(dw[j * nIn + k]),
                    $"dW [{nIn}x{nOut}] ({j},{k}), {count} samples: {dw[j * nIn + k]:G9}, the in-order chain gives {expected:G9}");
            }
    }

    private static void Check<TIn, TOut>(int count) where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        var rng = new Random(nIn * 1000 + nOut * 10 + count);
        float[] w = Random(rng, nIn * nOut), b = Random(rng, nOut), x = Random(rng, count * nIn), d = Random(rng, count * nOut);

        // Forward, batch and one sample.
        var y = new float[count * nOut];
        Dense.ForwardBatch<TIn, TOut, Linear>(w, b, x, y, count);
        var one = new float[nOut];
        for (int s = 0; s < count; s++)
        {
            Dense.Forward<TIn, TOut, Linear>(w, b, x.AsSpan(s * nIn, nIn), one);
            for (int j = 0; j < nOut; j++)
            {
                double expected = b[j];
                for (int k = 0; k < nIn; k++) expected += (double)w[j * nIn + k] * x[s * nIn + k];
                AssertClose(expected, y[s * nOut + j], $"forward [{nIn}x{nOut}] sample {s} output {j}");
                AssertClose(expected, one[j], $"forward one [{nIn}x{nOut}] sample {s} output {j}");
            }
        }

        // Parameter gradients: dW = Δᵀ X, db = Σ Δ (filled with garbage first: they must be overwritten).
        var dw = new float[nIn * nOut];
        var db = new float[nOut];
        Array.Fill(dw, 99f);
        Array.Fill(db, 99f);
        Dense.ParameterGradients<TIn, TOut>(d, x, count, dw, db);
        for (int j = 0; j < nOut; j++)
        {
            double bias = 0;
            for (int s = 0; s < count; s++) bias += d[s * nOut + j];
            AssertClose(bias, db[j], $"db [{nIn}x{nOut}] {j}");
            for (int k = 0; k < nIn; k++)
            {
                double expected = 0;
                for (int s = 0; s < count; s++) expected += (double)d[s * nOut + j] * x[s * nIn + k];
                AssertClose(expected, dw[j * nIn + k], $"dW [{nIn}x{nOut}] ({j},{k})");
            }
        }

        // Input gradients through a linear previous layer: dX = Δ W.
        var dx = new float[count * nIn];
        Array.Fill(dx, 99f);
        Dense.InputGradients<TIn, TOut, Linear>(w, d, x, count, dx);
        for (int s = 0; s < count; s++)
            for (int k = 0; k < nIn; k++)
            {
                double expected = 0;
                for (int j = 0; j < nOut; j++) expected += (double)d[s * nOut + j] * w[j * nIn + k];
                AssertClose(expected, dx[s * nIn + k], $"dX [{nIn}x{nOut}] ({s},{k})");
            }
    }

    [Fact]
    public void OneSample_WithZeroInputBlocks_SkipsThemAndStillMatchesTheReference()
    {
        // Half of the 16-input blocks all zero (as an image's background): the one-sample kernel
        // reads only the other blocks' weights; the result must not change.
        SparseCheck<N64, N7>(zeroBlocks: new[] { 0, 2 });
        SparseCheck<N129, N16>(zeroBlocks: new[] { 1, 3, 4, 6 });
        SparseCheck<N100, N25>(zeroBlocks: new[] { 0, 1, 2, 5 });
        // More blocks than the stack list holds (1,025): the list comes from the array pool.
        SparseCheck<N16400, N3>(zeroBlocks: new[] { 0, 7, 1024 });
    }

    private static void SparseCheck<TIn, TOut>(int[] zeroBlocks) where TIn : IConstant where TOut : IConstant
    {
        int nIn = TIn.Value, nOut = TOut.Value;
        var rng = new Random(nIn + nOut);
        float[] w = Random(rng, nIn * nOut), b = Random(rng, nOut), x = Random(rng, nIn);
        foreach (int block in zeroBlocks) Array.Clear(x, block * 16, 16);
        var y = new float[nOut];
        Dense.Forward<TIn, TOut, Linear>(w, b, x, y);
        for (int j = 0; j < nOut; j++)
        {
            double expected = b[j];
            for (int k = 0; k < nIn; k++) expected += (double)w[j * nIn + k] * x[k];
            AssertClose(expected, y[j], $"sparse forward [{nIn}x{nOut}] output {j}");
        }
        // The skipped blocks add nothing, so the batch tiles (which read every block) give the same bits.
        var batch = new float[8 * nIn];
        for (int s = 0; s < 8; s++) x.CopyTo(batch, s * nIn);
        var yb = new float[8 * nOut];
        Dense.ForwardBatch<TIn, TOut, Linear>(w, b, batch, yb, 8);
        for (int s = 0; s < 8; s++) Assert.Equal(y, yb.AsSpan(s * nOut, nOut).ToArray());
    }

    [Fact]
    public void Kernels_RejectShortSpans()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Dense.ForwardBatch<N16, N3, Linear>(new float[48], new float[3], new float[16 * 2 - 1], new float[6], 2));
        Assert.Contains("31", ex.Message);
        Assert.Contains("32", ex.Message);
    }

    private static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    private static void AssertClose(double expected, float actual, string what)
    {
        if (Math.Abs(expected - actual) > 1e-4 * (1 + Math.Abs(expected)))
            Assert.Fail($"{what}: expected {expected}, got {actual}");
    }
}
