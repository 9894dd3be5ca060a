using System;
using System.Collections.Generic;
using StaticNet;

namespace StaticNet.Tests.Numerics;

/// <summary>
/// A deliberately plain double-precision implementation of the network arithmetic, written from
/// the documented definitions only, as the independent side of the numerical tests. It reads the
/// weights from a parameter buffer with the documented layout (per dense layer: weights
/// [outputs x inputs] row-major, then biases), computing the offsets itself rather than asking
/// <see cref="NetworkShape"/> for them.
/// </summary>
internal static class Reference
{
    /// <summary>The result of a forward pass over a batch: per layer, per sample, the weighted sums z and the activations a.</summary>
    internal sealed class Pass
    {
        public required double[][][] Z { get; init; }  // [layer][sample][unit]
        public required double[][][] A { get; init; }  // [layer][sample][unit]

        public double[] Output(int sample) => A[^1][sample];

        public double[] OutputLogits(int sample) => Z[^1][sample];
    }

    /// <summary>Offsets of each layer's weights and biases, from the documented layout.</summary>
    public static (int Weights, int Biases)[] Offsets(IReadOnlyList<int> sizes)
    {
        var result = new (int, int)[sizes.Count - 1];
        int offset = 0;
        for (int l = 0; l < result.Length; l++)
        {
            int fanIn = sizes[l], fanOut = sizes[l + 1];
            result[l] = (offset, offset + fanIn * fanOut);
            offset += fanIn * fanOut + fanOut;
        }
        return result;
    }

    public static int ParameterCount(IReadOnlyList<int> sizes)
    {
        int n = 0;
        for (int l = 0; l + 1 < sizes.Count; l++) n += sizes[l] * sizes[l + 1] + sizes[l + 1];
        return n;
    }

    /// <summary>Forward pass of <paramref name="count"/> row-major samples, all in double.</summary>
    public static Pass Forward(NetworkShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int count)
    {
        IReadOnlyList<int> sizes = shape.LayerSizes;
        int layers = sizes.Count - 1;
        var offsets = Offsets(sizes);
        double slope = shape.LeakyReluSlope;
        var z = new double[layers][][];
        var a = new double[layers][][];
        for (int l = 0; l < layers; l++)
        {
            z[l] = new double[count][];
            a[l] = new double[count][];
        }
        for (int s = 0; s < count; s++)
        {
            double[] input = new double[sizes[0]];
            for (int i = 0; i < input.Length; i++) input[i] = x[s * sizes[0] + i];
            for (int l = 0; l < layers; l++)
            {
                int fanIn = sizes[l], fanOut = sizes[l + 1];
                var (wo, bo) = offsets[l];
                double[] zl = new double[fanOut];
                for (int j = 0; j < fanOut; j++)
                {
                    double sum = parameters[bo + j];
                    for (int i = 0; i < fanIn; i++) sum += (double)parameters[wo + j * fanIn + i] * input[i];
                    zl[j] = sum;
                }
                double[] al = Activate(shape.Activations[l], zl, slope);
                z[l][s] = zl;
                a[l][s] = al;
                input = al;
            }
        }
        return new Pass { Z = z, A = a };
    }

    /// <summary>Forward pass of one sample; returns the output layer's activations.</summary>
    public static double[] Predict(NetworkShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> x) =>
        Forward(shape, parameters, x, 1).Output(0);

    public static double[] Activate(Activation activation, double[] z, double leakySlope)
    {
        var a = new double[z.Length];
        switch (activation)
        {
            case Activation.Linear:
                for (int i = 0; i < z.Length; i++) a[i] = z[i];
                break;
            case Activation.Sigmoid:
                for (int i = 0; i < z.Length; i++) a[i] = 1.0 / (1.0 + Math.Exp(-z[i]));
                break;
            case Activation.Tanh:
                for (int i = 0; i < z.Length; i++) a[i] = Math.Tanh(z[i]);
                break;
            case Activation.Relu:
                for (int i = 0; i < z.Length; i++) a[i] = z[i] > 0 ? z[i] : 0;
                break;
            case Activation.LeakyRelu:
                for (int i = 0; i < z.Length; i++) a[i] = z[i] > 0 ? z[i] : leakySlope * z[i];
                break;
            case Activation.Softmax:
                return Softmax(z);
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }
        return a;
    }

    public static double[] Softmax(double[] z)
    {
        double max = double.NegativeInfinity;
        foreach (double v in z) max = Math.Max(max, v);
        var e = new double[z.Length];
        double sum = 0;
        for (int i = 0; i < z.Length; i++) sum += e[i] = Math.Exp(z[i] - max);
        for (int i = 0; i < z.Length; i++) e[i] /= sum;
        return e;
    }

