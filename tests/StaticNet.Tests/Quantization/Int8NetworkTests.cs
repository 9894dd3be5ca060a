using System;
using System.Collections.Generic;
using StaticNet.Kernels;
using StaticNet.Quantization;
using StaticNet.Tests.Layers;
using StaticNet.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Quantization;

public class Int8NetworkTests(ITestOutputHelper output)
{
    private static float[] RandomInputs(int samples, int width, int seed, float lo, float hi)
    {
        var random = new Random(seed);
        var x = new float[samples * width];
        for (int i = 0; i < x.Length; i++) x[i] = lo + (hi - lo) * (float)random.NextDouble();
        return x;
    }

    /// <summary>The float32 network layer by layer, in double: each layer's input and its exact pre-activations.</summary>
    private static (float[] Input, double[] Pre)[] FloatLayers(NeuralNetwork model, ReadOnlySpan<float> sample)
    {
        NetworkShape shape = model.NetworkShape;
        ReadOnlySpan<float> p = model.Parameters;
        var result = new (float[], double[])[shape.LayerCount];
        float[] x = sample.ToArray();
        for (int l = 0; l < shape.LayerCount; l++)
        {
            int fanIn = shape.FanIn(l), fanOut = shape.FanOut(l);
            var z = new double[fanOut];
            for (int j = 0; j < fanOut; j++)
            {
                double sum = p[shape.BiasOffset(l) + j];
                for (int i = 0; i < fanIn; i++) sum += (double)p[shape.WeightOffset(l) + j * fanIn + i] * x[i];
                z[j] = sum;
            }
            result[l] = (x, z);
            var next = new float[fanOut];
            for (int j = 0; j < fanOut; j++) next[j] = (float)z[j];
            Int8Network.ApplyActivation(shape.Activations[l], shape.LeakyReluSlope, next);
            x = next;
        }
        return result;
    }

    public static TheoryData<string> Networks() => new() { "mnist", "tanh", "leaky" };

    private static NeuralNetwork Create(string name) => name switch
    {
        "mnist" => new MnistNet(seed: 3),
        "tanh" => new Int8TanhNet(seed: 4),
        _ => new Int8LeakyNet(seed: 5),
    };

    private static float[] Inputs(NeuralNetwork model, int samples, int seed) =>
        model.NetworkShape.InputSize == 784 ? RandomInputs(samples, 784, seed, 0, 1) : RandomInputs(samples, model.NetworkShape.InputSize, seed, -2, 3);

    [Theory]
    [MemberData(nameof(Networks))]
    public void Weights_AreWithinHalfAScaleStep_AndUseTheFullRange(string name)
    {
        NeuralNetwork model = Create(name);
        Int8Network q = Int8Network.Quantize(model, Inputs(model, 50, 1));
        NetworkShape shape = model.NetworkShape;
        Assert.Equal(shape.LayerCount, q.Layers.Count);
        for (int l = 0; l < shape.LayerCount; l++)
        {
            QuantizedDenseLayer layer = q.Layers[l];
            ReadOnlySpan<float> w = model.Parameters.Slice(shape.WeightOffset(l), shape.FanIn(l) * shape.FanOut(l));
            for (int j = 0; j < layer.Units; j++)
            {
                float s = layer.WeightScales[j];
                int largest = 0;
                for (int i = 0; i < layer.Inputs; i++)
                {
                    sbyte code = layer.QuantizedWeights[j * layer.Inputs + i];
                    largest = Math.Max(largest, Math.Abs((int)code));
                    Assert.True(Math.Abs(w[j * layer.Inputs + i] - (double)s * code) <= s / 2 * (1 + 1e-6), $"layer {l} unit {j} input {i}");
                }
                Assert.Equal(127, largest);
            }
            Assert.True(layer.InputMin <= 0 && layer.InputMax >= 0);
            Assert.Equal(layer.InputScale * 255, layer.InputMax - layer.InputMin, 3);
        }
        Assert.Equal(shape.ParameterCount - CountBiases(shape), q.WeightBytes);
    }

