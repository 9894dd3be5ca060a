using System;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The pooling kernels against naive double-precision references written here (windows clipped to
/// the input by the Keras 'same' rule: excluded positions, average over valid positions only), and
/// their input gradients against central finite differences of that reference. Channel counts
/// cover the 8-wide vector path, its scalar tail (11 = 8 + 3) and the scalar path alone (3, 4).
/// </summary>
public class PoolingKernelTests
{
    // Geometries as the generator will emit them (Keras rules: 'valid' out = (in - k) / s + 1;
    // 'same' out = ceil(in / s), pad_total = max((out - 1) s + k - in, 0), PadTop = pad_total / 2).

    /// <summary>2x2 stride 2 'valid' on 6x8x11.</summary>
    public readonly struct Valid2x2 : IPool2DGeometry
    {
        public static int InHeight => 6; public static int InWidth => 8; public static int Channels => 11;
        public static int OutHeight => 3; public static int OutWidth => 4;
        public static int PoolHeight => 2; public static int PoolWidth => 2;
        public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>2x2 stride 2 on 11x9x32: whole 512-bit vectors of channels (the fast path), the last row and column left out.</summary>
    public readonly struct Valid2x2Wide : IPool2DGeometry
    {
        public static int InHeight => 11; public static int InWidth => 9; public static int Channels => 32;
        public static int OutHeight => 5; public static int OutWidth => 4;
        public static int PoolHeight => 2; public static int PoolWidth => 2;
        public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>3x3 stride 2 'same' on 7x5x11: pad_total 2 both ways, so PadTop = PadLeft = 1 and the last window is partial.</summary>
    public readonly struct Same3x3 : IPool2DGeometry
    {
        public static int InHeight => 7; public static int InWidth => 5; public static int Channels => 11;
        public static int OutHeight => 4; public static int OutWidth => 3;
        public static int PoolHeight => 3; public static int PoolWidth => 3;
        public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PadTop => 1; public static int PadLeft => 1;
    }

    /// <summary>2x3 pool, stride (1, 2), 'valid' on 5x7x9 (overlapping rows).</summary>
    public readonly struct NonSquareValid : IPool2DGeometry
    {
        public static int InHeight => 5; public static int InWidth => 7; public static int Channels => 9;
        public static int OutHeight => 4; public static int OutWidth => 3;
        public static int PoolHeight => 2; public static int PoolWidth => 3;
        public static int StrideHeight => 1; public static int StrideWidth => 2;
        public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>3x2 pool, stride (2, 1), 'same' on 5x4x3: rows pad 1 top and 1 bottom, columns 0 left and 1 right.</summary>
    public readonly struct NonSquareSame : IPool2DGeometry
    {
        public static int InHeight => 5; public static int InWidth => 4; public static int Channels => 3;
        public static int OutHeight => 3; public static int OutWidth => 4;
        public static int PoolHeight => 3; public static int PoolWidth => 2;
        public static int StrideHeight => 2; public static int StrideWidth => 1;
        public static int PadTop => 1; public static int PadLeft => 0;
    }

    /// <summary>2x2 stride 1 'valid' on 4x4x16: every inner input in four windows.</summary>
    public readonly struct Overlapping : IPool2DGeometry
    {
        public static int InHeight => 4; public static int InWidth => 4; public static int Channels => 16;
        public static int OutHeight => 3; public static int OutWidth => 3;
        public static int PoolHeight => 2; public static int PoolWidth => 2;
        public static int StrideHeight => 1; public static int StrideWidth => 1;
        public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>1-D (height 1): pool 3 stride 2 'same' over 10 steps x 4 channels (pad 0 left, 1 right).</summary>
    public readonly struct OneDSame : IPool2DGeometry
    {
        public static int InHeight => 1; public static int InWidth => 10; public static int Channels => 4;
        public static int OutHeight => 1; public static int OutWidth => 5;
        public static int PoolHeight => 1; public static int PoolWidth => 3;
        public static int StrideHeight => 1; public static int StrideWidth => 2;
        public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>1-D: pool 2 stride 2 'valid' over 9 steps x 16 channels (the last step in no window).</summary>
    public readonly struct OneDValid : IPool2DGeometry
    {
        public static int InHeight => 1; public static int InWidth => 9; public static int Channels => 16;
        public static int OutHeight => 1; public static int OutWidth => 4;
        public static int PoolHeight => 1; public static int PoolWidth => 2;
        public static int StrideHeight => 1; public static int StrideWidth => 2;
        public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>2x2 stride 2 on 2x4x9: two windows, for the tie rule on vector lanes and the scalar tail.</summary>
    public readonly struct TieGeometry : IPool2DGeometry
    {
        public static int InHeight => 2; public static int InWidth => 4; public static int Channels => 9;
        public static int OutHeight => 1; public static int OutWidth => 2;
        public static int PoolHeight => 2; public static int PoolWidth => 2;
        public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>PadTop as large as the pool: the first window would lie wholly in the padding.</summary>
    public readonly struct EmptyFirstWindow : IPool2DGeometry
    {
        public static int InHeight => 4; public static int InWidth => 4; public static int Channels => 2;
        public static int OutHeight => 2; public static int OutWidth => 2;
        public static int PoolHeight => 2; public static int PoolWidth => 2;
        public static int StrideHeight => 2; public static int StrideWidth => 2;
        public static int PadTop => 2; public static int PadLeft => 0;
    }

    public readonly struct P6 : IConstant { public static int Value => 6; }
    public readonly struct P1 : IConstant { public static int Value => 1; }
    public readonly struct C11 : IConstant { public static int Value => 11; }
    public readonly struct C3 : IConstant { public static int Value => 3; }

    [Fact]
    public void Forward_MatchesReference_ForEveryGeometry()
    {
        CheckForward<Valid2x2>(3);
        CheckForward<Valid2x2Wide>(3);
        CheckForward<Same3x3>(2);
        CheckForward<NonSquareValid>(2);
        CheckForward<NonSquareSame>(3);
        CheckForward<Overlapping>(2);
        CheckForward<OneDSame>(3);
        CheckForward<OneDValid>(2);
    }

    private static void CheckForward<TGeom>(int count) where TGeom : IPool2DGeometry
    {
        int inSize = InSize<TGeom>(), outSize = OutSize<TGeom>();
        var rng = new Random(inSize * 31 + outSize);
        float[] x = Uniform(rng, count * inSize, -1, 1);
        foreach (bool max in new[] { true, false })
        {
            string kind = (max ? "max " : "average ") + typeof(TGeom).Name;
            var y = new float[count * outSize];
            Array.Fill(y, float.NaN);
            if (max) MaxPooling2D.ForwardBatch<TGeom>(x, y, count);
            else AveragePooling2D.ForwardBatch<TGeom>(x, y, count);
            double[] expected = ReferencePool<TGeom>(ToDouble(x), count, max);
            for (int i = 0; i < y.Length; i++)
            {
                if (max) Assert.True(expected[i] == y[i], $"{kind} output {i}: expected {expected[i]}, got {y[i]}");
                else AssertClose(expected[i], y[i], 1e-6, $"{kind} output {i}");
            }
            // One sample at a time (count 1, as Predict calls it) gives the same values, bit for bit.
            var one = new float[outSize];
            for (int s = 0; s < count; s++)
            {
                if (max) MaxPooling2D.ForwardBatch<TGeom>(x.AsSpan(s * inSize, inSize), one, 1);
                else AveragePooling2D.ForwardBatch<TGeom>(x.AsSpan(s * inSize, inSize), one, 1);
                Assert.Equal(y.AsSpan(s * outSize, outSize).ToArray(), one);
            }
        }
    }

    [Fact]
    public void Forward_PartialWindowsAverageOnlyTheirValidPositions()
    {
        // Hand check of the 'same' rule on Same3x3's corner: output (0, 0) covers input rows 0..1 and
        // columns 0..1 only (4 valid positions of 9), so it is their mean, not their sum / 9.
        int inSize = InSize<Same3x3>(), ch = Same3x3.Channels;
        var x = new float[inSize];
        for (int iy = 0; iy < 7; iy++)
            for (int ix = 0; ix < 5; ix++)
                x[(iy * 5 + ix) * ch + 10] = iy * 10 + ix; // channel 10: the scalar tail
        var y = new float[OutSize<Same3x3>()];
        AveragePooling2D.ForwardBatch<Same3x3>(x, y, 1);
        Assert.Equal((0 + 1 + 10 + 11) / 4f, y[10]);
        // Output (3, 2): rows 5..6, columns 3..4 (rows 7 and column 5 are padding).
        Assert.Equal((53 + 54 + 63 + 64) / 4f, y[(3 * 3 + 2) * ch + 10]);
        MaxPooling2D.ForwardBatch<Same3x3>(x, y, 1);
        Assert.Equal(11f, y[10]);
        Assert.Equal(64f, y[(3 * 3 + 2) * ch + 10]);
    }

    [Fact]
    public void MaxPooling_TwoByTwoFastPath_KeepsTheFirstOfTiesAndNaNAsTheGeneralLoop()
    {
        // The rule of the general loop: the window's first value, then each later one in scan order replaces it only
        // when greater; so +0 after -0 does not replace it, a NaN never replaces, and a first NaN stays.
        const int H = 11, W = 9, C = 32;
        var rng = new Random(4);
        float[] pick = { -0f, 0f, float.NaN, 1f, -1f, 2f };
        var x = new float[2 * H * W * C];
        for (int i = 0; i < x.Length; i++) x[i] = pick[rng.Next(pick.Length)];
        var y = new float[2 * 5 * 4 * C];
        MaxPooling2D.ForwardBatch<Valid2x2Wide>(x, y, 2);
        for (int s = 0; s < 2; s++)
            for (int oy = 0; oy < 5; oy++)
                for (int ox = 0; ox < 4; ox++)
                    for (int c = 0; c < C; c++)
                    {
                        float At(int dy, int dx) => x[((s * H + 2 * oy + dy) * W + 2 * ox + dx) * C + c];
                        float best = At(0, 0);
                        foreach (float v in new[] { At(0, 1), At(1, 0), At(1, 1) })
                            if (v > best) best = v;
                        float got = y[((s * 5 + oy) * 4 + ox) * C + c];
                        Assert.Equal(BitConverter.SingleToInt32Bits(best), BitConverter.SingleToInt32Bits(got));
                    }
    }

    [Fact]
    public void MaxPooling_RoutesTiesToTheFirstMaximumInScanOrder()
    {
        int ch = TieGeometry.Channels, inSize = InSize<TieGeometry>();
        var x = new float[inSize];
        // Window 0 holds input (0,0), (0,1), (1,0), (1,1); window 1 holds (0,2), (0,3), (1,2), (1,3).
        // Each channel gets its own tie pattern; channel 8 is on the scalar tail, 0..7 on the vector lanes.
        int[][] windows = { new[] { 0, 1, 4, 5 }, new[] { 2, 3, 6, 7 } };
        float[][] patterns =
        {
            new[] { 1f, 1f, 1f, 1f },   // all equal: the first
            new[] { 0f, 5f, 5f, 2f },   // tie in (0,1) and (1,0): (0,1)
            new[] { 3f, 0f, 1f, 3f },   // tie of first and last: the first
            new[] { -2f, -1f, -3f, -1f },
            new[] { 0f, 0f, 7f, 7f },
            new[] { 9f, 1f, 9f, 1f },
            new[] { -0f, 0f, -1f, -1f }, // -0 == +0: the first
            new[] { 1f, 2f, 3f, 4f },   // no tie: the last
            new[] { 4f, 6f, 6f, 6f },   // scalar tail: (0,1)
        };
        int[] expectedFirst = { 0, 1, 0, 1, 2, 0, 0, 3, 1 };
        for (int w = 0; w < 2; w++)
            for (int c = 0; c < ch; c++)
                for (int k = 0; k < 4; k++)
                    x[windows[w][k] * ch + c] = patterns[(c + w) % ch][k];
        var delta = new float[2 * ch];
        for (int i = 0; i < delta.Length; i++) delta[i] = i + 1;
        var y = new float[2 * ch];
        MaxPooling2D.ForwardBatch<TieGeometry>(x, y, 1);
        var dx = new float[inSize];
        Array.Fill(dx, 99f);
        MaxPooling2D.InputGradients<TieGeometry, Linear>(x, delta, 1, dx);
        for (int w = 0; w < 2; w++)
            for (int c = 0; c < ch; c++)
            {
                int pattern = (c + w) % ch;
                float[] values = patterns[pattern];
                Assert.Equal(Math.Max(Math.Max(values[0], values[1]), Math.Max(values[2], values[3])), y[w * ch + c]);
                for (int k = 0; k < 4; k++)
                {
                    float expected = k == expectedFirst[pattern] ? delta[w * ch + c] : 0f;
                    Assert.True(expected == dx[windows[w][k] * ch + c],
                        $"window {w} channel {c} (pattern {pattern}) position {k}: expected {expected}, got {dx[windows[w][k] * ch + c]}");
                }
            }
    }

    [Fact]
    public void InputGradients_MatchFiniteDifferences()
    {
        foreach (bool max in new[] { true, false })
        {
            CheckGradients<Valid2x2, Linear>(max, Identity, 2);
            CheckGradients<Same3x3, Relu>(max, ReluD, 2);
            CheckGradients<Same3x3, Linear>(max, Identity, 1);
            CheckGradients<NonSquareValid, Relu>(max, ReluD, 2);
            CheckGradients<NonSquareSame, Linear>(max, Identity, 3);
            CheckGradients<Overlapping, Relu>(max, ReluD, 2);
            CheckGradients<OneDSame, Relu>(max, ReluD, 2);
            CheckGradients<OneDValid, Linear>(max, Identity, 2);
        }
    }

    /// <summary>
    /// L = Σ w · pool(act(z)); the kernel's dL/dz (its delta w, TPrevAct's derivative from x = act(z))
    /// against central differences of the double reference. The z are distinct multiples of 0.01
    /// away from 0, so with h = 1e-3 no max changes place and no ReLU crosses its kink.
    /// </summary>
    private static void CheckGradients<TGeom, TPrevAct>(bool max, Func<double, double> act, int count)
        where TGeom : IPool2DGeometry where TPrevAct : IActivationKernel
    {
        int inSize = InSize<TGeom>(), outSize = OutSize<TGeom>(), n = count * inSize;
        var rng = new Random(n + (max ? 1 : 0));
        double[] z = DistinctValues(rng, n);
        float[] w = Uniform(rng, count * outSize, -1, 1);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)act(z[i]);
        var dz = new float[n];
        Array.Fill(dz, 99f);
        if (max) MaxPooling2D.InputGradients<TGeom, TPrevAct>(x, w, count, dz);
        else AveragePooling2D.InputGradients<TGeom, TPrevAct>(x, w, count, dz);

        double Loss(double[] zz)
        {
            var xx = new double[n];
            for (int i = 0; i < n; i++) xx[i] = act(zz[i]);
            double[] y = ReferencePool<TGeom>(xx, count, max);
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += w[i] * y[i];
            return sum;
        }
        AssertFiniteDifferences(z, dz, Loss, $"{(max ? "max" : "average")} {typeof(TGeom).Name} {typeof(TPrevAct).Name}");
    }

    [Fact]
    public void GlobalAveragePooling_MatchesReferenceAndFiniteDifferences()
    {
        CheckGlobal<P6, C11, Linear>(3, Identity);
        CheckGlobal<P6, C3, Relu>(2, ReluD);
        CheckGlobal<P1, C11, Relu>(2, ReluD);
    }

    private static void CheckGlobal<TPositions, TChannels, TPrevAct>(int count, Func<double, double> act)
        where TPositions : IConstant where TChannels : IConstant where TPrevAct : IActivationKernel
    {
        int positions = TPositions.Value, ch = TChannels.Value, n = count * positions * ch;
        var rng = new Random(n);
        double[] z = DistinctValues(rng, n);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)act(z[i]);

        double[] Reference(double[] xx)
        {
            var y = new double[count * ch];
            for (int s = 0; s < count; s++)
                for (int c = 0; c < ch; c++)
                {
                    double sum = 0;
                    for (int p = 0; p < positions; p++) sum += xx[(s * positions + p) * ch + c];
                    y[s * ch + c] = sum / positions;
                }
            return y;
        }

        var y = new float[count * ch];
        GlobalAveragePooling.ForwardBatch<TPositions, TChannels>(x, y, count);
        double[] expected = Reference(ToDouble(x));
        for (int i = 0; i < y.Length; i++) AssertClose(expected[i], y[i], 1e-6, $"global average {positions}x{ch} output {i}");
        var one = new float[ch];
        for (int s = 0; s < count; s++)
        {
            GlobalAveragePooling.ForwardBatch<TPositions, TChannels>(x.AsSpan(s * positions * ch, positions * ch), one, 1);
            Assert.Equal(y.AsSpan(s * ch, ch).ToArray(), one);
        }

        float[] w = Uniform(rng, count * ch, -1, 1);
        var dz = new float[n];
        Array.Fill(dz, 99f);
        GlobalAveragePooling.InputGradients<TPositions, TChannels, TPrevAct>(x, w, count, dz);
        double Loss(double[] zz)
        {
            var xx = new double[n];
            for (int i = 0; i < n; i++) xx[i] = act(zz[i]);
            double[] yy = Reference(xx);
            double sum = 0;
            for (int i = 0; i < yy.Length; i++) sum += w[i] * yy[i];
            return sum;
        }
        AssertFiniteDifferences(z, dz, Loss, $"global average {positions}x{ch} {typeof(TPrevAct).Name}");
    }

    [Fact]
    public void Kernels_RejectShortSpansNamingThem()
    {
        int inSize = InSize<Valid2x2>(), outSize = OutSize<Valid2x2>();
        AssertShort("x", 2 * inSize, () => MaxPooling2D.ForwardBatch<Valid2x2>(new float[2 * inSize - 1], new float[2 * outSize], 2));
        AssertShort("y", 2 * outSize, () => MaxPooling2D.ForwardBatch<Valid2x2>(new float[2 * inSize], new float[2 * outSize - 1], 2));
        AssertShort("delta", 2 * outSize, () => MaxPooling2D.InputGradients<Valid2x2, Relu>(new float[2 * inSize], new float[2 * outSize - 1], 2, new float[2 * inSize]));
        AssertShort("previousDelta", 2 * inSize, () => MaxPooling2D.InputGradients<Valid2x2, Relu>(new float[2 * inSize], new float[2 * outSize], 2, new float[2 * inSize - 1]));
        AssertShort("x", 2 * inSize, () => AveragePooling2D.ForwardBatch<Valid2x2>(new float[2 * inSize - 1], new float[2 * outSize], 2));
        AssertShort("y", 2 * outSize, () => AveragePooling2D.ForwardBatch<Valid2x2>(new float[2 * inSize], new float[2 * outSize - 1], 2));
        AssertShort("x", 2 * inSize, () => AveragePooling2D.InputGradients<Valid2x2, Linear>(new float[2 * inSize - 1], new float[2 * outSize], 2, new float[2 * inSize]));
        AssertShort("previousDelta", 2 * inSize, () => AveragePooling2D.InputGradients<Valid2x2, Linear>(new float[2 * inSize], new float[2 * outSize], 2, new float[2 * inSize - 1]));
        AssertShort("x", 66, () => GlobalAveragePooling.ForwardBatch<P6, C11>(new float[65], new float[11], 1));
        AssertShort("y", 22, () => GlobalAveragePooling.ForwardBatch<P6, C11>(new float[132], new float[21], 2));
        AssertShort("delta", 22, () => GlobalAveragePooling.InputGradients<P6, C11, Linear>(new float[132], new float[21], 2, new float[132]));
        AssertShort("previousDelta", 132, () => GlobalAveragePooling.InputGradients<P6, C11, Linear>(new float[132], new float[22], 2, new float[131]));
        Assert.Throws<ArgumentOutOfRangeException>("count", () => MaxPooling2D.ForwardBatch<Valid2x2>(new float[inSize], new float[outSize], -1));
    }

    [Fact]
    public void Kernels_RejectAGeometryWithAnEmptyWindow()
    {
        var ex = Assert.Throws<ArgumentException>(() => MaxPooling2D.ForwardBatch<EmptyFirstWindow>(new float[32], new float[8], 1));
        Assert.Contains(nameof(EmptyFirstWindow), ex.Message);
        Assert.Throws<ArgumentException>(() => AveragePooling2D.InputGradients<EmptyFirstWindow, Linear>(new float[32], new float[8], 1, new float[32]));
    }

    [Fact]
    public void Kernels_AllocateNothingOnWarmCalls()
    {
        const int count = 4;
        int inSize = InSize<Same3x3>(), outSize = OutSize<Same3x3>();
        var rng = new Random(7);
        float[] x = Uniform(rng, count * inSize, -1, 1), y = new float[count * outSize], d = Uniform(rng, count * outSize, -1, 1), dx = new float[count * inSize];
        float[] gx = Uniform(rng, count * 66, -1, 1), gy = new float[count * 11], gdx = new float[count * 66];
        Assert.Equal(0, AllocatedBy(() => MaxPooling2D.ForwardBatch<Same3x3>(x, y, count)));
        Assert.Equal(0, AllocatedBy(() => MaxPooling2D.InputGradients<Same3x3, Relu>(x, d, count, dx)));
        Assert.Equal(0, AllocatedBy(() => AveragePooling2D.ForwardBatch<Same3x3>(x, y, count)));
        Assert.Equal(0, AllocatedBy(() => AveragePooling2D.InputGradients<Same3x3, Relu>(x, d, count, dx)));
        Assert.Equal(0, AllocatedBy(() => GlobalAveragePooling.ForwardBatch<P6, C11>(gx, gy, count)));
        Assert.Equal(0, AllocatedBy(() => GlobalAveragePooling.InputGradients<P6, C11, Relu>(gx, gy, count, gdx)));
    }

    // ---- references and helpers ----

    private static int InSize<TGeom>() where TGeom : IPool2DGeometry => TGeom.InHeight * TGeom.InWidth * TGeom.Channels;

    private static int OutSize<TGeom>() where TGeom : IPool2DGeometry => TGeom.OutHeight * TGeom.OutWidth * TGeom.Channels;

    /// <summary>Max (first maximum in scan order) or average over the window positions inside the input.</summary>
    private static double[] ReferencePool<TGeom>(double[] x, int count, bool max) where TGeom : IPool2DGeometry
    {
        int h = TGeom.InHeight, w = TGeom.InWidth, ch = TGeom.Channels, oh = TGeom.OutHeight, ow = TGeom.OutWidth;
        var y = new double[count * oh * ow * ch];
        for (int s = 0; s < count; s++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int c = 0; c < ch; c++)
                    {
                        double best = double.NegativeInfinity, sum = 0;
                        int valid = 0;
                        for (int ky = 0; ky < TGeom.PoolHeight; ky++)
                            for (int kx = 0; kx < TGeom.PoolWidth; kx++)
                            {
                                int iy = oy * TGeom.StrideHeight - TGeom.PadTop + ky, ix = ox * TGeom.StrideWidth - TGeom.PadLeft + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                double v = x[((s * h + iy) * w + ix) * ch + c];
                                if (v > best) best = v;
                                sum += v;
                                valid++;
                            }
                        Assert.True(valid > 0, "the test geometry has an empty window");
                        y[((s * oh + oy) * ow + ox) * ch + c] = max ? best : sum / valid;
                    }
        return y;
    }

    private static double Identity(double z) => z;

    private static double ReluD(double z) => Math.Max(0, z);

    /// <summary>n distinct values k · 0.01 − n · 0.005 + 0.005 (k a random permutation): none within 0.01 of another, none within 0.005 of 0.</summary>
    internal static double[] DistinctValues(Random rng, int n)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        rng.Shuffle(order);
        var z = new double[n];
        for (int i = 0; i < n; i++) z[i] = (order[i] - n / 2) * 0.01 + 0.005;
        return z;
    }

    /// <summary>Central differences with h = 1e-3 of <paramref name="loss"/> in every coordinate against <paramref name="analytic"/>.</summary>
    private static void AssertFiniteDifferences(double[] z, float[] analytic, Func<double[], double> loss, string what)
    {
        const double h = 1e-3;
        var probe = (double[])z.Clone();
        for (int i = 0; i < z.Length; i++)
        {
            probe[i] = z[i] + h;
            double plus = loss(probe);
            probe[i] = z[i] - h;
            double minus = loss(probe);
            probe[i] = z[i];
            double numeric = (plus - minus) / (2 * h);
            if (Math.Abs(numeric - analytic[i]) > 1e-5 + 1e-4 * Math.Abs(numeric))
                Assert.Fail($"{what}: dL/dz[{i}] finite difference {numeric}, kernel {analytic[i]}");
        }
    }

    private static void AssertShort(string name, int expected, Action call)
    {
        var ex = Assert.Throws<ArgumentException>(call);
        Assert.Equal(name, ex.ParamName);
        Assert.Contains(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
        Assert.Contains((expected - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
    }

    /// <summary>Bytes allocated on this thread by 20 calls after warm-up, the least of three rounds (as PredictTests).</summary>
    internal static long AllocatedBy(Action action)
    {
        for (int i = 0; i < 20; i++) action();
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    internal static float[] Uniform(Random rng, int n, double low, double high)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(low + rng.NextDouble() * (high - low));
        return a;
    }

    internal static double[] ToDouble(float[] x) => Array.ConvertAll(x, v => (double)v);

    internal static void AssertClose(double expected, float actual, double tolerance, string what)
    {
        if (!(Math.Abs(expected - actual) <= tolerance * (1 + Math.Abs(expected))))
            Assert.Fail($"{what}: expected {expected}, got {actual}");
    }
}