    /// <summary>
    /// The mean loss over the batch, from its textbook definition (Keras's conventions: binary
    /// cross-entropy and MSE are averaged over the outputs; probabilities are clipped to
    /// [1e-7, 1 − 1e-7] unless the loss reads logits).
    /// </summary>
    public static double Loss(Loss loss, NetworkShape shape, Pass pass, ReadOnlySpan<float> y, int count)
    {
        int k = shape.OutputSize;
        double total = 0;
        for (int s = 0; s < count; s++)
        {
            double[] output = pass.Output(s);
            double[] logits = pass.OutputLogits(s);
            switch (loss)
            {
                case BinaryCrossentropy:
                {
                    bool logitsIn = loss.FromLogits || shape.OutputActivation == Activation.Sigmoid;
                    double sample = 0;
                    for (int o = 0; o < k; o++)
                    {
                        double p = logitsIn ? 1.0 / (1.0 + Math.Exp(-logits[o])) : Math.Clamp(output[o], 1e-7, 1 - 1e-7);
                        double t = y[s * k + o];
                        sample += -(t * Math.Log(p) + (1 - t) * Math.Log(1 - p));
                    }
                    total += sample / k;
                    break;
                }
                case MeanSquaredError:
                {
                    double sample = 0;
                    for (int o = 0; o < k; o++) sample += (output[o] - y[s * k + o]) * (output[o] - y[s * k + o]);
                    total += sample / k;
                    break;
                }
                case SparseCategoricalCrossentropy:
                    total += -Math.Log(Softmax(logits)[(int)y[s]]);
                    break;
                case CategoricalCrossentropy:
                {
                    double[] p = Softmax(logits);
                    for (int o = 0; o < k; o++) total += -y[s * k + o] * Math.Log(p[o]);
                    break;
                }
                default:
                    throw new ArgumentException($"No reference for {loss.GetType().Name}.", nameof(loss));
            }
        }
        return total / count;
    }

    /// <summary>
    /// The sign (+1, −1, 0) of every weighted sum that feeds a ReLU or leaky ReLU, over the batch:
    /// where these differ between two parameter vectors, a finite difference straddles a kink.
    /// </summary>
    public static List<int> KinkSigns(NetworkShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int count)
    {
        Pass pass = Forward(shape, parameters, x, count);
        var signs = new List<int>();
        for (int l = 0; l < shape.LayerCount; l++)
        {
            if (shape.Activations[l] is not (Activation.Relu or Activation.LeakyRelu)) continue;
            foreach (double[] zs in pass.Z[l])
                foreach (double v in zs) signs.Add(Math.Sign(v));
        }
        return signs;
    }

    /// <summary>The smallest |z| over the weighted sums that feed a ReLU or leaky ReLU (infinity when there are none).</summary>
    public static double SmallestKinkDistance(NetworkShape shape, ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int count)
    {
        Pass pass = Forward(shape, parameters, x, count);
        double min = double.PositiveInfinity;
        for (int l = 0; l < shape.LayerCount; l++)
        {
            if (shape.Activations[l] is not (Activation.Relu or Activation.LeakyRelu)) continue;
            foreach (double[] zs in pass.Z[l])
                foreach (double v in zs) min = Math.Min(min, Math.Abs(v));
        }
        return min;
    }
}

/// <summary>Deterministic test data (System.Random with a seed is stable across runs).</summary>
internal static class TestData
{
    public static float[] Uniform(int seed, int n, double min, double max)
    {
        var random = new Random(seed);
        var result = new float[n];
        for (int i = 0; i < n; i++) result[i] = (float)(min + (max - min) * random.NextDouble());
        return result;
    }

    public static float[] Labels(int seed, int n, int classes)
    {
        var random = new Random(seed);
        var result = new float[n];
        for (int i = 0; i < n; i++) result[i] = random.Next(classes);
        return result;
    }

    /// <summary>One-hot rows for <paramref name="count"/> random classes.</summary>
    public static float[] OneHot(int seed, int count, int classes)
    {
        float[] labels = Labels(seed, count, classes);
        var result = new float[count * classes];
        for (int s = 0; s < count; s++) result[s * classes + (int)labels[s]] = 1;
        return result;
    }

    /// <summary>Random probability rows (positive, summing to 1): soft targets.</summary>
    public static float[] SoftTargets(int seed, int count, int classes)
    {
        float[] raw = Uniform(seed, count * classes, 0.1, 1.0);
        for (int s = 0; s < count; s++)
        {
            float sum = 0;
            for (int o = 0; o < classes; o++) sum += raw[s * classes + o];
            for (int o = 0; o < classes; o++) raw[s * classes + o] /= sum;
        }
        return raw;
    }

    public static float[,] ToMatrix(float[] flat, int rows, int columns)
    {
        var result = new float[rows, columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) result[r, c] = flat[r * columns + c];
        return result;
    }
}
