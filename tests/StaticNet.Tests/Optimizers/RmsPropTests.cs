using System;
using Xunit;
using static StaticNet.Tests.Optimizers.OptimizerTestData;

namespace StaticNet.Tests.Optimizers;

public class RmsPropTests
{
    [Fact]
    public void Defaults_AreKeras()
    {
        var rmsprop = new RmsProp();
        Assert.Equal(0.001f, rmsprop.LearningRate);
        Assert.Equal(0.9f, rmsprop.Rho);
        Assert.Equal(0f, rmsprop.Momentum);
        Assert.Equal(1e-7f, rmsprop.Epsilon);
        Assert.False(rmsprop.Centered);
    }

    [Fact]
    public void TwoDefaultSteps_MatchLiteralValues()
    {
        // w = 1, g = 0.5 everywhere. Step 1: v = 0.1·0.25 = 0.025; w = 1 − 0.001·0.5/√(0.025 + 1e-7).
        // Step 2: v = 0.9·0.025 + 0.1·0.25 = 0.0475; w −= 0.001·0.5/√(0.0475 + 1e-7).
        var rmsprop = new RmsProp();
        rmsprop.Build(Length);
        float[] w = new float[Length], g = new float[Length];
        Array.Fill(w, 1f);
        Array.Fill(g, 0.5f);

        rmsprop.Apply(w, g);
        AssertAllBitwiseEqual(w);
        Assert.Equal(0.9968377286643679, w[0], 1e-7);

        rmsprop.Apply(w, g);
        AssertAllBitwiseEqual(w);
        Assert.Equal(0.9945435737405609, w[0], 1e-7);
        Assert.Equal(2, rmsprop.Iterations);
    }

    [Fact]
    public void TwoCenteredMomentumSteps_MatchLiteralValues()
    {
        // Step 1: v = 0.025, ḡ = 0.05, d = 0.025 − 0.0025 + 1e-7, Δ = 0.0005/√d ≈ 0.0033333, m = Δ.
        var rmsprop = new RmsProp(momentum: 0.5f, centered: true);
        rmsprop.Build(Length);
        float[] w = new float[Length], g = new float[Length];
        Array.Fill(w, 1f);
        Array.Fill(g, 0.5f);

        rmsprop.Apply(w, g);
        AssertAllBitwiseEqual(w);
        Assert.Equal(0.9966666740740494, w[0], 1e-7);

        rmsprop.Apply(w, g);
        AssertAllBitwiseEqual(w);
        Assert.Equal(0.9924509507140181, w[0], 1e-7);
    }

    [Theory]
    [InlineData(0.001f, 0.9f, 0f, 1e-7f, false)]
    [InlineData(0.05f, 0.9f, 0f, 1e-7f, false)]
    [InlineData(0.05f, 0.8f, 0f, 1e-7f, true)]
    [InlineData(0.05f, 0.9f, 0.9f, 1e-7f, false)]
    [InlineData(0.05f, 0.7f, 0.5f, 1e-7f, true)]
    [InlineData(0.05f, 0.9f, 0f, 0.5f, false)]   // a large ε shows that it sits under the square root
    [InlineData(0.05f, 0.9f, 0.3f, 0.5f, true)]
    [InlineData(0.05f, 0f, 0f, 1e-7f, false)]
    public void ThreeSteps_MatchDoubleReference(float lr, float rho, float momentum, float epsilon, bool centered)
    {
        float[][] actual = Run(new RmsProp(lr, rho, momentum, epsilon, centered), 3);

        double[] w = Array.ConvertAll(InitialWeights(), x => (double)x);
        var v = new double[Length];
        var mom = new double[Length];
        var avg = new double[Length];
        for (int s = 1; s <= 3; s++)
        {
            float[] g = Gradients(s);
            for (int i = 0; i < Length; i++)
            {
                v[i] = rho * v[i] + (1 - (double)rho) * g[i] * g[i];
                double denominator;
                if (centered)
                {
                    avg[i] = rho * avg[i] + (1 - (double)rho) * g[i];
                    denominator = v[i] - avg[i] * avg[i] + epsilon;
                }
                else
                {
                    denominator = v[i] + epsilon;
                }
                double increment = lr * g[i] / Math.Sqrt(denominator);
                if (momentum > 0)
                {
                    mom[i] = momentum * mom[i] + increment;
                    w[i] -= mom[i];
                }
                else
                {
                    w[i] -= increment;
                }
            }
            AssertClose(w, actual[s - 1], 2e-6, $"step {s}");
        }
    }

    [Theory]
    [InlineData("learningRate", 0f)]
    [InlineData("learningRate", -0.1f)]
    [InlineData("learningRate", float.NaN)]
    [InlineData("rho", -0.1f)]
    [InlineData("rho", 1f)]
    [InlineData("rho", float.NaN)]
    [InlineData("momentum", -0.5f)]
    [InlineData("momentum", 1.5f)]
    [InlineData("momentum", float.PositiveInfinity)]
    [InlineData("epsilon", 0f)]
    [InlineData("epsilon", -1e-7f)]
    [InlineData("epsilon", float.PositiveInfinity)]
    public void InvalidSetting_ThrowsNamingArgumentAndValue(string argument, float value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => argument switch
        {
            "learningRate" => new RmsProp(learningRate: value),
            "rho" => new RmsProp(rho: value),
            "momentum" => new RmsProp(momentum: value),
            _ => new RmsProp(epsilon: value),
        });
        Assert.Equal(argument, e.ParamName);
        Assert.Equal(value, e.ActualValue);
    }

    [Fact]
    public void BoundaryValues_AreAccepted()
    {
        var rmsprop = new RmsProp(learningRate: 1e-9f, rho: 0f, momentum: 1f, epsilon: float.Epsilon, centered: true);
        Assert.Equal(0f, rmsprop.Rho);
        Assert.Equal(1f, rmsprop.Momentum);
        Assert.True(rmsprop.Centered);
    }
}
