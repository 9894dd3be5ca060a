// A convolutional network on the bundled MNIST digits, declared as a Keras Sequential layer list
// (at the bottom of this file): Conv2D → MaxPooling2D → Conv2D → MaxPooling2D → Flatten → Dense →
// Dropout → Dense(softmax), compiled with Adam and fitted with batch 32 as in Keras. Then two
// pictures of what the first layer learned: its filters, and one test digit's feature maps.
//
//   dotnet run --project samples/DigitCnn -c Release [-- --epochs N --data DIR --out DIR --seed N]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using StaticNet;
using StaticNet.Data;
using StaticNet.Plotting;
using StaticNet.Quantization;

SampleErrors.ReportBadInputAsOneLine();

int epochs = 15;
int seed = 42;
string? dataDirectory = null;
string outDirectory = "out";
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0:
            epochs = n;
            i++;
            break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out int s):
            seed = s;
            i++;
            break;
        case "--data" when i + 1 < args.Length:
            dataDirectory = args[++i];
            break;
        case "--out" when i + 1 < args.Length:
            outDirectory = args[++i];
            break;
        default:
            return SampleErrors.Fail($"unknown or incomplete option '{args[i]}'; usage: DigitCnn [--epochs N] [--data DIR] [--out DIR] [--seed N]  (DIR holds the four MNIST-format files)");
    }
}
dataDirectory ??= Mnist.FindDataDirectory();
if (dataDirectory is null)
{
    return SampleErrors.Fail("could not find samples/data/mnist; pass --data DIR (any folder with the four MNIST-format files).");
}
// Pixels in [0, 1], 784 per image, row by row: with one channel that is already the (28, 28, 1)
// channels-last input the network declares, so the images go in as they are.
MnistData data = Mnist.Load(dataDirectory);
Directory.CreateDirectory(outDirectory);   // here, so that a bad --out fails before training, not after
int trainCount = data.TrainImages.GetLength(0);
Console.WriteLine($"{trainCount} training and {data.TestImages.GetLength(0)} test images from {dataDirectory}");

// Adam from Keras's 0.001 with Keras's CosineDecay over every step of the run: the last epochs take
// smaller steps, so the result depends less on where training stops (see the README's figures).
var model = new DigitCnn(seed);
long steps = (trainCount + 31) / 32 * (long)epochs;
model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(new CosineDecay(0.001, steps)), Metric.Accuracy);
model.Summary();

// All training images are used for training (no validation split: with 10,000 digits every one
// counts); the official test digits are used once, at the end.
var clock = new Stopwatch();
var epochSeconds = new double[epochs];
var timer = new LambdaCallback(onEpochBegin: _ => clock.Restart(), onEpochEnd: (epoch, _) => epochSeconds[epoch] = clock.Elapsed.TotalSeconds);
History history = model.Fit(data.TrainImages, data.TrainLabels, epochs: epochs, batchSize: 32, verbose: 2, callbacks: [timer]);
Evaluation test = model.Evaluate(data.TestImages, data.TestLabels);

// The pictures: the first layer's filters, and the first test digit with its feature maps after
// that layer (computed here from the parameters, as the layer does).
LayerInfo conv = model.NetworkShape.Layers[0];
float[][,] filters = Filters(model.Parameters, conv);
var filterCaptions = new string[filters.Length];
for (int f = 0; f < filters.Length; f++) filterCaptions[f] = $"filter {f}";
string filtersPath = Path.Combine(outDirectory, "filters.png");
ImageGrid.Save(filters, filtersPath, columns: 8, title: $"The {filters.Length} learned {conv.Window.Height}x{conv.Window.Width} filters of the first Conv2D layer",
    captions: filterCaptions);

