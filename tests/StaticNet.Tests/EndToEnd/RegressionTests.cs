using System;
using Xunit;

namespace StaticNet.Tests.EndToEnd;

[Network(2, 32, 32, 1, Hidden = Activation.Tanh)]
public partial class SurfaceNet;

/// <summary>Mean squared error with a linear output learns a smooth nonlinear surface.</summary>
public class RegressionTests
{
    [Fact]
    public void LearnsSinTimesCos_FarBetterThanAPlane()
    {
        var rng = new Random(1);
        const int n = 1500;
        var x = new float[n, 2];
        var y = new float[n];
        double variance = 0;
        for (int i = 0; i < n; i++)
        {
            x[i, 0] = (float)((rng.NextDouble() * 2 - 1) * Math.PI);
            x[i, 1] = (float)((rng.NextDouble() * 2 - 1) * Math.PI);
            y[i] = (float)(Math.Sin(x[i, 0]) * Math.Cos(x[i, 1]));
            variance += y[i] * y[i];
        }
        variance /= n; // the mean of sin·cos over the square is 0: this is the MSE of predicting 0 (0.25 in theory)

        var model = new SurfaceNet(seed: 7);
        model.Compile(Loss.MeanSquaredError, new Adam(learningRate: 0.01f), Metric.MeanAbsoluteError);
        History history = model.Fit(x, y, epochs: 60, batchSize: 32, verbose: 0);
        Evaluation result = model.Evaluate(x, y);

        Assert.InRange(variance, 0.2, 0.3);
        Assert.True(result.Loss < 0.02, $"mse {result.Loss:0.0000} (predicting 0 gives {variance:0.0000})");
        Assert.True(history["loss"][^1] < history["loss"][0] / 5);
        float[] output = new float[1];
        model.Predict(new[] { 1.0f, 0.5f }, output);
        Assert.InRange(output[0] - Math.Sin(1.0) * Math.Cos(0.5), -0.1, 0.1);
    }
}
