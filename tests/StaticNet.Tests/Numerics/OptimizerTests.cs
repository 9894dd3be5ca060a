using System;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Numerics;

/// <summary>
/// The first steps of SGD (plain, momentum, Nesterov) and Adam against Keras's update formulas,
/// both as literal numbers worked out by hand and as a double-precision reference over 19
/// parameters (16 go through the 8-wide vector loop, the last 3 through the scalar tail).
/// </summary>
public sealed class OptimizerTests
{
    private const int N = 19;

    /// <summary>Starting weights with both signs and a range of magnitudes.</summary>
    private static float[] StartWeights()
    {
        var w = new float[N];
        for (int i = 0; i < N; i++) w[i] = 0.9f - 0.1f * i;  // 0.9, 0.8, ..., −0.9
        return w;
    }

    /// <summary>Gradients for step t: magnitudes between 0.05 and 2, both signs, different per step.</summary>
    private static float[] Gradients(int step)
    {
        float[] u = TestData.Uniform(100 + step, N, 0.05, 2.0);
        float[] signs = TestData.Uniform(200 + step, N, -1, 1);
        for (int i = 0; i < N; i++) if (signs[i] < 0) u[i] = -u[i];
        return u;
    }

    private static float[] Run(Optimizer optimizer, float[] start, params float[][] gradients)
    {
        float[] w = (float[])start.Clone();
        optimizer.Build(w.Length);
        foreach (float[] g in gradients) optimizer.Apply(w, g);
        return w;
    }

    private static void AssertClose(double[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"parameter {i}: expected {expected[i]:G9}, got {actual[i]:G9}");
    }

    // ------------------------------------------------------------------ double-precision references (Keras formulas)

    /// <summary>Keras SGD: v = μv − lr·g; w += v, or with Nesterov w += μv − lr·g.</summary>
    private static double[] SgdReference(float[] start, double lr, double momentum, bool nesterov, params float[][] gradients)
    {
        var w = new double[start.Length];
        var v = new double[start.Length];
        for (int i = 0; i < w.Length; i++) w[i] = start[i];
        foreach (float[] g in gradients)
            for (int i = 0; i < w.Length; i++)
            {
                v[i] = momentum * v[i] - lr * g[i];
                w[i] += nesterov ? momentum * v[i] - lr * g[i] : v[i];
            }
        return w;
    }

