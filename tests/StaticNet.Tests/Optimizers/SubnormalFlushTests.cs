using System;
using System.Runtime.Intrinsics;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Optimizers;

/// <summary>
/// Optimizer state that decays into the subnormal floats is stored as zero (as TensorFlow's
/// flush-to-zero does), because subnormals cost a microcode assist per vector operation. The weights
/// must not notice: their trajectory equals the unflushed formula's bit for bit. The optimizers also take
/// their products that would be subnormal as zero, so that they never compute one.
/// </summary>
public class SubnormalFlushTests
{
    private const float MinNormal = 1.17549435E-38f;

    [Fact]
    public void Flush_ZeroesSubnormalsOnly_KeepsNaNAndInfinity_VectorsAsScalars()
    {
        float[] values =
        {
            0f, -0f, float.Epsilon, -float.Epsilon, MinNormal / 2, -MinNormal / 3, BitConverter.Int32BitsToSingle(0x007FFFFF),
            MinNormal, -MinNormal, 1e-30f, -2.5f, float.MaxValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 3e-38f,
        };
        foreach (float x in values)
        {
            float f = Subnormal.Flush(x);
            if (float.IsNaN(x)) Assert.True(float.IsNaN(f));
            else if (float.IsSubnormal(x) || x == 0) Assert.Equal(0, BitConverter.SingleToInt32Bits(f));   // +0
            else Assert.Equal(BitConverter.SingleToInt32Bits(x), BitConverter.SingleToInt32Bits(f));
        }
        Vector512<float> v512 = Subnormal.Flush(Vector512.Create(values));
        Vector256<float> lo = Subnormal.Flush(Vector256.Create(values.AsSpan(0, 8))), hi = Subnormal.Flush(Vector256.Create(values.AsSpan(8, 8)));
        for (int i = 0; i < 16; i++)
        {
            int expected = BitConverter.SingleToInt32Bits(Subnormal.Flush(values[i]));
            Assert.Equal(expected, BitConverter.SingleToInt32Bits(v512[i]));
            Assert.Equal(expected, BitConverter.SingleToInt32Bits(i < 8 ? lo[i] : hi[i - 8]));
        }
    }

