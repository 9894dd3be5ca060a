using System;
using Xunit;
using static StaticNet.Tests.Optimizers.OptimizerTestData;

namespace StaticNet.Tests.Optimizers;

public class AdaGradTests
{
    [Fact]
    public void Defaults_AreKeras()
    {
        var adagrad = new AdaGrad();
        Assert.Equal(0.001f, adagrad.LearningRate);
        Assert.Equal(0.1f, adagrad.InitialAccumulatorValue);
        Assert.Equal(1e-7f, adagrad.Epsilon);
    }

    [Fact]
    public void TwoDefaultSteps_MatchLiteralValues()
    {
        // w = 1, g = 0.5 everywhere. Step 1: a = 0.1 + 0.25 = 0.35; w = 1 − 0.001·0.5/√(0.35 + 1e-7).
        // Step 2: a = 0.6; w −= 0.001·0.5/√(0.6 + 1e-7).
        var adagrad = new AdaGrad();
        adagrad.Build(Length);
        float[] w = new float[Length], g = new float[Length];
        Array.Fill(w, 1f);
        Array.Fill(g, 0.5f);

        adagrad.Apply(w, g);
        AssertAllBitwiseEqual(w);
        Assert.Equal(0.9991548458660078, w[0], 1e-7);

        adagrad.Apply(w, g);
        AssertAllBitwiseEqual(w);
        Assert.Equal(0.9985093486954313, w[0], 1e-7);
    }

    [Theory]
    [InlineData(0.001f, 0.1f, 1e-7f)]
    [InlineData(0.05f, 0.1f, 1e-7f)]
    [InlineData(0.05f, 0f, 1e-7f)]
    [InlineData(0.05f, 2f, 1e-7f)]
    [InlineData(0.05f, 0.1f, 0.5f)]   // a large ε shows that it sits under the square root
    public void ThreeSteps_MatchDoubleReference(float lr, float initial, float epsilon)
    {
        float[][] actual = Run(new AdaGrad(lr, initial, epsilon), 3);

        double[] w = Array.ConvertAll(InitialWeights(), x => (double)x);
        var acc = new double[Length];
        Array.Fill(acc, initial);
        for (int s = 1; s <= 3; s++)
        {
            float[] g = Gradients(s);
            for (int i = 0; i < Length; i++)
            {
                acc[i] += (double)g[i] * g[i];
                w[i] -= lr * g[i] / Math.Sqrt(acc[i] + epsilon);
            }
            AssertClose(w, actual[s - 1], 2e-6, $"step {s}");
        }
    }

    [Fact]
    public void Build_ResetsTheAccumulatorToTheInitialValue()
    {
        var adagrad = new AdaGrad(learningRate: 0.1f);
        float[][] first = Run(adagrad, 2);
        float[][] again = Run(adagrad, 2);   // Run calls Build again: the same run, bit for bit
        Assert.Equal(first[1], again[1]);
        Assert.Equal(2, adagrad.Iterations);
    }

    [Theory]
    [InlineData("learningRate", 0f)]
    [InlineData("learningRate", float.PositiveInfinity)]
    [InlineData("initialAccumulatorValue", -0.1f)]
    [InlineData("initialAccumulatorValue", float.NaN)]
    [InlineData("initialAccumulatorValue", float.PositiveInfinity)]
    [InlineData("epsilon", 0f)]
    [InlineData("epsilon", -1f)]
    [InlineData("epsilon", float.NaN)]
    public void InvalidSetting_ThrowsNamingArgumentAndValue(string argument, float value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => argument switch
        {
            "learningRate" => new AdaGrad(learningRate: value),
            "initialAccumulatorValue" => new AdaGrad(initialAccumulatorValue: value),
            _ => new AdaGrad(epsilon: value),
        });
        Assert.Equal(argument, e.ParamName);
        Assert.Equal(value, e.ActualValue);
    }
}