    private static int CountBiases(NetworkShape shape)
    {
        int total = 0;
        for (int l = 0; l < shape.LayerCount; l++) total += shape.FanOut(l);
        return total;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void EveryKernelPath_GivesBitIdenticalOutputs_EqualToARowMajorIntegerReference(string name)
    {
        NeuralNetwork model = Create(name);
        float[] calibration = Inputs(model, 100, 2);
        Int8Network q = Int8Network.Quantize(model, calibration);
        int n = model.NetworkShape.InputSize, outputs = model.NetworkShape.OutputSize;
        float[] samples = Inputs(model, 41, 3);   // odd: PredictBatch runs pairs, then one
        // Some samples with all-zero blocks (skipped by the kernels) and some out of the calibrated range.
        for (int i = 0; i < n / 2; i++) samples[i] = 0;
        for (int i = 0; i < n; i++) samples[n + i] *= 4;

        var paths = new List<Int8Path> { Int8Path.Scalar };
        if (Int8Dense.IsSupported(Int8Path.Avx2)) paths.Add(Int8Path.Avx2);
        if (Int8Dense.IsSupported(Int8Path.Vnni)) paths.Add(Int8Path.Vnni);
        if (Int8Dense.IsSupported(Int8Path.VnniWide)) paths.Add(Int8Path.VnniWide);
        var expected = new float[samples.Length / n * outputs];
        q.WithPath(Int8Path.Scalar).PredictBatch(samples, expected);
        foreach (Int8Path path in paths)
        {
            var actual = new float[expected.Length];
            q.WithPath(path).PredictBatch(samples, actual);
            Assert.Equal(expected, actual);
            // One sample at a time (the one-sample kernel) gives the same bits as the two-sample batch kernel.
            for (int s = 0; s < samples.Length / n; s++)
                q.WithPath(path).Predict(samples.AsSpan(s * n, n), actual.AsSpan(s * outputs, outputs));
            Assert.Equal(expected, actual);
        }
        var auto = new float[expected.Length];
        q.PredictBatch(samples, auto);
        Assert.Equal(expected, auto);

        // Each layer's pre-activations, per path, against sums over the row-major int8 weights.
        var layers = FloatLayers(model, samples.AsSpan(0, n));
        for (int l = 0; l < q.Layers.Count; l++)
        {
            QuantizedDenseLayer layer = q.Layers[l];
            float inverse = 1f / layer.InputScale;
            var bytes = new int[layer.Inputs];
            for (int i = 0; i < layer.Inputs; i++)
                bytes[i] = (int)Math.Clamp(MathF.Floor(layers[l].Input[i] * inverse + (layer.InputZeroPoint + 0.5f)), 0f, 255f);
            var reference = new float[layer.Units];
            for (int j = 0; j < layer.Units; j++)
            {
                long sum = 0, weights = 0;
                for (int i = 0; i < layer.Inputs; i++)
                {
                    sum += layer.QuantizedWeights[j * layer.Inputs + i] * bytes[i];
                    weights += layer.QuantizedWeights[j * layer.Inputs + i];
                }
                reference[j] = (float)(sum - layer.InputZeroPoint * weights) * (layer.WeightScales[j] * layer.InputScale) + layer.Bias[j];
            }
            foreach (Int8Path path in paths)
            {
                var z = new float[layer.Units];
                q.WithPath(path).PreActivations(l, layers[l].Input, z);
                Assert.Equal(reference, z);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void PreActivations_StayWithinTheDocumentedBound(string name)
    {
        NeuralNetwork model = Create(name);
        float[] calibration = Inputs(model, 200, 4);
        Int8Network q = Int8Network.Quantize(model, calibration);
        NetworkShape shape = model.NetworkShape;
        int n = shape.InputSize;
        double worstRatio = 0;
        // Calibration samples (in range by construction) and fresh ones (hidden layers may leave the range).
        float[] fresh = Inputs(model, 30, 5);
        for (int s = 0; s < 60; s++)
        {
            ReadOnlySpan<float> sample = s < 30 ? calibration.AsSpan(s * n, n) : fresh.AsSpan((s - 30) * n, n);
            var layers = FloatLayers(model, sample);
            for (int l = 0; l < shape.LayerCount; l++)
            {
                QuantizedDenseLayer layer = q.Layers[l];
                var z = new float[layer.Units];
                var bound = new float[layer.Units];
                q.PreActivations(l, layers[l].Input, z);
                layer.PreActivationErrorBound(model.Parameters.Slice(shape.WeightOffset(l), layer.Inputs * layer.Units), layers[l].Input, bound);
                for (int j = 0; j < layer.Units; j++)
                {
                    double error = Math.Abs(z[j] - layers[l].Pre[j]);
                    Assert.True(error <= bound[j], $"sample {s}, layer {l}, unit {j}: |{z[j]} - {layers[l].Pre[j]}| = {error} > bound {bound[j]}");
                    worstRatio = Math.Max(worstRatio, error / bound[j]);
                }
            }
        }
        output.WriteLine($"{name}: largest error / bound {worstRatio:0.000}");
        // The bound is a worst case, but not a vacuous one: errors come within a few percent of it.
        Assert.True(worstRatio > 0.02, $"largest error / bound {worstRatio}");
    }

    [Fact]
    public void BoundOfTheFirstLayer_ForMnistPixels_IsSmall()
    {
        // Pixels k / 255 are exact bytes (scale 1 / 255, zero point 0): only the weights' rounding is left.
        var model = new MnistNet(seed: 3);
        var pixels = new float[784 * 3];
        var random = new Random(9);
        for (int i = 0; i < pixels.Length; i++) pixels[i] = random.Next(0, 4) == 0 ? random.Next(256) / 255f : 0f;
        pixels[5] = 1f;
        Int8Network q = Int8Network.Quantize(model, pixels);
        QuantizedDenseLayer first = q.Layers[0];
        Assert.Equal(0, first.InputZeroPoint);
        Assert.Equal(1f / 255f, first.InputScale, 7);
        var z = new float[128];
        q.PreActivations(0, pixels.AsSpan(0, 784), z);
        var layers = FloatLayers(model, pixels.AsSpan(0, 784));
        for (int j = 0; j < 128; j++)
        {
            double sumX = 0;
            for (int i = 0; i < 784; i++) sumX += pixels[i];
            // |Δ| ≤ (s_w / 2) Σ x with no activation term (up to float rounding).
            Assert.True(Math.Abs(z[j] - layers[0].Pre[j]) <= first.WeightScales[j] / 2 * sumX + 1e-5, $"unit {j}");
        }
    }

    [Fact]
    public void Mnist_LosesAtMostAThirdOfAPoint_AndAgreesOn99PercentOfDigits()
    {
        var model = new MnistNet(seed: 11);
        var (mnist, q) = Int8Digits.TrainAndQuantize(model);

        float[,] p = model.Predict(mnist.TestImages);
        int[] int8Classes = q.PredictClasses(mnist.TestImages);
        var (floatAccuracy, int8Accuracy, agree) = Int8Digits.Compare(p, int8Classes, mnist.TestLabels);
        int samples = mnist.TestLabels.Length;
        output.WriteLine($"float32 {floatAccuracy:0.0000}, int8 {int8Accuracy:0.0000}, {agree} of {samples} classes agree");
        Assert.True(floatAccuracy > 0.85, $"float32 accuracy {floatAccuracy}: the model did not train");
        Assert.True(floatAccuracy - int8Accuracy <= 0.003, $"float32 {floatAccuracy:0.0000}, int8 {int8Accuracy:0.0000}");
        Assert.True(agree >= 0.99 * samples, $"{agree} of {samples} classes agree");
        Assert.Equal(int8Accuracy, q.Accuracy(mnist.TestImages, mnist.TestLabels), 12);
        Assert.Equal(100_352 + 8_192 + 640, q.WeightBytes);
    }

    [Fact]
    public void Predict_AllocatesNothing_AndAllOverloadsAgree()
    {
        var model = new MnistNet(seed: 3);
        Int8Network q = Int8Network.Quantize(model, RandomInputs(20, 784, 1, 0, 1));
        float[] inputs = RandomInputs(5000, 784, 2, 0, 1);
        var one = new float[10];
        q.Predict(inputs.AsSpan(0, 784), one);
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++) q.Predict(inputs.AsSpan(i * 784, 784), one);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, least);

        var batch = new float[5000 * 10];
        q.PredictBatch(inputs, batch);
        long beforeBatch = GC.GetAllocatedBytesForCurrentThread();
        q.PredictBatch(inputs, batch);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - beforeBatch);
        var matrix = new float[5000, 784];
        Buffer.BlockCopy(inputs, 0, matrix, 0, inputs.Length * sizeof(float));
        float[,] all = q.Predict(matrix);   // split over the cores for 5,000 samples
        for (int s = 0; s < 5000; s += 7)
        {
            q.Predict(inputs.AsSpan(s * 784, 784), one);
            for (int k = 0; k < 10; k++)
            {
                Assert.Equal(one[k], batch[s * 10 + k]);
                Assert.Equal(one[k], all[s, k]);
            }
        }
        float sum = 0;
        for (int k = 0; k < 10; k++) sum += batch[k];
        Assert.Equal(1f, sum, 5);   // softmax in float32
    }

    [Fact]
    public void BadInput_IsRejectedWithClearMessages()
    {
        var model = new MnistNet(seed: 3);
        var e = Assert.Throws<ArgumentException>(() => Int8Network.Quantize(model, new float[783]));
        Assert.Contains("784", e.Message);
        Assert.Throws<ArgumentException>(() => Int8Network.Quantize(model, ReadOnlySpan<float>.Empty));
        var nan = new float[784 * 2];
        nan[784 + 3] = float.NaN;
        e = Assert.Throws<ArgumentException>(() => Int8Network.Quantize(model, nan));
        Assert.Contains("sample 1, feature 3", e.Message);
        Assert.Throws<ArgumentException>(() => Int8Network.Quantize(model, new float[2, 10]));

        Int8Network q = Int8Network.Quantize(model, new float[784]);
        Assert.Throws<ArgumentException>(() => q.Predict(new float[783], new float[10]));
        Assert.Throws<ArgumentException>(() => q.Predict(new float[784], new float[9]));
        Assert.Throws<ArgumentException>(() => q.PredictBatch(new float[784 * 2], new float[10]));
        Assert.Throws<ArgumentException>(() => q.Accuracy(new float[3, 784], new int[2]));
    }
}
