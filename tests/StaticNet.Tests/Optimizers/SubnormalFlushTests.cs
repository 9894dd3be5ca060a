using System;
using System.Runtime.Intrinsics;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Optimizers;

/// <summary>
/// Optimizer state that decays into the subnormal floats is stored as zero (as TensorFlow's
/// flush-to-zero does), because subnormals cost a microcode assist per vector operation. The weights
/// must not notice: their trajectory equals the unflushed formula's bit for bit.
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
