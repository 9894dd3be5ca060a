// Writes the int8 fixtures the tests bake in and compare against:
//   tests/StaticNet.Tests/Fixtures/int8/mnist_float32.safetensors  784-128-64-10 relu/softmax trained 3 epochs on the bundled digits
//   tests/StaticNet.Tests/Fixtures/int8/mnist_int8.safetensors     it quantized with the first 1,000 training digits (Int8Network.Save)
//   tests/StaticNet.Generator.Tests/Fixtures/tiny_int8.safetensors a 5-4-3 tanh/softmax network quantized on 50 random samples (snapshot test)
// Usage: dotnet run --project tools/make-int8-fixture -c Release -- <repository root>
using System;
using System.IO;
using StaticNet;
using StaticNet.Data;
using StaticNet.Interop;
using StaticNet.Quantization;

string root = args.Length > 0 ? args[0] : ".";
string mnistDir = Mnist.FindDataDirectory() ?? Path.Combine(root, "samples", "data", "mnist");
MnistData mnist = Mnist.Load(mnistDir);
var model = new FixtureMnistNet(seed: 2026);
model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
model.Fit(mnist.TrainImages, mnist.TrainLabels, epochs: 3, batchSize: 32, verbose: 0, shuffle: false);
var calibration = new float[1000, 784];
Buffer.BlockCopy(mnist.TrainImages, 0, calibration, 0, 1000 * 784 * sizeof(float));
Int8Network q = Int8Network.Quantize(model, calibration);
string dir = Path.Combine(root, "tests", "StaticNet.Tests", "Fixtures", "int8");
Directory.CreateDirectory(dir);
Safetensors.Save(model, Path.Combine(dir, "mnist_float32.safetensors"));
q.Save(Path.Combine(dir, "mnist_int8.safetensors"));
Console.WriteLine($"float32 test accuracy {model.Evaluate(mnist.TestImages, mnist.TestLabels)["accuracy"]:0.0000}, int8 {q.Accuracy(mnist.TestImages, mnist.TestLabels):0.0000}");

var tiny = new FixtureTinyNet(seed: 7);
var random = new Random(7);
var samples = new float[50, 5];
for (int s = 0; s < 50; s++) for (int i = 0; i < 5; i++) samples[s, i] = (float)(random.NextDouble() * 4 - 2);
string generatorDir = Path.Combine(root, "tests", "StaticNet.Generator.Tests", "Fixtures");
Directory.CreateDirectory(generatorDir);
Int8Network.Quantize(tiny, samples).Save(Path.Combine(generatorDir, "tiny_int8.safetensors"));

[Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class FixtureMnistNet;

[Network(5, 4, 3, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class FixtureTinyNet;