    [Fact]
    public void SquareAndTimes_GiveZeroExactlyWhereTheProductWouldBeSubnormal_VectorsAsScalars()
    {
        float root = MathF.ScaleB(1f, -63);
        Assert.Equal(Subnormal.SqrtMinNormal, root);
        Assert.Equal(MinNormal, Subnormal.Square(root));                              // the smallest normal square
        Assert.Equal(0f, Subnormal.Square(MathF.BitDecrement(root)));                 // the largest subnormal one
        Assert.True(float.IsSubnormal(MathF.BitDecrement(root) * MathF.BitDecrement(root)));
        Assert.Equal(0.25f, Subnormal.Square(-0.5f));
        Assert.True(float.IsNaN(Subnormal.Square(float.NaN)));
        Assert.Equal(float.PositiveInfinity, Subnormal.Square(float.NegativeInfinity));
        // Times: x·c, or zero below MinNormal / c.
        float c = 0.001f, below = Subnormal.Below(c);
        Assert.Equal(0f, Subnormal.Times(4e-36f, c, below));                         // 4e-39: subnormal
        Assert.Equal(5e-35f * c, Subnormal.Times(5e-35f, c, below));                  // 5e-38: normal
        Assert.Equal(-0.5f * c, Subnormal.Times(-0.5f, c, below));
        Assert.True(float.IsNaN(Subnormal.Times(float.NaN, c, below)));
        float[] values = { 0f, 1e-20f, -3e-19f, root, 1e-18f, -4e-36f, 5e-35f, 0.5f, float.NaN, -1e-10f, 2e-38f, 1e-37f, -7e-36f, 1f, 3e-30f, float.Epsilon };
        Vector512<float> square = Subnormal.Square(Vector512.Create(values)), times = Subnormal.Times(Vector512.Create(values), Vector512.Create(c), Vector512.Create(below));
        for (int i = 0; i < 16; i++)
        {
            Vector256<float> half = Vector256.Create(values.AsSpan(i < 8 ? 0 : 8, 8));
            Assert.Equal(BitConverter.SingleToInt32Bits(Subnormal.Square(values[i])), BitConverter.SingleToInt32Bits(square[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(Subnormal.Square(values[i])), BitConverter.SingleToInt32Bits(Subnormal.Square(half)[i % 8]));
            Assert.Equal(BitConverter.SingleToInt32Bits(Subnormal.Times(values[i], c, below)), BitConverter.SingleToInt32Bits(times[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(Subnormal.Times(values[i], c, below)),
                BitConverter.SingleToInt32Bits(Subnormal.Times(half, Vector256.Create(c), Vector256.Create(below))[i % 8]));
            float product = values[i] * c;
            if (float.IsSubnormal(product)) Assert.Equal(0f, times[i]);
        }
    }

    /// <summary>
    /// Adam on tiny gradients and state (a well-fitted model's, late in training): every product that would be subnormal
    /// is zero, as TensorFlow's flush-to-zero makes it, and no subnormal is computed at all (each vector that held one
    /// cost a microcode assist: the sweep took 2-4x its time; docs/PERFORMANCE.md). The values sit at least a factor of 2
    /// from the thresholds, so the reference below, which flushes each product after computing it, is exact.
    /// </summary>
    [Fact]
    public void Adam_OnTinyValues_ComputesWhatFlushToZeroComputes()
    {
        float[] gs = { 0f, 1e-20f, -3e-19f, 1e-18f, 1e-10f, 0.01f };
        float[] ms = { 0f, 5e-38f, -5e-37f, 1e-30f, 0.001f };
        float[] vs = { 0f, 5e-36f, 5e-35f, 1e-30f, 0.0001f };
        const int n = 155; // 512-bit, 256-bit and scalar paths
        var g = new float[n];
        var w = new float[n];
        float[] m = new float[n], v = new float[n];
        for (int i = 0; i < n; i++)
        {
            int k = i % (gs.Length * ms.Length * vs.Length);
            g[i] = gs[k % gs.Length];
            m[i] = ms[k / gs.Length % ms.Length];
            v[i] = vs[k / (gs.Length * ms.Length)];
            w[i] = 0.25f + i * 1e-3f;
        }
        var adam = new Adam(0.001f);
        adam.Build(n);
        m.CopyTo(System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.CompilerServices.Unsafe.AsRef(in adam.State(0)[0]), n));
        v.CopyTo(System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.CompilerServices.Unsafe.AsRef(in adam.State(1)[0]), n));
        float[] expected = (float[])w.Clone();
        float alpha = (float)(0.001f * Math.Sqrt(1 - Math.Pow(0.999f, 1)) / (1 - Math.Pow(0.9f, 1)));
        static float Ftz(float x) => float.IsSubnormal(x) ? 0f : x;
        for (int i = 0; i < n; i++)
        {
            float mi = Ftz(m[i] + Ftz((g[i] - m[i]) * (1 - 0.9f)));
            float vi = Ftz(v[i] + Ftz((Ftz(g[i] * g[i]) - v[i]) * (1 - 0.999f)));
            expected[i] -= Ftz(alpha * mi) / (MathF.Sqrt(vi) + 1e-7f);
            m[i] = mi;
            v[i] = vi;
        }
        adam.Apply(w, g);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(m[i]), BitConverter.SingleToInt32Bits(adam.State(0)[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(v[i]), BitConverter.SingleToInt32Bits(adam.State(1)[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(w[i]));
        }
        // The scenario does make subnormal products without flush-to-zero (else it would test nothing).
        Assert.Contains(g, x => x != 0 && float.IsSubnormal(x * x));
        Assert.Contains(ms, x => x != 0 && float.IsSubnormal(x * (1 - 0.9f)));
    }

    public static TheoryData<string> FlushToZeroOptimizers => new() { "sgd", "sgd-momentum", "sgd-nesterov", "rmsprop-centered-momentum", "rmsprop", "adagrad" };

    /// <summary>
    /// The other optimizers on tiny gradients and state, as Adam above: every product that would be subnormal is zero
    /// (the values sit well away from the thresholds, so the reference, which flushes each product after computing it,
    /// is exact), over the 512-bit, 256-bit and scalar paths.
    /// </summary>
    [Theory]
    [MemberData(nameof(FlushToZeroOptimizers))]
    public void OtherOptimizers_OnTinyValues_ComputeWhatFlushToZeroComputes(string name)
    {
        float[] gs = { 0f, 1e-37f, -5e-36f, 1e-20f, -3e-19f, 1e-18f, 0.01f };
        float[] states = { 0f, 1.2e-38f, 1.5e-38f, -6e-38f, 3e-37f, 1e-30f, 0.001f };
        const int n = 3 * 16 + 8 + 3; // 512-bit vectors, a 256-bit one and a scalar tail
        const float lr = 0.01f, mu = 0.5f, rho = 0.9f, c = 1 - rho, eps = 1e-7f;
        Optimizer optimizer = name switch
        {
            "sgd" => new Sgd(lr),
            "sgd-momentum" => new Sgd(lr, momentum: mu),
            "sgd-nesterov" => new Sgd(lr, momentum: mu, nesterov: true),
            "rmsprop" => new RmsProp(lr, rho: rho),
            "rmsprop-centered-momentum" => new RmsProp(lr, rho: rho, momentum: mu, centered: true),
            _ => new AdaGrad(lr),
        };
        optimizer.Build(n);
        var g = new float[n];
        var w = new float[n];
        var state = new float[3][];
        for (int k = 0; k < 3; k++) state[k] = new float[n];
        for (int i = 0; i < n; i++)
        {
            g[i] = gs[i % gs.Length];
            for (int k = 0; k < 3; k++) state[k][i] = states[(i / gs.Length + 2 * k) % states.Length];
            if (name == "adagrad") state[0][i] = Math.Abs(state[0][i]);   // an accumulator of squares
            w[i] = 0.25f + i * 1e-3f;
        }
        int arrays = name switch { "sgd" => 0, "rmsprop-centered-momentum" => 3, _ => 1 };
        for (int k = 0; k < arrays; k++)
            state[k].CopyTo(System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.CompilerServices.Unsafe.AsRef(in optimizer.State(k)[0]), n));
        static float Ftz(float x) => float.IsSubnormal(x) ? 0f : x;
        float[] expected = (float[])w.Clone();
        int subnormalProducts = 0;
        float Product(float a, float b)
        {
            if (float.IsSubnormal(a * b)) subnormalProducts++;
            return Ftz(a * b);
        }
        for (int i = 0; i < n; i++)
        {
            float gi = g[i];
            switch (name)
            {
                case "sgd":
                    expected[i] -= Product(lr, gi);
                    break;
                case "sgd-momentum":
                case "sgd-nesterov":
                {
                    float lrg = Product(lr, gi);
                    float v = Ftz(Product(mu, state[0][i]) - lrg);
                    state[0][i] = v;
                    expected[i] += name == "sgd-nesterov" ? Product(mu, v) - lrg : v;
                    break;
                }
                case "adagrad":
                    state[0][i] += Product(gi, gi);
                    expected[i] -= Product(lr, gi) / MathF.Sqrt(state[0][i] + eps);
                    break;
                default:
                {
                    // State(0) the mean square, State(1) the momentum, State(2) the mean gradient.
                    float v = Ftz(Product(rho, state[0][i]) + Product(c, Product(gi, gi)));
                    state[0][i] = v;
                    float denominator = v + eps;
                    if (name == "rmsprop-centered-momentum")
                    {
                        float a = Ftz(Product(rho, state[2][i]) + Product(c, gi));
                        state[2][i] = a;
                        denominator = v - Product(a, a) + eps;
                    }
                    float increment = Product(lr, gi) / MathF.Sqrt(denominator);
                    if (name == "rmsprop-centered-momentum")
                    {
                        increment = Ftz(Product(mu, state[1][i]) + increment);
                        state[1][i] = increment;
                    }
                    expected[i] -= increment;
                    break;
                }
            }
        }
        optimizer.Apply(w, g);
        for (int i = 0; i < n; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(w[i]), $"{name}: weight {i} is {w[i]:R}, expected {expected[i]:R}");
            for (int k = 0; k < arrays; k++)
                Assert.True(BitConverter.SingleToInt32Bits(state[k][i]) == BitConverter.SingleToInt32Bits(optimizer.State(k)[i]),
                    $"{name}: state {k} of {i} is {optimizer.State(k)[i]:R}, expected {state[k][i]:R}");
        }
        Assert.True(subnormalProducts > 0, "the scenario must make subnormal products without flush-to-zero");
    }

    public static TheoryData<string> Optimizers => new() { "adam", "rmsprop", "rmsprop-centered-momentum", "sgd-momentum", "sgd-nesterov" };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void DecayingState_NeverStaysSubnormal_AndWeightsMatchTheUnflushedFormula(string name)
    {
        // 37 parameters: the 512-bit, 256-bit and scalar paths all run. A gradient for 3 steps, then
        // none: the state decays geometrically through the subnormals (150+ steps of them unflushed).
        const int n = 37, steps = 1500;
        Optimizer optimizer = name switch
        {
            "adam" => new Adam(0.001f),
            "rmsprop" => new RmsProp(0.001f),
            "rmsprop-centered-momentum" => new RmsProp(0.001f, momentum: 0.5f, centered: true),
            "sgd-momentum" => new Sgd(0.01f, momentum: 0.9f),
            _ => new Sgd(0.01f, momentum: 0.9f, nesterov: true),
        };
        optimizer.Build(n);
        var w = new float[n];
        var g = new float[n];
        for (int i = 0; i < n; i++) w[i] = 0.5f + i * 0.01f;
        var reference = new Reference(name, n, (float[])w.Clone());
        int sawSubnormalUnflushed = 0;
        for (int t = 1; t <= steps; t++)
        {
            for (int i = 0; i < n; i++) g[i] = t <= 3 ? 0.01f * (i + 1) * (i % 2 == 0 ? 1 : -1) : 0f;
            optimizer.Apply(w, g);
            sawSubnormalUnflushed += reference.Step(g, t);
            for (int s = 0; s < reference.StateCount; s++)
                foreach (float x in optimizer.State(s))
                    Assert.False(float.IsSubnormal(x), $"{name}: a subnormal state value at step {t}");
            for (int i = 0; i < n; i++)
                Assert.True(BitConverter.SingleToInt32Bits(w[i]) == BitConverter.SingleToInt32Bits(reference.W[i]),
                    $"{name}: weight {i} at step {t} is {w[i]:R}, the unflushed formula gives {reference.W[i]:R}");
        }
        Assert.True(sawSubnormalUnflushed > 0, "the scenario must drive the unflushed state through the subnormals");
    }

    /// <summary>The optimizers' float formulas without any flushing (the state arrays as Keras writes them).</summary>
    private sealed class Reference(string name, int n, float[] w)
    {
        public float[] W { get; } = w;
        private readonly float[] _a = new float[n], _b = new float[n], _c = new float[n];
        public int StateCount => name switch { "adam" => 2, "rmsprop" => 1, "rmsprop-centered-momentum" => 3, _ => 1 };

        /// <summary>One step; returns how many state values are subnormal afterwards.</summary>
        public int Step(float[] g, int t)
        {
            int subnormal = 0;
            for (int i = 0; i < W.Length; i++)
            {
                float gi = g[i];
                switch (name)
                {
                    case "adam":
                    {
                        float alpha = (float)(0.001f * Math.Sqrt(1 - Math.Pow(0.999f, t)) / (1 - Math.Pow(0.9f, t)));
                        _a[i] += (gi - _a[i]) * (1 - 0.9f);
                        _b[i] += (gi * gi - _b[i]) * (1 - 0.999f);
                        W[i] -= alpha * _a[i] / (MathF.Sqrt(_b[i]) + 1e-7f);
                        break;
                    }
                    case "rmsprop":
                        _a[i] = 0.9f * _a[i] + (1 - 0.9f) * (gi * gi);
                        W[i] -= 0.001f * gi / MathF.Sqrt(_a[i] + 1e-7f);
                        break;
                    case "rmsprop-centered-momentum":
                    {
                        _a[i] = 0.9f * _a[i] + (1 - 0.9f) * (gi * gi);
                        _c[i] = 0.9f * _c[i] + (1 - 0.9f) * gi;
                        float increment = 0.001f * gi / MathF.Sqrt(_a[i] - _c[i] * _c[i] + 1e-7f);
                        _b[i] = 0.5f * _b[i] + increment;
                        W[i] -= _b[i];
                        break;
                    }
                    default:
                    {
                        _a[i] = 0.9f * _a[i] - 0.01f * gi;
                        W[i] += name == "sgd-nesterov" ? 0.9f * _a[i] - 0.01f * gi : _a[i];
                        break;
                    }
                }
                if (float.IsSubnormal(_a[i]) || float.IsSubnormal(_b[i]) || float.IsSubnormal(_c[i])) subnormal++;
            }
            return subnormal;
        }
    }
}
