using System;
using System.Collections.Generic;
using StaticNet.Kernels;
using StaticNet.Quantization;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Quantization;

/// <summary>The batch int8 kernel (four-sample tiles, tile-outer loop order) against plain row-major integer sums.</summary>
public class Int8DenseBatchTests
{
    private static List<Int8Path> Paths()
    {
        var paths = new List<Int8Path> { Int8Path.Scalar };
        if (Int8Dense.IsSupported(Int8Path.Avx2)) paths.Add(Int8Path.Avx2);
        if (Int8Dense.IsSupported(Int8Path.Vnni)) paths.Add(Int8Path.Vnni);
        if (Int8Dense.IsSupported(Int8Path.VnniWide)) paths.Add(Int8Path.VnniWide);
        return paths;
    }

    /// <summary>Random int8 weights, row-major and packed, with the padded sizes.</summary>
    private static (sbyte[] Weights, sbyte[] Packed, int PaddedInputs, int PaddedOutputs) RandomLayer(Random random, int inputs, int outputs)
    {
        var weights = new sbyte[outputs * inputs];
        for (int k = 0; k < weights.Length; k++) weights[k] = (sbyte)random.Next(-128, 128);
        return (weights, Int8Dense.Pack(weights, inputs, outputs), Int8Dense.PaddedInputs(inputs), Int8Dense.PaddedOutputs(outputs));
    }

