using System;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// <see cref="SparseInputGradients"/>: the first layer's weight gradients from the non-zero inputs, in the transposed
/// layout, against the dense kernel (<see cref="Tiled.WeightGradients{TIn, TOut}"/>: the same bits) and a
/// double-precision sum; the column masks against a plain loop; the transposition back against the one forward.
/// </summary>
public class SparseInputGradientTests
{
    private static (float[] X, float[] Delta) Data(int count, int inputs, int outputs, double zeroShare, int seed)
    {
        var random = new Random(seed);
        var x = new float[count * inputs];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextDouble() < zeroShare ? 0 : (float)random.NextDouble() - 0.2f;
        var delta = new float[count * outputs];
        for (int i = 0; i < delta.Length; i++) delta[i] = random.NextDouble() < 0.3 ? 0 : (float)(random.NextDouble() - 0.5);
        return (x, delta);
    }

    public static TheoryData<int, int, int, double> Shapes => new()
    {
        // MNIST's first layer at batch 32 and a half-batch; two words of sample masks (70: the second partial); one sample;
        // 64 outputs (the four-accumulator row), 192 (eight and four); every input zero, and none.
        { 32, 784, 128, 0.8 }, { 16, 784, 128, 0.8 }, { 70, 256, 128, 0.6 }, { 1, 64, 64, 0.5 },
        { 13, 64, 64, 0.7 }, { 40, 128, 192, 0.85 }, { 32, 784, 128, 1.0 }, { 32, 64, 128, 0.0 },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void WeightGradients_GiveTheDenseKernelsBits_Transposed(int count, int inputs, int outputs, double zeroShare)
    {
        if (!SparseInputGradients.Supports(inputs, outputs)) return; // no 512-bit vectors: never chosen (Supports is checked below)
        var (x, delta) = Data(count, inputs, outputs, zeroShare, seed: count + inputs + outputs);
        var dense = new float[inputs * outputs];
        DenseWeightGradients(inputs, outputs, delta, x, dense, count);
        var masks = new ulong[SparseInputGradients.ColumnMaskLength(inputs, count)];
        SparseInputGradients.ColumnMasks(x, inputs, count, masks);
        var transposed = new float[inputs * outputs];
        transposed.AsSpan().Fill(float.NaN); // every row must be written, zero rows too
        // In two ranges of rows, as threads may take them.
        SparseInputGradients.WeightGradients(delta, x, masks, count, inputs, outputs, transposed, 0, inputs / 2);
        SparseInputGradients.WeightGradients(delta, x, masks, count, inputs, outputs, transposed, inputs / 2, inputs);
        for (int j = 0; j < outputs; j++)
            for (int i = 0; i < inputs; i++)
            {
                float sparse = transposed[SparseInputs.Row(i, inputs) * outputs + j];
                Assert.Equal(BitConverter.SingleToInt32Bits(dense[j * inputs + i]), BitConverter.SingleToInt32Bits(sparse));
                double exact = 0;
                for (int s = 0; s < count; s++) exact += (double)x[s * inputs + i] * delta[s * outputs + j];
                Assert.True(Math.Abs(sparse - exact) <= 1e-5 * (1 + Math.Abs(exact)), $"dW[{j}, {i}] = {sparse}, exact {exact}");
            }
    }

    private static void DenseWeightGradients(int inputs, int outputs, float[] delta, float[] x, float[] dw, int count)
    {
        ref float d = ref delta[0];
        ref float xr = ref x[0];
        ref float g = ref dw[0];
        switch ((inputs, outputs))
        {
            case (784, 128): Tiled.WeightGradients<SparseInputKernelTests.N784, SparseInputKernelTests.N128>(ref d, ref xr, ref g, count); break;
            case (256, 128): Tiled.WeightGradients<N256, SparseInputKernelTests.N128>(ref d, ref xr, ref g, count); break;
            case (64, 64): Tiled.WeightGradients<SparseInputKernelTests.N64, SparseInputKernelTests.N64>(ref d, ref xr, ref g, count); break;
            case (128, 192): Tiled.WeightGradients<SparseInputKernelTests.N128, N192>(ref d, ref xr, ref g, count); break;
            case (64, 128): Tiled.WeightGradients<SparseInputKernelTests.N64, SparseInputKernelTests.N128>(ref d, ref xr, ref g, count); break;
            default: throw new ArgumentException($"no constants for {inputs} x {outputs}");
        }
    }

    public readonly struct N192 : IConstant { public static int Value => 192; }
    public readonly struct N256 : IConstant { public static int Value => 256; }

    [Fact]
    public void ColumnMasks_MarkEachSampleWhereTheInputIsNotZero()
    {
        if (!SparseInputs.Supports(64)) return;
        const int inputs = 64, count = 70; // two words a column, the second with six samples
        var (x, _) = Data(count, inputs, 16, 0.5, seed: 3);
        x[5 * inputs + 7] = -0f; // -0 counts as not zero, by its bits (as SparseInputs.Masks)
        var masks = new ulong[SparseInputGradients.ColumnMaskLength(inputs, count)];
        masks.AsSpan().Fill(ulong.MaxValue);
        SparseInputGradients.ColumnMasks(x, inputs, count, masks);
        for (int i = 0; i < inputs; i++)
            for (int s = 0; s < count; s++)
            {
                bool marked = (masks[s / 64 * inputs + i] >> (s % 64) & 1) != 0;
                Assert.Equal(BitConverter.SingleToInt32Bits(x[s * inputs + i]) != 0, marked);
            }
        for (int i = 0; i < inputs; i++) Assert.Equal(0UL, masks[inputs + i] >> 6); // nothing past the count
    }

    [Fact]
    public void TransposeBack_UndoesTheTransposition()
    {
        if (!SparseInputGradients.Supports(784, 128)) return;
        foreach ((int inputs, int outputs) in new[] { (784, 128), (64, 64), (128, 192) })
        {
            var (weights, _) = Data(1, inputs * outputs, 1, 0.1, seed: inputs);
            var transposed = new float[inputs * outputs];
            SparseInputs.Transpose(weights, inputs, outputs, transposed);
            Assert.Equal(weights[5 * inputs + 17], transposed[SparseInputs.Row(17, inputs) * outputs + 5]);
            var back = new float[inputs * outputs];
            SparseInputGradients.TransposeBack(transposed, inputs, outputs, back);
            Assert.Equal(weights, back);
        }
    }

    /// <summary>
    /// Training's two threads: each computes the chains of its half of the transposed rows (lanes 0-7 or 8-15) for every
    /// sample, in two calls of half the samples; each then adds both halves for its own samples. The bits of the whole
    /// forward pass.
    /// </summary>
    [Fact]
    public void LanesSplitInTwo_GiveTheForwardPasssBits()
    {
        if (!SparseInputGradients.Supports(784, 128)) return;
        foreach ((int count, int outputs) in new[] { (32, 128), (16, 256), (5, 64), (64, 192) })
        {
            const int inputs = 784;
            var (x, _) = Data(count, inputs, 1, 0.8, seed: count + outputs);
            var (weights, _) = Data(1, inputs * outputs, 1, 0.0, seed: outputs);
            var bias = new float[outputs];
            for (int j = 0; j < outputs; j++) bias[j] = 0.01f * j;
            int perSample = SparseInputs.MaskLength(inputs);
            var masks = new ulong[count * perSample];
            SparseInputs.Masks(x, inputs, count, masks);
            var transposed = new float[inputs * outputs];
            SparseInputs.Transpose(weights, inputs, outputs, transposed);
            var whole = new float[count * outputs];
            SparseInputs.Forward(transposed, bias, x, masks, whole, count, inputs, outputs, new float[SparseInputs.ScratchLength(outputs)]);

            float[] lower = new float[SparseInputs.LaneSumsLength(count, outputs)], upper = new float[lower.Length];
            int half = count / 2;
            foreach ((int first, int n) in new[] { (0, half), (half, count - half) })
            {
                SparseInputs.ForwardLanes(transposed, x.AsSpan(first * inputs), masks.AsSpan(first * perSample), n, inputs, outputs, 0, lower, first, count);
                SparseInputs.ForwardLanes(transposed, x.AsSpan(first * inputs), masks.AsSpan(first * perSample), n, inputs, outputs, 8, upper, first, count);
            }
            var split = new float[count * outputs];
            SparseInputs.ReduceLanes(lower, upper, count, 0, half, outputs, bias, split);
            SparseInputs.ReduceLanes(lower, upper, count, half, count - half, outputs, bias, split.AsSpan(half * outputs));
            Assert.Equal(whole, split);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseInputs.ForwardLanes(new float[784 * 64], new float[784], new ulong[16], 1, 784, 64, 4,
            new float[SparseInputs.LaneSumsLength(1, 64)], 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseInputs.ReduceLanes(new float[SparseInputs.LaneSumsLength(2, 64)], new float[SparseInputs.LaneSumsLength(2, 64)],
            2, 1, 2, 64, new float[64], new float[128]));
    }

    [Fact]
    public void Supports_NeedsUnitsInGroupsOf64()
    {
        Assert.False(SparseInputGradients.Supports(784, 100));
        Assert.False(SparseInputGradients.Supports(785, 128));
        Assert.Equal(SparseInputs.Supports(784), SparseInputGradients.Supports(784, 128));
    }

    [Fact]
    public void BadArguments_AreRejected()
    {
        if (!SparseInputGradients.Supports(64, 64)) return;
        var (x, delta) = Data(3, 64, 64, 0.5, seed: 1);
        var masks = new ulong[SparseInputGradients.ColumnMaskLength(64, 3)];
        SparseInputGradients.ColumnMasks(x, 64, 3, masks);
        var g = new float[64 * 64];
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseInputGradients.WeightGradients(delta, x, masks, 3, 64, 64, g, 10, 65));
        Assert.Throws<ArgumentException>(() => SparseInputGradients.WeightGradients(delta, x, masks, 3, 64, 64, new float[100], 0, 64));
        masks[4] |= 1UL << 5; // a sample past the count
        Assert.Throws<ArgumentException>(() => SparseInputGradients.WeightGradients(delta, x, masks, 3, 64, 64, g, 0, 64));
        Assert.Throws<ArgumentException>(() => SparseInputGradients.ColumnMasks(x, 64, 4, masks));
    }
}
