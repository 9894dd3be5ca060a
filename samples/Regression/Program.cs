// Regression with mean squared error and a linear output: learn z = sin(x)·cos(y) from noisy,
// clearly synthetic samples, and compare with the best straight-plane fit.
//
//   dotnet run --project samples/Regression [-- --epochs N]
using System;
using System.Globalization;
using StaticNet;

SampleErrors.ReportBadInputAsOneLine();

int epochs = 200;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--epochs" && i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0)
    {
        epochs = n;
        i++;
    }
    else
        return SampleErrors.Fail($"unknown or incomplete option '{args[i]}'; usage: Regression [--epochs N]");
}

var (xTrain, yTrain) = Surface.Sample(2000, seed: 1, noise: 0.05f);
var (xTest, yTest) = Surface.Sample(500, seed: 2, noise: 0f);

var model = new SurfaceNet(seed: 7);
model.Compile(Loss.MeanSquaredError, new Adam(learningRate: 0.01f), Metric.MeanAbsoluteError);
History history = model.Fit(xTrain, yTrain, epochs: epochs, batchSize: 32, verbose: 0);
for (int epoch = 0; epoch < epochs; epoch += Math.Max(1, epochs / 10))
    Console.WriteLine($"epoch {epoch + 1,4}: loss {F(history["loss"][epoch])}  mae {F(history["mean_absolute_error"][epoch])}");

Evaluation test = model.Evaluate(xTest, yTest);
double planeMse = Surface.BestPlaneMse(xTrain, yTrain, xTest, yTest);
Console.WriteLine($"test mse: {F(test.Loss)} (best plane: {F(planeMse)})");
Console.WriteLine($"test mae: {F(test["mean_absolute_error"])}");

float[] output = new float[1];
model.Predict(new[] { 1.0f, 0.5f }, output);
Console.WriteLine($"f(1.0, 0.5) = {F(output[0])} (true {F(Math.Sin(1.0) * Math.Cos(0.5))})");
return 0;

static string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);

/// <summary>Two inputs, two tanh hidden layers, one linear output (the default output activation).</summary>
[Network(2, 32, 32, 1, Hidden = Activation.Tanh)]
partial class SurfaceNet;

static class Surface
{
    /// <summary>Points uniform in [-π, π]², targets sin(x)·cos(y) plus Gaussian noise.</summary>
    public static (float[,] X, float[] Y) Sample(int count, int seed, float noise)
    {
        var rng = new Random(seed);
        var x = new float[count, 2];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            x[i, 0] = (float)((rng.NextDouble() * 2 - 1) * Math.PI);
            x[i, 1] = (float)((rng.NextDouble() * 2 - 1) * Math.PI);
            double gaussian = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            y[i] = (float)(Math.Sin(x[i, 0]) * Math.Cos(x[i, 1]) + noise * gaussian);
        }
        return (x, y);
    }

    /// <summary>Test MSE of the least-squares plane a·x + b·y + c fitted on the training set.</summary>
    public static double BestPlaneMse(float[,] xTrain, float[] yTrain, float[,] xTest, float[] yTest)
    {
        // Normal equations for three unknowns, solved by Cramer's rule.
        double[,] m = new double[3, 3];
        double[] v = new double[3];
        for (int i = 0; i < yTrain.Length; i++)
        {
            double[] f = { xTrain[i, 0], xTrain[i, 1], 1 };
            for (int r = 0; r < 3; r++)
            {
                v[r] += f[r] * yTrain[i];
                for (int c = 0; c < 3; c++) m[r, c] += f[r] * f[c];
            }
        }
        double det = Det(m);
        double[] coef = new double[3];
        for (int k = 0; k < 3; k++)
        {
            var mk = (double[,])m.Clone();
            for (int r = 0; r < 3; r++) mk[r, k] = v[r];
            coef[k] = Det(mk) / det;
        }
        double sum = 0;
        for (int i = 0; i < yTest.Length; i++)
        {
            double d = coef[0] * xTest[i, 0] + coef[1] * xTest[i, 1] + coef[2] - yTest[i];
            sum += d * d;
        }
        return sum / yTest.Length;
    }

    private static double Det(double[,] a) =>
        a[0, 0] * (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1]) - a[0, 1] * (a[1, 0] * a[2, 2] - a[1, 2] * a[2, 0]) + a[0, 2] * (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]);
}