    public static TheoryData<int, int> Sizes() => new() { { 37, 65 }, { 784, 128 }, { 20, 33 }, { 100, 10 }, { 64, 32 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MultiplyAccumulateBatch_EqualsRowMajorSums_ForOneToNineSamples(int inputs, int outputs)
    {
        var random = new Random(inputs * 1000 + outputs);
        var (weights, packed, paddedInputs, paddedOutputs) = RandomLayer(random, inputs, outputs);
        // Strides wider than the padded sizes, to check that rows are found by stride and nothing between them is read or written.
        int xStride = paddedInputs + 16, accStride = paddedOutputs + 8;
        const int Sentinel = 0x5A5A5A5A;

        for (int samples = 1; samples <= 9; samples++)
        {
            var x = new byte[samples * xStride];
            random.NextBytes(x);   // the padding past the inputs holds garbage: its weights are zero
            for (int s = 0; s < samples; s++)
            {
                // Zero blocks of 16 inputs: some in every sample (skipped), some in only a few of a group of four (not skipped).
                for (int b = 0; b < paddedInputs / 16; b++)
                    if ((b + s) % 3 == 0 || b % 4 == 1)
                        x.AsSpan(s * xStride + b * 16, 16).Clear();
                if (s == 5) x.AsSpan(s * xStride, paddedInputs).Clear();   // a sample that is all zeros
            }
            var expected = new int[samples * outputs];
            for (int s = 0; s < samples; s++)
                for (int j = 0; j < outputs; j++)
                {
                    long sum = 0;
                    for (int i = 0; i < inputs; i++) sum += weights[j * inputs + i] * x[s * xStride + i];
                    expected[s * outputs + j] = checked((int)sum);
                }

            foreach (Int8Path path in Paths())
            {
                var acc = new int[samples * accStride];
                acc.AsSpan().Fill(Sentinel);
                var live = new int[(samples + 3) / 4 * paddedInputs / 16];
                Int8Dense.MultiplyAccumulateBatch(path, packed, x, xStride, acc, accStride, samples, paddedInputs, paddedOutputs, live);
                for (int s = 0; s < samples; s++)
                {
                    for (int j = 0; j < outputs; j++)
                        Assert.True(expected[s * outputs + j] == acc[s * accStride + j], $"{path}, {samples} samples: sample {s} output {j}: expected {expected[s * outputs + j]}, got {acc[s * accStride + j]}");
                    for (int j = outputs; j < paddedOutputs; j++) Assert.Equal(0, acc[s * accStride + j]);   // zero weights
                    for (int j = paddedOutputs; j < accStride; j++) Assert.Equal(Sentinel, acc[s * accStride + j]);   // never written
                }
            }
        }
    }

    /// <summary>
    /// The one-sample kernel skips groups of four zero inputs when at most 55% of the groups are live
    /// (<see cref="Int8Dense.ListsGroups"/>), and reads every weight otherwise (16-input blocks off VNNI): inputs on both
    /// sides of that line, single live groups at the edges, odd and even counts, all give the row-major sums on every path.
    /// </summary>
    [Theory]
    [MemberData(nameof(Sizes))]
    public void MultiplyAccumulate_OneSample_EqualsRowMajorSums_AtEveryDensityOfLiveGroups(int inputs, int outputs)
    {
        var random = new Random(inputs * 7 + outputs);
        var (weights, packed, paddedInputs, paddedOutputs) = RandomLayer(random, inputs, outputs);
        int groupCount = paddedInputs / 4;
        const int Sentinel = 0x5A5A5A5A;

        int lastListed = groupCount;
        while (lastListed > 0 && !Int8Dense.ListsGroups(lastListed, groupCount)) lastListed--;
        Assert.True(Int8Dense.ListsGroups(groupCount / 2, groupCount) && !Int8Dense.ListsGroups(groupCount * 3 / 5 + 1, groupCount));

        var patterns = new List<bool[]>();
        foreach (int live in new[] { 0, 1, 2, 3, groupCount / 4, groupCount / 2, lastListed, lastListed + 1, groupCount * 3 / 4, groupCount - 1, groupCount })
        {
            // `live` groups at random places.
            var pattern = new bool[groupCount];
            int[] order = new int[groupCount];
            for (int g = 0; g < groupCount; g++) order[g] = g;
            random.Shuffle(order);
            for (int g = 0; g < Math.Min(live, groupCount); g++) pattern[order[g]] = true;
            patterns.Add(pattern);
        }
        foreach (int only in new[] { 0, groupCount / 2, groupCount - 1 })
        {
            var pattern = new bool[groupCount];
            pattern[only] = true;
            patterns.Add(pattern);
        }

        foreach (bool[] pattern in patterns)
        {
            var x = new byte[paddedInputs];
            for (int g = 0; g < groupCount; g++)
                if (pattern[g])
                {
                    // A live group with one nonzero byte at a random place in it, or four random bytes.
                    if (random.Next(2) == 0) x[4 * g + random.Next(4)] = (byte)random.Next(1, 256);
                    else for (int i = 0; i < 4; i++) x[4 * g + i] = (byte)random.Next(1, 256);
                }
            for (int i = inputs; i < paddedInputs; i++) x[i] = (byte)random.Next(256);   // padding: zero weights
            var expected = new int[outputs];
            for (int j = 0; j < outputs; j++)
            {
                long sum = 0;
                for (int i = 0; i < inputs; i++) sum += weights[j * inputs + i] * x[i];
                expected[j] = checked((int)sum);
            }
            int liveCount = 0;
            foreach (bool g in pattern) if (g) liveCount++;
            foreach (Int8Path path in Paths())
            {
                var acc = new int[paddedOutputs + 8];
                acc.AsSpan().Fill(Sentinel);
                Int8Dense.MultiplyAccumulate(path, packed, x, acc.AsSpan(0, paddedOutputs), paddedInputs, paddedOutputs);
                for (int j = 0; j < outputs; j++)
                    Assert.True(expected[j] == acc[j], $"{path}, {liveCount} of {groupCount} groups live: output {j}: expected {expected[j]}, got {acc[j]}");
                for (int j = outputs; j < paddedOutputs; j++) Assert.Equal(0, acc[j]);
                for (int j = paddedOutputs; j < acc.Length; j++) Assert.Equal(Sentinel, acc[j]);
            }
        }
    }

    [Fact]
    public void MultiplyAccumulateBatch_RejectsTooLittleScratch()
    {
        sbyte[] packed = Int8Dense.Pack(new sbyte[20 * 33], 20, 33);
        var x = new byte[5 * 32];
        var acc = new int[5 * 64];
        var error = Assert.Throws<ArgumentException>(() => Int8Dense.MultiplyAccumulateBatch(Int8Path.Scalar, packed, x, 32, acc, 64, 5, 32, 64, new int[3]));
        Assert.Equal("live", error.ParamName);
        Assert.Throws<ArgumentException>(() => Int8Dense.MultiplyAccumulateBatch(Int8Path.Scalar, packed, x, 16, acc, 64, 5, 32, 64, new int[4]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(83)]   // two chunks of 40 (784 inputs) and three samples
    public void PredictBatch_GivesTheBitsOfOneSampleAtATime_OnEveryPath(int samples)
    {
        var model = new MnistNet(seed: 3);
        var random = new Random(samples);
        var calibration = new float[100 * 784];
        for (int i = 0; i < calibration.Length; i++) calibration[i] = (float)random.NextDouble();
        Int8Network q = Int8Network.Quantize(model, calibration);
        var inputs = new float[samples * 784];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.Next(3) == 0 ? 0 : (float)random.NextDouble();
        var expected = new float[samples * 10];
        for (int s = 0; s < samples; s++)
            q.WithPath(Int8Path.Scalar).Predict(inputs.AsSpan(s * 784, 784), expected.AsSpan(s * 10, 10));
        foreach (Int8Path path in Paths())
        {
            var actual = new float[expected.Length];
            q.WithPath(path).PredictBatch(inputs, actual);
            Assert.Equal(expected, actual);
        }
        float[,] rows = new float[samples, 784];
        Buffer.BlockCopy(inputs, 0, rows, 0, inputs.Length * sizeof(float));
        float[,] all = q.Predict(rows);
        for (int s = 0; s < samples; s++)
            for (int k = 0; k < 10; k++)
                Assert.Equal(expected[s * 10 + k], all[s, k]);
    }
    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(0)]
    public void Quantize_EveryLength_GivesTheFloorOfTheRoundingFormula_ClampedToBytes(int vectorBits)
    {
        // The vector loops (16 or 32 at a time, then the last 16 or 32 again overlapping) and the scalar one against the formula in double.
        var random = new Random(11);
        const float Scale = 0.02f;
        const int ZeroPoint = 37;
        for (int n = 1; n <= 100; n++)
        {
            var x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float)(random.NextDouble() * 8 - 2.5);   // some below 0 and above 255 after scaling
            x[random.Next(n)] = 0;   // the real zero: exactly the zero point
            var q = new byte[n + 3];
            q.AsSpan().Fill(0xCC);
            ActivationQuantizer.Quantize(x, 1 / Scale, ZeroPoint, q, vectorBits);
            for (int i = 0; i < n; i++)
            {
                double v = Math.Floor((double)(x[i] * (1 / Scale) + (ZeroPoint + 0.5f)));
                Assert.True(Math.Clamp(v, 0, 255) == q[i], $"length {n}, element {i}: {x[i]} gave {q[i]}, expected {Math.Clamp(v, 0, 255)}");
            }
            Assert.Equal(0xCC, q[n]);   // nothing written past the inputs
        }
    }
}
