using System;
using System.Collections.Generic;
using System.IO;
using StaticNet.Kernels;
using StaticNet.Quantization;
using StaticNet.Tests.Layers;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Tests.Quantization;

/// <summary>Int8Network on networks with convolutions, checked against a plain double-precision forward pass written here.</summary>
public class Int8ConvolutionTests(ITestOutputHelper output)
{
    public static TheoryData<string> Networks() => new() { "mix", "sequence", "digits", "small", "windows", "wide", "norm", "strided", "tiny", "audio" };

    private static NeuralNetwork Create(string name) => name switch
    {
        "mix" => new Int8ConvMix(seed: 3),
        "sequence" => new Int8SequenceNet(seed: 4),
        "digits" => new Int8DigitCnn(seed: 5),
        "windows" => new Int8WindowNet(seed: 8),
        "wide" => new Int8WideRowNet(seed: 9),
        "norm" => NormNet(),
        "strided" => WithStatistics(new StridedConvNet(seed: 10)),
        "tiny" => new TinyCnn(seed: 11),
        "audio" => new AudioConvNet(seed: 12),
        _ => new SmallConvNet(seed: 6),
    };

    private static NeuralNetwork NormNet() => WithStatistics(new Int8NormNet(seed: 13));

    /// <summary>BatchNormalization layers given moving statistics and gamma, beta other than Keras's initial 1, 0, 0, 1 (so that each term counts).</summary>
    internal static NeuralNetwork WithStatistics(NeuralNetwork model)
    {
        var random = new Random(5);
        Span<float> p = model.Parameters;
        foreach (LayerInfo layer in model.NetworkShape.Layers)
        {
            if (layer.Kind != LayerKind.BatchNormalization) continue;
            int channels = layer.WeightCount;
            for (int c = 0; c < channels; c++)
            {
                p[layer.ParameterOffset + c] = 0.5f + (float)random.NextDouble();               // gamma
                p[layer.ParameterOffset + channels + c] = (float)random.NextDouble() - 0.5f;    // beta
                p[layer.ParameterOffset + 2 * channels + c] = (float)random.NextDouble() - 0.5f; // moving mean
                p[layer.ParameterOffset + 3 * channels + c] = 0.2f + (float)random.NextDouble(); // moving variance
            }
        }
        return model;
    }