    /// <summary>Keras Adam: α_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ); m += (g−m)(1−β₁); v += (g²−v)(1−β₂); w −= α_t·m/(√v+ε).</summary>
    private static double[] AdamReference(float[] start, double lr, double beta1, double beta2, double epsilon, params float[][] gradients)
    {
        var w = new double[start.Length];
        var m = new double[start.Length];
        var v = new double[start.Length];
        for (int i = 0; i < w.Length; i++) w[i] = start[i];
        int t = 0;
        foreach (float[] g in gradients)
        {
            t++;
            double alpha = lr * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(beta1, t));
            for (int i = 0; i < w.Length; i++)
            {
                m[i] += (g[i] - m[i]) * (1 - beta1);
                v[i] += ((double)g[i] * g[i] - v[i]) * (1 - beta2);
                w[i] -= alpha * m[i] / (Math.Sqrt(v[i]) + epsilon);
            }
        }
        return w;
    }

    // ------------------------------------------------------------------ SGD

    [Fact]
    public void Sgd_Defaults_AreKeras()
    {
        var sgd = new Sgd();
        Assert.Equal(0.01f, sgd.LearningRate);
        Assert.Equal(0f, sgd.Momentum);
        Assert.False(sgd.Nesterov);
    }

    [Fact]
    public void Sgd_Plain_TwoSteps_ByHand()
    {
        // lr = 0.1. w = 1, g = 0.5 → 1 − 0.05 = 0.95; then g = −1 → 0.95 + 0.1 = 1.05.
        // The same in all 19 lanes (vector and scalar tail).
        float[] w = Run(new Sgd(0.1f), Filled(1f), Filled(0.5f));
        AssertClose(Filled(0.95), w, 2e-7);
        w = Run(new Sgd(0.1f), Filled(1f), Filled(0.5f), Filled(-1f));
        AssertClose(Filled(1.05), w, 2e-7);
    }

    [Fact]
    public void Sgd_Momentum_ThreeSteps_ByHand()
    {
        // lr = 0.1, μ = 0.9, g = 0.5 each step (lr·g = 0.05):
        // v1 = −0.05;                    w1 = 1 − 0.05 = 0.95
        // v2 = 0.9·(−0.05) − 0.05 = −0.095;  w2 = 0.95 − 0.095 = 0.855
        // v3 = 0.9·(−0.095) − 0.05 = −0.1355; w3 = 0.855 − 0.1355 = 0.7195
        var g = Filled(0.5f);
        AssertClose(Filled(0.95), Run(new Sgd(0.1f, 0.9f), Filled(1f), g), 2e-7);
        AssertClose(Filled(0.855), Run(new Sgd(0.1f, 0.9f), Filled(1f), g, g), 2e-7);
        AssertClose(Filled(0.7195), Run(new Sgd(0.1f, 0.9f), Filled(1f), g, g, g), 2e-7);
    }

    [Fact]
    public void Sgd_Nesterov_ThreeSteps_ByHand()
    {
        // lr = 0.1, μ = 0.9, g = 0.5 each step; w += μ·v − lr·g with v as above:
        // w1 = 1 + 0.9·(−0.05) − 0.05 = 1 − 0.045 − 0.05 = 0.905
        // w2 = 0.905 + 0.9·(−0.095) − 0.05 = 0.905 − 0.0855 − 0.05 = 0.7695
        // w3 = 0.7695 + 0.9·(−0.1355) − 0.05 = 0.7695 − 0.12195 − 0.05 = 0.59755
        var g = Filled(0.5f);
        AssertClose(Filled(0.905), Run(new Sgd(0.1f, 0.9f, nesterov: true), Filled(1f), g), 2e-7);
        AssertClose(Filled(0.7695), Run(new Sgd(0.1f, 0.9f, nesterov: true), Filled(1f), g, g), 2e-7);
        AssertClose(Filled(0.59755), Run(new Sgd(0.1f, 0.9f, nesterov: true), Filled(1f), g, g, g), 2e-7);
    }

    [Theory]
    [InlineData(0.01f, 0f, false)]
    [InlineData(0.1f, 0f, false)]
    [InlineData(0.05f, 0.9f, false)]
    [InlineData(0.05f, 0.5f, true)]
    [InlineData(0.05f, 0.9f, true)]
    [InlineData(0.05f, 1f, false)]
    public void Sgd_ThreeSteps_MatchTheDoubleReference(float lr, float momentum, bool nesterov)
    {
        float[] start = StartWeights();
        float[][] g = { Gradients(1), Gradients(2), Gradients(3) };
        for (int steps = 1; steps <= 3; steps++)
        {
            float[][] some = g[..steps];
            float[] w = Run(new Sgd(lr, momentum, nesterov), start, some);
            AssertClose(SgdReference(start, lr, momentum, nesterov, some), w, 1e-6);
        }
    }

    // ------------------------------------------------------------------ Adam

    [Fact]
    public void Adam_Defaults_AreKeras()
    {
        var adam = new Adam();
        Assert.Equal(0.001f, adam.LearningRate);
        Assert.Equal(0.9f, adam.Beta1);
        Assert.Equal(0.999f, adam.Beta2);
        Assert.Equal(1e-7f, adam.Epsilon);
    }

    [Fact]
    public void Adam_FirstStep_MovesEveryParameterByAboutLrTimesSignOfG()
    {
        // Step 1: m = 0.1·g, v = 0.001·g², α = lr·√0.001/0.1, so
        //   Δw = α·m/(√v + ε) = lr·√0.001·g/(√0.001·|g| + ε) = lr·sign(g)/(1 + ε/(√0.001·|g|)).
        // lr = 0.1, g = ±0.5: ε/(0.0316227766·0.5) = 6.32455532e-6, Δw = ∓0.1/1.0000063246 = ∓0.0999993675.
        // w = 1 − 0.0999993675 = 0.9000006325 for g = +0.5, and 1 + 0.0999993675 = 1.0999993675 for g = −0.5.
        var g = new float[N];
        var expected = new double[N];
        for (int i = 0; i < N; i++)
        {
            g[i] = i % 2 == 0 ? 0.5f : -0.5f;
            expected[i] = i % 2 == 0 ? 0.9000006325 : 1.0999993675;
        }
        AssertClose(expected, Run(new Adam(0.1f), Filled(1f), g), 1.5e-7);

        // With the default learning rate the first step is 0.001 whatever the gradient's size
        // (here 2 and −200): w = 0.5 − 0.001 = 0.499 and 0.5 + 0.001 = 0.501.
        for (int i = 0; i < N; i++)
        {
            g[i] = i % 2 == 0 ? 2f : -200f;
            expected[i] = i % 2 == 0 ? 0.499 : 0.501;
        }
        AssertClose(expected, Run(new Adam(), Filled(0.5f), g), 2e-7);
    }

    [Fact]
    public void Adam_SecondStep_WithReversedGradient_ByHand()
    {
        // lr = 0.1, g1 = 0.5, g2 = −0.5.
        // After step 1 (above): w1 = 0.9000006325, m1 = 0.05, v1 = 0.00025.
        // Step 2: m2 = 0.05 + (−0.5 − 0.05)·0.1 = −0.005; v2 = 0.00025 + (0.25 − 0.00025)·0.001 = 0.00049975.
        // α2 = 0.1·√(1 − 0.999²)/(1 − 0.9²) = 0.1·√0.001999/0.19 = 0.1·0.0447101778/0.19 = 0.0235316725.
        // Δw = α2·m2/(√v2 + ε) = 0.0235316725·(−0.005)/(0.0223550889 + 1e-7) = −0.0052631343.
        // w2 = 0.9000006325 + 0.0052631343 = 0.9052637668.
        // (Without the bias corrections the step would be 0.1·(−0.005)/0.02236 = −0.02236: ~4x larger.)
        float[] w = Run(new Adam(0.1f), Filled(1f), Filled(0.5f), Filled(-0.5f));
        AssertClose(Filled(0.9052637668), w, 2e-7);
    }

    [Fact]
    public void Adam_ConstantGradient_StepsByAboutLrEachTime()
    {
        // With a constant g, m_t = (1 − β₁ᵗ)·g and v_t = (1 − β₂ᵗ)·g², so the bias-corrected step is
        // lr·g/(|g| + ε·...) ≈ lr·sign(g) at every step: three steps of lr = 0.01 from 0 give −0.03.
        float[] w = Run(new Adam(0.01f), Filled(0f), Filled(1.5f), Filled(1.5f), Filled(1.5f));
        AssertClose(Filled(-0.03), w, 1e-6);
    }

    [Theory]
    [InlineData(0.001f, 0.9f, 0.999f, 1e-7f)]
    [InlineData(0.1f, 0.9f, 0.999f, 1e-7f)]
    [InlineData(0.05f, 0.5f, 0.9f, 1e-3f)]
    [InlineData(0.02f, 0f, 0.99f, 1e-7f)]
    public void Adam_ThreeSteps_MatchTheDoubleReference(float lr, float beta1, float beta2, float epsilon)
    {
        float[] start = StartWeights();
        float[][] g = { Gradients(1), Gradients(2), Gradients(3) };
        for (int steps = 1; steps <= 3; steps++)
        {
            float[][] some = g[..steps];
            var adam = new Adam(lr, beta1, beta2, epsilon);
            float[] w = Run(adam, start, some);
            Assert.Equal(steps, adam.Iterations);
            AssertClose(AdamReference(start, lr, beta1, beta2, epsilon, some), w, 1e-6);
        }
    }

    // ------------------------------------------------------------------ state

    [Fact]
    public void Build_ResetsTheStateAndTheStepCount()
    {
        // Compile calls Build: a recompiled optimizer starts again from zero moments at step 1.
        var adam = new Adam(0.1f);
        float[] w = Filled(1f);
        adam.Build(N);
        adam.Apply(w, Gradients(1));
        adam.Apply(w, Gradients(2));
        Assert.Equal(2, adam.Iterations);
        adam.Build(N);
        Assert.Equal(0, adam.Iterations);
        float[] fresh = Filled(1f);
        adam.Apply(fresh, Filled(0.5f));
        AssertClose(Filled(0.9000006325), fresh, 1.5e-7);

        var sgd = new Sgd(0.1f, 0.9f);
        float[] v = Filled(1f);
        sgd.Build(N);
        sgd.Apply(v, Filled(0.5f));
        sgd.Build(N);
        v = Filled(1f);
        sgd.Apply(v, Filled(0.5f));
        AssertClose(Filled(0.95), v, 1e-7);  // no leftover velocity (which would give 0.905)
    }

    [Fact]
    public void Apply_WithWrongLength_Throws()
    {
        var sgd = new Sgd();
        sgd.Build(N);
        var e = Assert.Throws<ArgumentException>(() => sgd.Apply(new float[N], new float[N - 1]));
        Assert.Contains("19", e.Message);
        Assert.Contains("18", e.Message);
        Assert.Throws<ArgumentException>(() => sgd.Apply(new float[N + 1], new float[N + 1]));
        Assert.Equal(0, sgd.Iterations);
    }

    // ------------------------------------------------------------------ hyperparameter validation

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.01f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void InvalidLearningRate_Throws(float lr)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(lr));
        var sgd = new Sgd(0.5f);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = lr);
        Assert.Equal(0.5f, sgd.LearningRate);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.01f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void SgdMomentumOutsideZeroOne_Throws(float momentum)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.01f, momentum));
        Assert.Equal("momentum", e.ParamName);
    }

    [Fact]
    public void SgdMomentumAtTheEndsOfZeroOne_IsAccepted()
    {
        Assert.Equal(0f, new Sgd(0.01f, 0f).Momentum);
        Assert.Equal(1f, new Sgd(0.01f, 1f).Momentum);
    }

    [Theory]
    [InlineData(1f, 0.999f, "beta1")]
    [InlineData(1.5f, 0.999f, "beta1")]
    [InlineData(-0.1f, 0.999f, "beta1")]
    [InlineData(float.NaN, 0.999f, "beta1")]
    [InlineData(0.9f, 1f, "beta2")]
    [InlineData(0.9f, 2f, "beta2")]
    [InlineData(0.9f, -0.5f, "beta2")]
    [InlineData(0.9f, float.NaN, "beta2")]
    public void AdamBetaOutsideZeroOne_Throws(float beta1, float beta2, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(0.001f, beta1, beta2));
        Assert.Equal(parameter, e.ParamName);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1e-7f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void AdamNonPositiveEpsilon_Throws(float epsilon)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(0.001f, 0.9f, 0.999f, epsilon));
        Assert.Equal("epsilon", e.ParamName);
    }

    private static float[] Filled(float value)
    {
        var a = new float[N];
        Array.Fill(a, value);
        return a;
    }

    private static double[] Filled(double value)
    {
        var a = new double[N];
        Array.Fill(a, value);
        return a;
    }
}
