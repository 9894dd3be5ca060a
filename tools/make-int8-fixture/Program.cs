// Writes the int8 fixtures the tests bake in and compare against:
//   tests/StaticNet.Tests/Fixtures/int8/mnist_float32.safetensors  784-128-64-10 relu/softmax trained 3 epochs on the bundled digits
//   tests/StaticNet.Tests/Fixtures/int8/mnist_int8.safetensors     it quantized with the first 1,000 training digits (Int8Network.Save)
//   tests/StaticNet.Generator.Tests/Fixtures/tiny_int8.safetensors a 5-4-3 tanh/softmax network quantized on 50 random samples (snapshot test)
//   tests/StaticNet.Tests/Fixtures/int8/digitcnn_float32.safetensors  the digit CNN (two convolutions) trained 1 epoch on the bundled digits
//   tests/StaticNet.Tests/Fixtures/int8/digitcnn_int8.safetensors     it quantized with the first 1,000 training digits (format staticnet-int8-layers)
//   tests/StaticNet.Tests/Fixtures/int8/sequence_int8.safetensors     a 1-D network (Conv1D in int8 and float32, average and global
//                                                                      pooling, Dropout) trained briefly on random data and quantized
//   tests/StaticNet.Generator.Tests/Fixtures/tiny_int8_cnn.safetensors a small CNN (float32 and int8 convolutions, BatchNormalization,
//                                                                      pooling) trained briefly on random data and quantized (snapshot test)
// Usage: dotnet run --project tools/make-int8-fixture -c Release -- <repository root> [dense|cnn]   (both groups by default)
using System;
using System.IO;
using StaticNet;
using StaticNet.Data;
using StaticNet.Interop;
using StaticNet.Quantization;

string root = args.Length > 0 ? args[0] : ".";
string group = args.Length > 1 ? args[1] : "";
string mnistDir = Mnist.FindDataDirectory() ?? Path.Combine(root, "samples", "data", "mnist");
MnistData mnist = Mnist.Load(mnistDir);
string dir = Path.Combine(root, "tests", "StaticNet.Tests", "Fixtures", "int8");
string generatorDir = Path.Combine(root, "tests", "StaticNet.Generator.Tests", "Fixtures");
Directory.CreateDirectory(dir);
Directory.CreateDirectory(generatorDir);
var calibration = new float[1000, 784];
Buffer.BlockCopy(mnist.TrainImages, 0, calibration, 0, 1000 * 784 * sizeof(float));
if (group is "" or "dense") Dense();
if (group is "" or "cnn") Cnn();

void Dense()
{
    var model = new FixtureMnistNet(seed: 2026);
    model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
    model.Fit(mnist.TrainImages, mnist.TrainLabels, epochs: 3, batchSize: 32, verbose: 0, shuffle: false);
    Int8Network q = Int8Network.Quantize(model, calibration);
    Safetensors.Save(model, Path.Combine(dir, "mnist_float32.safetensors"));
    q.Save(Path.Combine(dir, "mnist_int8.safetensors"));
    Console.WriteLine($"float32 test accuracy {model.Evaluate(mnist.TestImages, mnist.TestLabels)["accuracy"]:0.0000}, int8 {q.Accuracy(mnist.TestImages, mnist.TestLabels):0.0000}");

    var tiny = new FixtureTinyNet(seed: 7);
    var random = new Random(7);
    var samples = new float[50, 5];
    for (int s = 0; s < 50; s++) for (int i = 0; i < 5; i++) samples[s, i] = (float)(random.NextDouble() * 4 - 2);
    Int8Network.Quantize(tiny, samples).Save(Path.Combine(generatorDir, "tiny_int8.safetensors"));
}

void Cnn()
{
    var cnn = new FixtureDigitCnn(seed: 2026);
    cnn.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
    cnn.Fit(mnist.TrainImages, mnist.TrainLabels, epochs: 1, batchSize: 32, verbose: 0, shuffle: false);
    Int8Network q = Int8Network.Quantize(cnn, calibration);
    Safetensors.Save(cnn, Path.Combine(dir, "digitcnn_float32.safetensors"));
    q.Save(Path.Combine(dir, "digitcnn_int8.safetensors"));
    Console.WriteLine($"digit CNN: float32 test accuracy {cnn.Evaluate(mnist.TestImages, mnist.TestLabels)["accuracy"]:0.0000}, int8 {q.Accuracy(mnist.TestImages, mnist.TestLabels):0.0000}");

    // Random inputs and labels: a few epochs give BatchNormalization moving statistics away from their start.
    var tiny = new FixtureTinyCnn(seed: 11);
    tiny.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f));
    var random = new Random(11);
    var x = new float[64, 6 * 6 * 2];
    var y = new int[64];
    for (int s = 0; s < 64; s++)
    {
        y[s] = random.Next(3);
        for (int i = 0; i < x.GetLength(1); i++) x[s, i] = (float)(random.NextDouble() * 2 - 0.5);
    }
    tiny.Fit(x, y, epochs: 3, batchSize: 16, verbose: 0, shuffle: false);
    Int8Network.Quantize(tiny, x).Save(Path.Combine(generatorDir, "tiny_int8_cnn.safetensors"));

    var sequence = new FixtureSequenceNet(seed: 12);
    sequence.Compile(Loss.SparseCategoricalCrossentropy, new Adam(0.01f));
    var xs = new float[64, 12 * 12];
    for (int s = 0; s < 64; s++)
        for (int i = 0; i < xs.GetLength(1); i++) xs[s, i] = (float)(random.NextDouble() * 2 - 1);
    sequence.Fit(xs, y, epochs: 3, batchSize: 16, verbose: 0, shuffle: false);
    Int8Network.Quantize(sequence, xs).Save(Path.Combine(dir, "sequence_int8.safetensors"));
}

[Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class FixtureMnistNet;

[Network(5, 4, 3, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class FixtureTinyNet;

/// <summary>The digit CNN of samples/DigitCnn without dropout (as Int8DigitCnn in the tests).</summary>
[Sequential(28, 28, 1)]
[Conv2D(16, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Conv2D(32, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64, Activation = Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
public partial class FixtureDigitCnn;

/// <summary>A first convolution of 8-value windows (float32 in Int8Network), BatchNormalization, a second of 36 (int8), leaky ReLU.</summary>
[Sequential(6, 6, 2)]
[Conv2D(4, 2, Activation = Activation.Relu)]
[BatchNormalization]
[Conv2D(5, 3, Padding = Padding.Same, Activation = Activation.LeakyRelu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
public partial class FixtureTinyCnn;

/// <summary>Sequences: a Conv1D of 36-value windows (int8), average pooling, a strided Conv1D of 18 (float32), global pooling, Dropout.</summary>
[Sequential(12, 12)]
[Conv1D(6, 3, Padding = Padding.Same, Activation = Activation.Relu)]
[AveragePooling1D(2)]
[Conv1D(8, 3, Strides = 2, Activation = Activation.Sigmoid)]
[GlobalAveragePooling1D]
[Dropout(0.2f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class FixtureSequenceNet;