    // Pixels in [0, 1] for the digit CNN; elsewhere [-2, 3], so that the first layer's bytes have a non-zero zero point.
    private static float[] Inputs(NeuralNetwork model, int samples, int seed)
    {
        var random = new Random(seed);
        bool pixels = model.NetworkShape.InputSize == 784;
        var x = new float[samples * model.NetworkShape.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = pixels ? (random.Next(3) == 0 ? 0f : (float)random.NextDouble()) : -2f + 5f * (float)random.NextDouble();
        return x;
    }

    /// <summary>One layer's output for one sample, in double, by the definitions (Keras's layouts, 'same' padding as zeros or as left out for pooling).</summary>
    private static double[] Layer(LayerInfo layer, NetworkShape shape, ReadOnlySpan<float> p, double[] x, out double[] pre)
    {
        var g = layer.Geometry;
        int h = g.InHeight, w = g.InWidth, c = g.InChannels, oh = g.OutHeight, ow = g.OutWidth, oc = g.OutChannels;
        pre = Array.Empty<double>();
        switch (layer.Kind)
        {
            case LayerKind.Conv2D or LayerKind.Conv1D:
            {
                int kh = g.WindowHeight, kw = g.WindowWidth;
                pre = new double[oh * ow * oc];
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                        for (int f = 0; f < oc; f++)
                        {
                            double sum = layer.UseBias ? p[layer.ParameterOffset + layer.WeightCount + f] : 0;
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++)
                                {
                                    int iy = oy * g.StrideHeight - g.PadTop + ky, ix = ox * g.StrideWidth - g.PadLeft + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    for (int ci = 0; ci < c; ci++)
                                        sum += x[(iy * w + ix) * c + ci] * p[layer.ParameterOffset + ((ky * kw + kx) * c + ci) * oc + f];
                                }
                            pre[(oy * ow + ox) * oc + f] = sum;
                        }
                return Activate(layer.Activation, shape.LeakyReluSlope, pre, oc);
            }
            case LayerKind.BatchNormalization:
            {
                var y = new double[x.Length];
                int at = layer.ParameterOffset, ch = c;
                for (int i = 0; i < x.Length; i++)
                {
                    int k = i % ch;
                    y[i] = p[at + k] * (x[i] - p[at + 2 * ch + k]) / Math.Sqrt(p[at + 3 * ch + k] + (double)layer.Epsilon) + p[at + ch + k];
                }
                return y;
            }
            case LayerKind.GlobalAveragePooling2D or LayerKind.GlobalAveragePooling1D:
            {
                var y = new double[c];
                for (int i = 0; i < x.Length; i++) y[i % c] += x[i] / (x.Length / c);
                return y;
            }
            case LayerKind.AveragePooling2D or LayerKind.AveragePooling1D:
            {
                var y = new double[oh * ow * oc];
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                        for (int ci = 0; ci < oc; ci++)
                        {
                            double sum = 0;
                            int n = 0;
                            for (int ky = 0; ky < g.WindowHeight; ky++)
                                for (int kx = 0; kx < g.WindowWidth; kx++)
                                {
                                    int iy = oy * g.StrideHeight - g.PadTop + ky, ix = ox * g.StrideWidth - g.PadLeft + kx;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) { sum += x[(iy * w + ix) * c + ci]; n++; }
                                }
                            y[(oy * ow + ox) * oc + ci] = sum / n;
                        }
                return y;
            }
            case LayerKind.MaxPooling2D or LayerKind.MaxPooling1D:
            {
                var y = new double[oh * ow * oc];
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                        for (int ci = 0; ci < oc; ci++)
                        {
                            double best = double.NegativeInfinity;
                            for (int ky = 0; ky < g.WindowHeight; ky++)
                                for (int kx = 0; kx < g.WindowWidth; kx++)
                                {
                                    int iy = oy * g.StrideHeight - g.PadTop + ky, ix = ox * g.StrideWidth - g.PadLeft + kx;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) best = Math.Max(best, x[(iy * w + ix) * c + ci]);
                                }
                            y[(oy * ow + ox) * oc + ci] = best;
                        }
                return y;
            }
            case LayerKind.Dense:
            {
                int inputs = x.Length;
                pre = new double[layer.Units];
                for (int j = 0; j < layer.Units; j++)
                {
                    double sum = p[layer.ParameterOffset + layer.WeightCount + j];
                    for (int i = 0; i < inputs; i++) sum += (double)p[layer.ParameterOffset + j * inputs + i] * x[i];
                    pre[j] = sum;
                }
                return Activate(layer.Activation, shape.LeakyReluSlope, pre, layer.Units);
            }
            default:
                return x;   // Flatten, Dropout (prediction)
        }
    }

    private static double[] Activate(Activation activation, float slope, double[] z, int width)
    {
        var y = new double[z.Length];
        for (int i = 0; i < z.Length; i++)
            y[i] = activation switch
            {
                Activation.Relu => Math.Max(z[i], 0),
                Activation.LeakyRelu => z[i] < 0 ? slope * z[i] : z[i],
                Activation.Tanh => Math.Tanh(z[i]),
                Activation.Sigmoid => 1 / (1 + Math.Exp(-z[i])),
                _ => z[i],
            };
        if (activation == Activation.Softmax)
            for (int start = 0; start < z.Length; start += width)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int i = start; i < start + width; i++) max = Math.Max(max, z[i]);
                for (int i = start; i < start + width; i++) sum += y[i] = Math.Exp(z[i] - max);
                for (int i = start; i < start + width; i++) y[i] /= sum;
            }
        return y;
    }

    private static float[] ToFloat(double[] x) => Array.ConvertAll(x, v => (float)v);

    [Theory]
    [MemberData(nameof(Networks))]
    public void Convolutions_StayWithinTheDocumentedBound(string name)
    {
        NeuralNetwork model = Create(name);
        NetworkShape shape = model.NetworkShape;
        float[] calibration = Inputs(model, 100, 1), fresh = Inputs(model, 20, 2);
        Int8Network q = Int8Network.Quantize(model, calibration);
        int n = shape.InputSize;
        double worst = 0;
        int checkedLayers = 0;
        for (int s = 0; s < 40; s++)
        {
            float[] x = (s < 20 ? calibration.AsSpan(s * n, n) : fresh.AsSpan((s - 20) * n, n)).ToArray();
            int convolution = 0;
            foreach (LayerInfo layer in shape.Layers)
            {
                // Each layer's input rounded to float32, as the int8 network's layers receive it.
                double[] exact = Layer(layer, shape, model.Parameters, Array.ConvertAll(x, v => (double)v), out double[] pre);
                bool int8 = layer.Kind is LayerKind.Conv2D or LayerKind.Conv1D
                    && layer.Geometry.WindowHeight * layer.Geometry.WindowWidth * layer.Geometry.InChannels >= 32;
                if (int8)
                {
                    QuantizedConv2DLayer conv = q.Convolutions[convolution];
                    Assert.Equal(layer.Units, conv.Filters);
                    var z = new float[pre.Length];
                    var bound = new float[pre.Length];
                    q.ConvolutionPreActivations(convolution, x, z);
                    conv.PreActivationErrorBound(model.Parameters.Slice(layer.ParameterOffset, layer.WeightCount), x, bound);
                    for (int i = 0; i < z.Length; i++)
                    {
                        double error = Math.Abs(z[i] - pre[i]);
                        Assert.True(error <= bound[i], $"{name}, sample {s}, {layer.Name}, value {i}: |{z[i]} - {pre[i]}| = {error} > bound {bound[i]}");
                        worst = Math.Max(worst, error / bound[i]);
                    }
                    convolution++;
                    checkedLayers++;
                }
                x = ToFloat(exact);
            }
            Assert.Equal(q.Convolutions.Count, convolution);
        }
        output.WriteLine($"{name}: {q.Convolutions.Count} int8 convolutions, largest error / bound {worst:0.000}");
        if (checkedLayers > 0) Assert.True(worst > 0.02, $"largest error / bound {worst}: the bound is vacuous");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Predictions_FollowTheFloatNetwork_OnEveryKernelPath_WithTheSameBits(string name)
    {
        NeuralNetwork model = Create(name);
        NetworkShape shape = model.NetworkShape;
        float[] calibration = Inputs(model, 100, 1), fresh = Inputs(model, 30, 3);
        Int8Network q = Int8Network.Quantize(model, calibration);
        Assert.Equal(shape.InputSize, q.InputSize);
        Assert.Equal(shape.OutputSize, q.OutputSize);
        int n = shape.InputSize, outputs = shape.OutputSize;
        var expected = new float[30 * outputs];
        q.PredictBatch(fresh, expected);
        double largest = 0;
        for (int s = 0; s < 30; s++)
        {
            double[] x = Array.ConvertAll(fresh.AsSpan(s * n, n).ToArray(), v => (double)v);
            foreach (LayerInfo layer in shape.Layers) x = Layer(layer, shape, model.Parameters, x, out _);
            for (int k = 0; k < outputs; k++) largest = Math.Max(largest, Math.Abs(expected[s * outputs + k] - x[k]));
        }
        output.WriteLine($"{name}: largest |int8 - exact| output {largest:0.00000}");
        // Softmax and sigmoid outputs: within a few hundredths of the exact network (the error bounds are per layer).
        Assert.True(largest < 0.05, $"largest output difference {largest}");

        foreach (Int8Path path in new[] { Int8Path.Scalar, Int8Path.Avx2, Int8Path.Vnni, Int8Path.VnniWide })
        {
            if (!Int8Dense.IsSupported(path)) continue;
            var y = new float[30 * outputs];
            q.WithPath(path).PredictBatch(fresh, y);
            Assert.Equal(expected, y);
        }
    }

    [Fact]
    public void FloatConvolution_MatchesTheDefinition_OnTiledAndBorderPositions()
    {
        // 16 filters (the AVX-512 tiles) and 5 (the general path); 'same' padding and stride 2 (border positions).
        foreach (var (filters, stride, padding) in new[] { (16, 1, Padding.Valid), (16, 2, Padding.Same), (5, 1, Padding.Same), (32, 1, Padding.Same) })
        {
            LayerInfo[] layers = { LayerInfo.Conv2D(filters, 3, 3, stride, stride, padding, Activation.Linear), LayerInfo.Flatten(), LayerInfo.Dense(2) };
            var shape = new NetworkShape(new[] { 13, 21, 2 }, layers);
            LayerInfo conv = shape.Layers[0];
            var random = new Random(filters + stride);
            var p = new float[shape.ParameterCount];
            for (int i = 0; i < p.Length; i++) p[i] = (float)(random.NextDouble() - 0.5);
            var x = new float[13 * 21 * 2];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 4 - 2);
            var f32 = new Float32Convolution(QuantizedConv2DLayer.Geometry(conv), p.AsSpan(conv.ParameterOffset, conv.WeightCount),
                p.AsSpan(conv.ParameterOffset + conv.WeightCount, filters), Activation.Linear);
            var y = new float[conv.Geometry.OutputSize];
            f32.Forward(x, y);
            Layer(conv, shape, p, Array.ConvertAll(x, v => (double)v), out double[] pre);
            for (int i = 0; i < y.Length; i++)
                Assert.True(Math.Abs(y[i] - pre[i]) <= 1e-5, $"filters {filters}, stride {stride}, {padding}, value {i}: {y[i]} against {pre[i]}");
        }
    }

    [Fact]
    public void FloatConvolutionFusedWithPooling_GivesTheSameBitsAsTheTwoSteps()
    {
        // One channel (the digit CNN's first layer) and three (RGB), with 16 and 32 filters; rows of 26 and 12 columns.
        foreach (var (height, width, channels, filters) in new[] { (28, 28, 1, 16), (9, 14, 3, 32) })
        {
            LayerInfo[] layers = { LayerInfo.Conv2D(filters, 3, 3, activation: Activation.Relu), LayerInfo.MaxPooling2D(2, 2), LayerInfo.Flatten(), LayerInfo.Dense(2) };
            var shape = new NetworkShape(new[] { height, width, channels }, layers);
            LayerInfo conv = shape.Layers[0];
            var random = new Random(filters);
            var p = new float[shape.ParameterCount];
            for (int i = 0; i < p.Length; i++) p[i] = (float)(random.NextDouble() - 0.5);
            var x = new float[height * width * channels];
            for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
            var f32 = new Float32Convolution(QuantizedConv2DLayer.Geometry(conv), p.AsSpan(conv.ParameterOffset, conv.WeightCount),
                p.AsSpan(conv.ParameterOffset + conv.WeightCount, filters), Activation.Relu);
            ConvGeometry pool = QuantizedConv2DLayer.Geometry(shape.Layers[1]);
            Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, f32.CanFusePooling(pool));
            if (!f32.CanFusePooling(pool)) continue;   // no AVX-512: the two steps run separately
            var y = new float[conv.Geometry.OutputSize];
            f32.Forward(x, y);
            var expected = new float[pool.OutputSize];
            for (int py = 0; py < pool.OutHeight; py++)
                for (int px = 0; px < pool.OutWidth; px++)
                    for (int c = 0; c < filters; c++)
                    {
                        // The pooling's rule: the window's values in scan order, each replacing the best only when greater.
                        float best = y[((2 * py) * pool.InWidth + 2 * px) * filters + c];
                        foreach (var (dy, dx) in new[] { (0, 1), (1, 0), (1, 1) })
                        {
                            float v = y[((2 * py + dy) * pool.InWidth + 2 * px + dx) * filters + c];
                            if (v > best) best = v;
                        }
                        expected[(py * pool.OutWidth + px) * filters + c] = best;
                    }
            var fused = new float[pool.OutputSize];
            f32.ForwardPooled(pool, x, fused);
            Assert.Equal(expected, fused);
        }
    }

    [Fact]
    public void Mnist_DigitCnn_LosesAtMostAThirdOfAPoint()
    {
        var model = new Int8DigitCnn(seed: 7);
        var (mnist, q) = Int8Digits.TrainAndQuantize(model);
        Assert.Single(q.Convolutions);   // the 3x3 first layer over one channel stays in float32
        Assert.Equal((11, 11, 32), q.Convolutions[0].OutputShape);

        float[,] p = model.Predict(mnist.TestImages);
        int[] int8Classes = q.PredictClasses(mnist.TestImages);
        var (floatAccuracy, int8Accuracy, agree) = Int8Digits.Compare(p, int8Classes, mnist.TestLabels);
        int samples = mnist.TestLabels.Length;
        output.WriteLine($"float32 {floatAccuracy:0.0000}, int8 {int8Accuracy:0.0000}, {agree} of {samples} classes agree");
        Assert.True(floatAccuracy > 0.9, $"float32 accuracy {floatAccuracy}: the model did not train");
        Assert.True(floatAccuracy - int8Accuracy <= 0.003, $"float32 {floatAccuracy:0.0000}, int8 {int8Accuracy:0.0000}");
        Assert.True(agree >= 0.99 * samples, $"{agree} of {samples} classes agree");
        Assert.Equal(32 * 144 + 800 * 64 + 64 * 10, q.WeightBytes);
    }

    [Fact]
    public void Predict_AllocatesNothing_AndAllOverloadsAgree()
    {
        var model = new Int8ConvMix(seed: 3);
        Int8Network q = Int8Network.Quantize(model, Inputs(model, 20, 1));
        int n = model.NetworkShape.InputSize, samples = 300;
        float[] inputs = Inputs(model, samples, 2);
        var one = new float[5];
        q.Predict(inputs.AsSpan(0, n), one);
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) q.Predict(inputs.AsSpan(i * n, n), one);
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, least);

        var batch = new float[samples * 5];
        q.PredictBatch(inputs, batch);
        var matrix = new float[samples, n];
        Buffer.BlockCopy(inputs, 0, matrix, 0, inputs.Length * sizeof(float));
        float[,] all = q.Predict(matrix);
        for (int s = 0; s < samples; s++)
        {
            q.Predict(inputs.AsSpan(s * n, n), one);
            for (int k = 0; k < 5; k++)
            {
                Assert.Equal(one[k], batch[s * 5 + k]);
                Assert.Equal(one[k], all[s, k]);
            }
        }
    }

    [Fact]
    public void BadInputs_AreRejectedWithClearMessages()
    {
        var model = new Int8ConvMix(seed: 3);
        Int8Network q = Int8Network.Quantize(model, Inputs(model, 5, 1));
        Assert.Throws<ArgumentException>(() => q.Predict(new float[model.NetworkShape.InputSize - 1], new float[5]));
        Assert.Throws<ArgumentException>(() => q.Predict(new float[model.NetworkShape.InputSize], new float[4]));
        var e = Assert.Throws<ArgumentException>(() => Int8Network.Quantize(model, new float[model.NetworkShape.InputSize + 1]));
        Assert.Contains($"{model.NetworkShape.InputSize}", e.Message);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void SaveAndLoad_GiveTheSameBits_AndTheSameFile(string name)
    {
        NeuralNetwork model = Create(name);
        Int8Network q = Int8Network.Quantize(model, Inputs(model, 50, 1));
        string path = Path.Combine(Path.GetTempPath(), $"staticnet-int8conv-{Guid.NewGuid():N}.safetensors");
        string again = path + ".again.safetensors";
        try
        {
            q.Save(path);
            Int8Network loaded = Int8Network.Load(path);
            float[] x = Inputs(model, 20, 2);
            var expected = new float[20 * q.OutputSize];
            var actual = new float[20 * q.OutputSize];
            q.PredictBatch(x, expected);
            loaded.PredictBatch(x, actual);
            Assert.Equal(expected, actual);
            Assert.Equal(q.Convolutions.Count, loaded.Convolutions.Count);
            Assert.Equal(q.WeightBytes, loaded.WeightBytes);
            // Every layer setting that prediction uses comes back, a convolution's UseBias = false included (Int8ConvMix has
            // one); a Dropout's rate, which prediction does not use, is not kept.
            static string WithoutRates(string shape) => System.Text.RegularExpressions.Regex.Replace(shape, @"Dropout\([^)]*\)", "Dropout");
            Assert.Equal(WithoutRates(model.NetworkShape.ToString()), WithoutRates(loaded.SourceShape!.ToString()));
            loaded.Save(again);
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
        }
        finally
        {
            File.Delete(path);
            File.Delete(again);
        }
    }

    [Fact]
    public void Load_RejectsAFileWhoseLayersDoNotMatchItsTensors()
    {
        var model = new Int8ConvMix(seed: 3);
        Int8Network q = Int8Network.Quantize(model, Inputs(model, 5, 1));
        string path = Path.Combine(Path.GetTempPath(), $"staticnet-int8conv-{Guid.NewGuid():N}.safetensors");
        try
        {
            q.Save(path);
            byte[] original = File.ReadAllBytes(path);
            // Edits of the same length inside the header's JSON: a convolution with 13 filters instead of 12, an unknown activation.
            foreach (var (from, to, message) in new[] { ("Conv2D 12 ", "Conv2D 13 ", "0.weight"), ("Tanh NoBias int8", "Tanx NoBias int8", "Tanx"), ("Tanh NoBias int8", "Tanh NoBiaz int8", "NoBiaz"), ("MaxPooling2D 3x3", "MaxPooling2D 3y3", "MaxPooling2D 3y3") })
            {
                string text = System.Text.Encoding.Latin1.GetString(original);
                Assert.Contains(from, text);
                File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(text.Replace(from, to)));
                var e = Assert.Throws<InvalidDataException>(() => Int8Network.Load(path));
                Assert.Contains(message, e.Message);
                Assert.Contains(path, e.Message);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