float[,] digit = new float[28, 28];
for (int k = 0; k < 784; k++) digit[k / 28, k % 28] = data.TestImages[0, k];
var maps = new List<float[,]> { digit };
var mapCaptions = new List<string> { $"input ({data.TestLabels[0]})" };
for (int f = 0; f < filters.Length; f++)
{
    maps.Add(FeatureMap(digit, filters[f], Bias(model.Parameters, conv, f)));
    mapCaptions.Add($"map {f}");
}
string mapsPath = Path.Combine(outDirectory, "feature-maps.png");
ImageGrid.Save(maps, mapsPath, columns: 9, title: $"Test digit 0 and its {filters.Length} feature maps after the first Conv2D layer (relu)",
    captions: mapCaptions);
Console.WriteLine($"Wrote {filtersPath} and {mapsPath}.");

double later = 0;
for (int e = 1; e < epochs; e++) later += epochSeconds[e];
string laterEpochs = epochs > 1 ? $", later epochs {F(later / (epochs - 1), "0.0")} s each" : "";
Console.WriteLine($"time per epoch: first {F(epochSeconds[0], "0.0")} s (with JIT compilation){laterEpochs} ({trainCount} images, {Environment.ProcessorCount} {(Environment.ProcessorCount == 1 ? "core" : "cores")})");
Console.WriteLine($"final training loss: {F(history["loss"][^1])}");
Console.WriteLine($"test loss: {F(test.Loss)}");
Console.WriteLine($"test accuracy: {F(test["accuracy"])}");

// For embedding: the trained network in int8 (calibrated on 1,000 training images; docs/QUANTIZATION.md).
int calibrationCount = Math.Min(1000, trainCount);
var calibration = new float[calibrationCount, 784];
Buffer.BlockCopy(data.TrainImages, 0, calibration, 0, calibrationCount * 784 * sizeof(float));
Int8Network int8 = Int8Network.Quantize(model, calibration);
Console.WriteLine($"int8: test accuracy {F(int8.Accuracy(data.TestImages, data.TestLabels))} ({int8.WeightBytes} bytes of int8 weights, {int8.Convolutions.Count} of 2 convolutions in int8)");
return 0;

// The kernel is stored as Keras stores it, [kh, kw, in, filters], at the layer's ParameterOffset;
// with one input channel, filter f's weight at (y, x) is kernel[(y * kw + x) * filters + f].
static float[][,] Filters(ReadOnlySpan<float> parameters, LayerInfo conv)
{
    var (kh, kw) = conv.Window;
    int channels = conv.InputShape[2], count = conv.Units;
    if (channels != 1) throw new InvalidOperationException($"The pictures expect one input channel; {conv.Name} has {channels}.");
    ReadOnlySpan<float> kernel = parameters.Slice(conv.ParameterOffset, conv.WeightCount);
    var filters = new float[count][,];
    for (int f = 0; f < count; f++)
    {
        filters[f] = new float[kh, kw];
        for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
                filters[f][y, x] = kernel[(y * kw + x) * count + f];
    }
    return filters;
}

static float Bias(ReadOnlySpan<float> parameters, LayerInfo conv, int filter) =>
    conv.UseBias ? parameters[conv.ParameterOffset + conv.WeightCount + filter] : 0f;

// What the layer computes for one filter: a 'valid' convolution (stride 1, no padding; as
// Keras, the kernel is not flipped), plus the bias, then relu.
static float[,] FeatureMap(float[,] image, float[,] filter, float bias)
{
    int kh = filter.GetLength(0), kw = filter.GetLength(1);
    int rows = image.GetLength(0) - kh + 1, cols = image.GetLength(1) - kw + 1;
    var map = new float[rows, cols];
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
        {
            float sum = bias;
            for (int y = 0; y < kh; y++)
                for (int x = 0; x < kw; x++)
                    sum += image[r + y, c + x] * filter[y, x];
            map[r, c] = Math.Max(0f, sum);
        }
    return map;
}

static string F(double v, string format = "0.0000") => v.ToString(format, CultureInfo.InvariantCulture);

[Sequential(28, 28, 1)]
[Conv2D(16, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Conv2D(32, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64, Activation = Activation.Relu)]
[Dropout(0.2f)]
[Dense(10, Activation = Activation.Softmax)]
public partial class DigitCnn;
