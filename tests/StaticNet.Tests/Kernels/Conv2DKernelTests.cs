using System;
using StaticNet.Kernels;
using Xunit;

namespace StaticNet.Tests.Kernels;

/// <summary>
/// The Conv2D kernels against a naive double-precision convolution written here (the direct 7-loop
/// sum, and the same loop run backwards for the gradients), which central differences of a scalar loss
/// check in turn. The geometries exercise every path: filter counts that fill 512-, 256- and 128-bit
/// vectors and leave single filters, 1, 3, 4, 5 and 16 input channels, kernels 1x1, 3x3, 2x3, 3x2 and
/// 1x5 (Conv1D), strides 1 and 2, pads 0 and 'same', a kernel wider than its input, and rows with and
/// without whole 8-column tiles inside the input, and filter counts that make pairs of 512-bit vectors
/// with 8- and 4-column tiles, overlapping last tiles and rows too narrow for a tile.
/// </summary>
public class Conv2DKernelTests
{
    // Names: In{H}x{W}x{C} K{KH}x{KW} S{SH}{SW} P{Top}{Left} F{Filters}; output sizes by Keras's rules.
    /// <summary>'valid', one channel, 16 filters: one whole 8-column tile per row.</summary>
    public readonly struct G1 : IConv2DGeometry
    {
        public static int InHeight => 8; public static int InWidth => 10; public static int InChannels => 1;
        public static int OutHeight => 6; public static int OutWidth => 8; public static int Filters => 16;
        public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>'same' with stride 2 (pads 1, 1; one 8-column tile inside), RGB input, 5 filters (a 128-bit chunk and a single filter).</summary>
    public readonly struct G2 : IConv2DGeometry
    {
        public static int InHeight => 7; public static int InWidth => 19; public static int InChannels => 3;
        public static int OutHeight => 4; public static int OutWidth => 10; public static int Filters => 5;
        public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 2;
        public static int StrideWidth => 2; public static int PadTop => 1; public static int PadLeft => 1;
    }

    /// <summary>'same' with a 2x3 kernel (pad top 0, left 1), 17 filters (a 512-bit chunk and a single filter).</summary>
    public readonly struct G3 : IConv2DGeometry
    {
        public static int InHeight => 5; public static int InWidth => 12; public static int InChannels => 3;
        public static int OutHeight => 5; public static int OutWidth => 12; public static int Filters => 17;
        public static int KernelHeight => 2; public static int KernelWidth => 3; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 0; public static int PadLeft => 1;
    }

    /// <summary>1x1 kernel, one channel, one filter: the scalar path only.</summary>
    public readonly struct G4 : IConv2DGeometry
    {
        public static int InHeight => 4; public static int InWidth => 5; public static int InChannels => 1;
        public static int OutHeight => 4; public static int OutWidth => 5; public static int Filters => 1;
        public static int KernelHeight => 1; public static int KernelWidth => 1; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>Conv1D: height 1, kernel 5 'same' (pad left 2), 20 channels in (512- and 128-bit chunks), 16 out.</summary>
    public readonly struct G5 : IConv2DGeometry
    {
        public static int InHeight => 1; public static int InWidth => 20; public static int InChannels => 20;
        public static int OutHeight => 1; public static int OutWidth => 20; public static int Filters => 16;
        public static int KernelHeight => 1; public static int KernelWidth => 5; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 0; public static int PadLeft => 2;
    }

    /// <summary>'valid', 24 channels (512- and 256-bit chunks), 32 filters (two 512-bit chunks), 11 columns (a tile and three).</summary>
    public readonly struct G6 : IConv2DGeometry
    {
        public static int InHeight => 5; public static int InWidth => 13; public static int InChannels => 24;
        public static int OutHeight => 3; public static int OutWidth => 11; public static int Filters => 32;
        public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>3x2 kernel, strides 1 and 2, 'valid', 5 channels (a 128-bit chunk and one left over), 8 filters (256-bit).</summary>
    public readonly struct G7 : IConv2DGeometry
    {
        public static int InHeight => 7; public static int InWidth => 20; public static int InChannels => 5;
        public static int OutHeight => 5; public static int OutWidth => 10; public static int Filters => 8;
        public static int KernelHeight => 3; public static int KernelWidth => 2; public static int StrideHeight => 1;
        public static int StrideWidth => 2; public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>1x1 kernel with stride 2, 5 filters.</summary>
    public readonly struct G8 : IConv2DGeometry
    {
        public static int InHeight => 5; public static int InWidth => 5; public static int InChannels => 1;
        public static int OutHeight => 3; public static int OutWidth => 3; public static int Filters => 5;
        public static int KernelHeight => 1; public static int KernelWidth => 1; public static int StrideHeight => 2;
        public static int StrideWidth => 2; public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>'same' 3x3 over an input only 2 columns wide: no output column has its whole window inside.</summary>
    public readonly struct G9 : IConv2DGeometry
    {
        public static int InHeight => 3; public static int InWidth => 2; public static int InChannels => 4;
        public static int OutHeight => 3; public static int OutWidth => 2; public static int Filters => 16;
        public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 1; public static int PadLeft => 1;
    }

    /// <summary>'same' 3x3, 3 channels, 32 filters (a pair of 512-bit chunks): padded edge columns one by one, 12 inside (8 + a 4-column tile).</summary>
    public readonly struct G10 : IConv2DGeometry
    {
        public static int InHeight => 4; public static int InWidth => 14; public static int InChannels => 3;
        public static int OutHeight => 4; public static int OutWidth => 14; public static int Filters => 32;
        public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 1; public static int PadLeft => 1;
    }

    /// <summary>'valid' 2x3, 2 channels, 48 filters (a pair and a 512-bit chunk), 14 columns (8 + an overlapping 8-column tile).</summary>
    public readonly struct G11 : IConv2DGeometry
    {
        public static int InHeight => 3; public static int InWidth => 16; public static int InChannels => 2;
        public static int OutHeight => 2; public static int OutWidth => 14; public static int Filters => 48;
        public static int KernelHeight => 2; public static int KernelWidth => 3; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>Stride 2, 'valid' 3x3, 40 filters (a pair and a 256-bit chunk), 6 columns (4-column tiles, the second overlapping).</summary>
    public readonly struct G12 : IConv2DGeometry
    {
        public static int InHeight => 7; public static int InWidth => 13; public static int InChannels => 3;
        public static int OutHeight => 3; public static int OutWidth => 6; public static int Filters => 40;
        public static int KernelHeight => 3; public static int KernelWidth => 3; public static int StrideHeight => 2;
        public static int StrideWidth => 2; public static int PadTop => 0; public static int PadLeft => 0;
    }

    /// <summary>'valid' 2x3 over 5 columns, 33 filters (a pair and a single filter): 3 columns, too few for a tile.</summary>
    public readonly struct G13 : IConv2DGeometry
    {
        public static int InHeight => 4; public static int InWidth => 5; public static int InChannels => 2;
        public static int OutHeight => 3; public static int OutWidth => 3; public static int Filters => 33;
        public static int KernelHeight => 2; public static int KernelWidth => 3; public static int StrideHeight => 1;
        public static int StrideWidth => 1; public static int PadTop => 0; public static int PadLeft => 0;
    }

    public static TheoryData<string> Geometries => new() { "G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9", "G10", "G11", "G12", "G13" };

    [Theory, MemberData(nameof(Geometries))]
    public void Forward_MatchesTheReference_WithAndWithoutBias_LinearAndRelu(string geometry) =>
        Dispatch(geometry, new ForwardCheck());

    [Theory, MemberData(nameof(Geometries))]
    public void Gradients_MatchTheReference_AndCentralDifferences(string geometry) =>
        Dispatch(geometry, new GradientCheck());

    [Theory, MemberData(nameof(Geometries))]
    public void InputGradients_ApplyThePreviousActivationsDerivative(string geometry) =>
        Dispatch(geometry, new PreviousActivationCheck());

    private interface IGeometryCheck
    {
        void Run<TGeom>() where TGeom : IConv2DGeometry;
    }

    private static void Dispatch(string geometry, IGeometryCheck check)
    {
        switch (geometry)
        {
            case "G1": check.Run<G1>(); break;
            case "G2": check.Run<G2>(); break;
            case "G3": check.Run<G3>(); break;
            case "G4": check.Run<G4>(); break;
            case "G5": check.Run<G5>(); break;
            case "G6": check.Run<G6>(); break;
            case "G7": check.Run<G7>(); break;
            case "G8": check.Run<G8>(); break;
            case "G9": check.Run<G9>(); break;
            case "G10": check.Run<G10>(); break;
            case "G11": check.Run<G11>(); break;
            case "G12": check.Run<G12>(); break;
            case "G13": check.Run<G13>(); break;
            default: throw new ArgumentOutOfRangeException(nameof(geometry), geometry, null);
        }
    }

    private sealed class ForwardCheck : IGeometryCheck
    {
        public void Run<TGeom>() where TGeom : IConv2DGeometry
        {
            var g = Geometry.Of<TGeom>();
            const int count = 3;
            var rng = new Random(g.Seed);
            float[] k = Random(rng, g.KernelSize), b = Random(rng, g.Filters), x = Random(rng, count * g.InSize);
            foreach (bool withBias in new[] { true, false })
            {
                float[] bias = withBias ? b : Array.Empty<float>();
                var (z, scale) = Reference.Forward(g, k, withBias ? b : null, x, count);
                foreach (bool relu in new[] { false, true })
                {
                    var batch = new float[count * g.OutSize];
                    Array.Fill(batch, float.NaN); // every output must be written
                    if (relu) Conv2D.ForwardBatch<TGeom, Relu>(k, bias, x, batch, count);
                    else Conv2D.ForwardBatch<TGeom, Linear>(k, bias, x, batch, count);
                    var one = new float[g.OutSize];
                    for (int s = 0; s < count; s++)
                    {
                        Array.Fill(one, float.NaN);
                        ReadOnlySpan<float> xs = x.AsSpan(s * g.InSize, g.InSize);
                        if (relu) Conv2D.Forward<TGeom, Relu>(k, bias, xs, one);
                        else Conv2D.Forward<TGeom, Linear>(k, bias, xs, one);
                        for (int i = 0; i < g.OutSize; i++)
                        {
                            int at = s * g.OutSize + i;
                            double expected = relu ? Math.Max(0, z[at]) : z[at];
                            string what = $"{typeof(TGeom).Name} bias={withBias} relu={relu} sample {s} output {i}";
                            AssertClose(expected, batch[at], scale[at], "batch " + what);
                            // A sample's outputs do not depend on the batch around it.
                            Assert.Equal(batch[at], one[i]);
                        }
                    }
                }
            }
        }
    }

    private sealed class GradientCheck : IGeometryCheck
    {
        public void Run<TGeom>() where TGeom : IConv2DGeometry
        {
            var g = Geometry.Of<TGeom>();
            const int count = 2;
            string name = typeof(TGeom).Name;
            var rng = new Random(g.Seed + 1);
            float[] k = Random(rng, g.KernelSize), b = Random(rng, g.Filters), x = Random(rng, count * g.InSize);
            float[] r = Random(rng, count * g.OutSize); // L = Σ r·y, so dL/dz = r for a linear layer
            var (dk, dkScale, dx, dxScale) = Reference.Backward(g, k, x, r, count);

            // Overwrite, not accumulate: the gradient spans start as garbage.
            var gk = new float[g.KernelSize];
            var gb = new float[g.Filters];
            Array.Fill(gk, 99f);
            Array.Fill(gb, 99f);
            Conv2D.ParameterGradients<TGeom>(r, x, count, gk, gb);
            for (int i = 0; i < g.KernelSize; i++)
                AssertClose(dk[i], gk[i], dkScale[i], $"{name} dK[{i}]");
            for (int f = 0; f < g.Filters; f++)
            {
                double expected = 0, scale = 0;
                for (int p = f; p < r.Length; p += g.Filters) { expected += r[p]; scale += Math.Abs(r[p]); }
                AssertClose(expected, gb[f], scale, $"{name} dBias[{f}]");
            }
            // Without bias the kernel gradients are the same and no bias span is touched.
            var gkNoBias = new float[g.KernelSize];
            Conv2D.ParameterGradients<TGeom>(r, x, count, gkNoBias, Span<float>.Empty);
            Assert.Equal(gk, gkNoBias);

            var gx = new float[count * g.InSize];
            Array.Fill(gx, 99f);
            Conv2D.InputGradients<TGeom, Linear>(k, r, x, count, gx);
            for (int i = 0; i < gx.Length; i++)
                AssertClose(dx[i], gx[i], dxScale[i], $"{name} dX[{i}]");

            // The reference's backward loop against central differences of L, on a sample of entries
            // (L is linear in each, so the differences are exact up to rounding).
            double Loss(float[] kk, float[]? bb, float[] xx) => Dot(r, Reference.Forward(g, kk, bb, xx, count).Z);
            const float h = 1e-2f;
            foreach (int i in Sample(rng, g.KernelSize, 8))
            {
                double fd = Central(k, i, h, kk => Loss(kk, b, x));
                AssertClose(fd, gk[i], dkScale[i], $"{name} finite-difference dK[{i}]");
            }
            foreach (int f in Sample(rng, g.Filters, 6))
            {
                double fd = Central(b, f, h, bb => Loss(k, bb, x));
                AssertClose(fd, gb[f], count * g.OutHeight * g.OutWidth, $"{name} finite-difference dBias[{f}]");
            }
            foreach (int i in Sample(rng, gx.Length, 8))
            {
                double fd = Central(x, i, h, xx => Loss(k, b, xx));
                AssertClose(fd, gx[i], dxScale[i], $"{name} finite-difference dX[{i}]");
            }
        }
    }

    /// <summary>
    /// The previous layer's activation f composed in: L(a) = Σ r·conv(f(a)), differentiated with respect to
    /// the previous pre-activations a by central differences, against InputGradients given the outputs f(a).
    /// </summary>
    private sealed class PreviousActivationCheck : IGeometryCheck
    {
        public void Run<TGeom>() where TGeom : IConv2DGeometry
        {
            var g = Geometry.Of<TGeom>();
            const int count = 2;
            var rng = new Random(g.Seed + 2);
            float[] k = Random(rng, g.KernelSize), b = Random(rng, g.Filters), r = Random(rng, count * g.OutSize);
            // Pre-activations away from ReLU's kink, where the difference quotient is not the derivative.
            float[] a = Random(rng, count * g.InSize);
            for (int i = 0; i < a.Length; i++) if (Math.Abs(a[i]) < 0.05f) a[i] = 0.5f;
            Check<TGeom, Relu>(g, k, b, r, a, count, z => Math.Max(0, z), rng);
            Check<TGeom, Sigmoid>(g, k, b, r, a, count, z => 1 / (1 + Math.Exp(-z)), rng);
        }

        private static void Check<TGeom, TAct>(Geometry g, float[] k, float[] b, float[] r, float[] a, int count, Func<double, double> f, Random rng)
            where TGeom : IConv2DGeometry where TAct : IActivationKernel
        {
            string what = $"{typeof(TGeom).Name} previous {typeof(TAct).Name}";
            double[] Outputs(double[] pre) => Array.ConvertAll(pre, v => f(v));
            double Loss(double[] pre) => Dot(r, Reference.Forward(g, k, b, Outputs(pre), count).Z);
            var pre = Array.ConvertAll(a, v => (double)v);
            float[] outputs = Array.ConvertAll(Outputs(pre), v => (float)v);
            var gx = new float[count * g.InSize];
            Array.Fill(gx, 99f);
            Conv2D.InputGradients<TGeom, TAct>(k, r, outputs, count, gx);
            var (_, _, dx, dxScale) = Reference.Backward(g, k, Array.ConvertAll(outputs, v => (double)v), r, count);
            const double h = 1e-4;
            for (int i = 0; i < gx.Length; i++)
            {
                // Every entry against the chain rule, a sample against central differences of L.
                double slope = (f(pre[i] + h) - f(pre[i] - h)) / (2 * h);
                AssertClose(dx[i] * slope, gx[i], dxScale[i], $"{what} dA[{i}]");
            }
            foreach (int i in Sample(rng, gx.Length, 6))
            {
                double saved = pre[i];
                pre[i] = saved + h; double up = Loss(pre);
                pre[i] = saved - h; double down = Loss(pre);
                pre[i] = saved;
                AssertClose((up - down) / (2 * h), gx[i], dxScale[i], $"{what} finite-difference dA[{i}]");
            }
        }
    }

    [Fact]
    public void Kernels_RejectWrongSpans_NamingThem()
    {
        // G2: kernel 3*3*3*5 = 135, bias 5, a sample in 7*19*3 = 399, out 4*10*5 = 200; batches of 2.
        const int In = 399, Out = 200;
        float[] k = new float[135], b = new float[5], x = new float[2 * In], y = new float[2 * Out], dx = new float[2 * In];
        AssertNames("kernel", () => Conv2D.Forward<G2, Linear>(new float[134], b, x.AsSpan(0, In), y.AsSpan(0, Out)));
        AssertNames("bias", () => Conv2D.Forward<G2, Linear>(k, new float[4], x.AsSpan(0, In), y.AsSpan(0, Out)));
        AssertNames("x", () => Conv2D.Forward<G2, Linear>(k, b, x.AsSpan(0, In - 1), y.AsSpan(0, Out)));
        AssertNames("y", () => Conv2D.Forward<G2, Linear>(k, b, x.AsSpan(0, In), y.AsSpan(0, Out - 1)));
        AssertNames("x", () => Conv2D.ForwardBatch<G2, Relu>(k, b, x.AsSpan(1), y, 2));
        AssertNames("y", () => Conv2D.ForwardBatch<G2, Relu>(k, b, x, y.AsSpan(1), 2));
        AssertNames("delta", () => Conv2D.ParameterGradients<G2>(y.AsSpan(1), x, 2, k, b));
        AssertNames("x", () => Conv2D.ParameterGradients<G2>(y, x.AsSpan(1), 2, k, b));
        AssertNames("kernelGradients", () => Conv2D.ParameterGradients<G2>(y, x, 2, k.AsSpan(1), b));
        AssertNames("biasGradients", () => Conv2D.ParameterGradients<G2>(y, x, 2, k, b.AsSpan(1)));
        AssertNames("kernel", () => Conv2D.InputGradients<G2, Relu>(k.AsSpan(1), y, x, 2, dx));
        AssertNames("delta", () => Conv2D.InputGradients<G2, Relu>(k, y.AsSpan(1), x, 2, dx));
        AssertNames("previousOutputs", () => Conv2D.InputGradients<G2, Relu>(k, y, x.AsSpan(1), 2, dx));
        AssertNames("previousDelta", () => Conv2D.InputGradients<G2, Relu>(k, y, x, 2, dx.AsSpan(1)));
        // The right lengths pass (so each failure above is the one span's fault).
        Conv2D.ForwardBatch<G2, Relu>(k, b, x, y, 2);
        Conv2D.ParameterGradients<G2>(y, x, 2, k, b);
        Conv2D.InputGradients<G2, Relu>(k, y, x, 2, dx);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Conv2D.ForwardBatch<G2, Linear>(k, b, x, y, -1));
        Assert.Equal("count", ex.ParamName);
    }

    private static void AssertNames(string span, Action call)
    {
        var ex = Assert.Throws<ArgumentException>(call);
        Assert.Equal(span, ex.ParamName);
        Assert.Contains($"'{span}'", ex.Message);
    }

    [Fact]
    public void Kernels_AllocateNothingAfterWarmUp()
    {
        // G6 takes the transposed-kernel path of InputGradients (pooled scratch), G3 the dot-product one.
        Assert.Equal(0, Allocations<G6>());
        Assert.Equal(0, Allocations<G3>());
    }

    private static long Allocations<TGeom>() where TGeom : IConv2DGeometry
    {
        var g = Geometry.Of<TGeom>();
        const int count = 4;
        var rng = new Random(5);
        float[] k = Random(rng, g.KernelSize), b = Random(rng, g.Filters), x = Random(rng, count * g.InSize);
        float[] y = new float[count * g.OutSize], gk = new float[g.KernelSize], gb = new float[g.Filters], gx = new float[count * g.InSize];
        return AllocatedBy(() => Conv2D.Forward<TGeom, Relu>(k, b, x.AsSpan(0, g.InSize), y.AsSpan(0, g.OutSize)))
            + AllocatedBy(() => Conv2D.ForwardBatch<TGeom, Relu>(k, b, x, y, count))
            + AllocatedBy(() => Conv2D.ParameterGradients<TGeom>(y, x, count, gk, gb))
            + AllocatedBy(() => Conv2D.InputGradients<TGeom, Relu>(k, y, x, count, gx));
    }

    /// <summary>Bytes allocated on this thread by 5 calls after 5 warm-up calls, the least of three rounds (as PredictTests).</summary>
    private static long AllocatedBy(Action action)
    {
        for (int i = 0; i < 5; i++) action();
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    private sealed record Geometry(int InHeight, int InWidth, int InChannels, int OutHeight, int OutWidth, int Filters,
        int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PadTop, int PadLeft)
    {
        public int InSize => InHeight * InWidth * InChannels;
        public int OutSize => OutHeight * OutWidth * Filters;
        public int KernelSize => KernelHeight * KernelWidth * InChannels * Filters;
        public int Seed => InSize * 1000 + KernelSize;

        public static Geometry Of<TGeom>() where TGeom : IConv2DGeometry =>
            new(TGeom.InHeight, TGeom.InWidth, TGeom.InChannels, TGeom.OutHeight, TGeom.OutWidth, TGeom.Filters,
                TGeom.KernelHeight, TGeom.KernelWidth, TGeom.StrideHeight, TGeom.StrideWidth, TGeom.PadTop, TGeom.PadLeft);
    }

    /// <summary>The direct definition, in doubles; each result comes with Σ|term| to scale its tolerance.</summary>
    private static class Reference
    {
        public static (double[] Z, double[] Scale) Forward(Geometry g, float[] k, float[]? b, float[] x, int count) =>
            Forward(g, k, b, Array.ConvertAll(x, v => (double)v), count);

        public static (double[] Z, double[] Scale) Forward(Geometry g, float[] k, float[]? b, double[] x, int count)
        {
            // Sizes in locals: the test assembly is built without optimization.
            var (inH, inW, cin, outH, outW, filters, kh, kw, sh, sw, pt, pl) = g;
            var z = new double[count * g.OutSize];
            var scale = new double[z.Length];
            for (int s = 0; s < count; s++)
                for (int oy = 0; oy < outH; oy++)
                    for (int ox = 0; ox < outW; ox++)
                        for (int f = 0; f < filters; f++)
                        {
                            int o = ((s * outH + oy) * outW + ox) * filters + f;
                            double sum = b is null ? 0 : b[f], abs = Math.Abs(sum);
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++)
                                    for (int ci = 0; ci < cin; ci++)
                                    {
                                        int iy = oy * sh - pt + ky, ix = ox * sw - pl + kx;
                                        if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
                                        double term = x[((s * inH + iy) * inW + ix) * cin + ci] * k[((ky * kw + kx) * cin + ci) * filters + f];
                                        sum += term;
                                        abs += Math.Abs(term);
                                    }
                            z[o] = sum;
                            scale[o] = abs;
                        }
            return (z, scale);
        }

        public static (double[] DK, double[] DKScale, double[] DX, double[] DXScale) Backward(Geometry g, float[] k, float[] x, float[] delta, int count) =>
            Backward(g, k, Array.ConvertAll(x, v => (double)v), delta, count);

        /// <summary>The forward loop run backwards: each term x·k of output o adds delta[o]·x to dk and delta[o]·k to dx.</summary>
        public static (double[] DK, double[] DKScale, double[] DX, double[] DXScale) Backward(Geometry g, float[] k, double[] x, float[] delta, int count)
        {
            var (inH, inW, cin, outH, outW, filters, kh, kw, sh, sw, pt, pl) = g;
            double[] dk = new double[g.KernelSize], dkScale = new double[g.KernelSize];
            double[] dx = new double[count * g.InSize], dxScale = new double[count * g.InSize];
            for (int s = 0; s < count; s++)
                for (int oy = 0; oy < outH; oy++)
                    for (int ox = 0; ox < outW; ox++)
                        for (int f = 0; f < filters; f++)
                        {
                            double d = delta[((s * outH + oy) * outW + ox) * filters + f];
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++)
                                    for (int ci = 0; ci < cin; ci++)
                                    {
                                        int iy = oy * sh - pt + ky, ix = ox * sw - pl + kx;
                                        if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) continue;
                                        int xi = ((s * inH + iy) * inW + ix) * cin + ci;
                                        int ki = ((ky * kw + kx) * cin + ci) * filters + f;
                                        dk[ki] += d * x[xi];
                                        dkScale[ki] += Math.Abs(d * x[xi]);
                                        dx[xi] += d * k[ki];
                                        dxScale[xi] += Math.Abs(d * k[ki]);
                                    }
                        }
            return (dk, dkScale, dx, dxScale);
        }
    }

    private static double Central(float[] values, int i, float h, Func<float[], double> loss)
    {
        float saved = values[i];
        values[i] = saved + h; double up = loss(values);
        values[i] = saved - h; double down = loss(values);
        values[i] = saved;
        return (up - down) / ((double)(saved + h) - (double)(saved - h));
    }

    private static double Dot(float[] r, double[] z)
    {
        double sum = 0;
        for (int i = 0; i < r.Length; i++) sum += r[i] * z[i];
        return sum;
    }

    private static int[] Sample(Random rng, int n, int how)
    {
        var picks = new int[Math.Min(n, how)];
        for (int i = 0; i < picks.Length; i++) picks[i] = rng.Next(n);
        return picks;
    }

    private static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>Within 1e-5 of the sum of the magnitudes of the terms (at least 1): float rounding, not a wrong term.</summary>
    private static void AssertClose(double expected, float actual, double scale, string what)
    {
        if (!(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, scale)))
            Assert.Fail($"{what}: expected {expected}, got {actual} (scale {scale})");
    }
}
