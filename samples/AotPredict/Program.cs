// The course's 0-vs-1 network in a program that publishes with NativeAOT (no JIT, no reflection:
// the generated code is plain static calls): first with weights trained in PyTorch and baked in at
// compile time (no file read at run time), then trained briefly here and used for prediction; then a
// small CNN trained here, and a ten-digit CNN with int8 weights baked in.
//
//   dotnet run -f net10.0 --project samples/AotPredict -c Release [-- --epochs N --data DIR]   (JIT)
//   dotnet publish samples/AotPredict -f net8.0 -c Release -r linux-x64 -p:PublishAot=true -o /tmp/aot
//   /tmp/aot/AotPredict [--epochs N --data DIR]                                                (NativeAOT)
//
// Training is seeded and deterministic, so both print the same predictions and the same checksum
// of the trained parameters on the same machine (see the IlcInstructionSet note in the .csproj).
using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticNet;
using StaticNet.Data;

SampleErrors.ReportBadInputAsOneLine();

int epochs = 3;
string? dataDirectory = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n) && n > 0:
            epochs = n;
            i++;
            break;
        case "--data" when i + 1 < args.Length:
            dataDirectory = args[++i];
            break;
        default:
            return SampleErrors.Fail($"unknown or incomplete option '{args[i]}'; usage: AotPredict [--epochs N] [--data DIR]  (DIR holds the four MNIST-format files)");
    }
}
dataDirectory ??= Mnist.FindDataDirectory();
if (dataDirectory is null)
{
    return SampleErrors.Fail("could not find samples/data/mnist; pass --data DIR.");
}

CultureInfo inv = CultureInfo.InvariantCulture;
Console.WriteLine($"runtime: {RuntimeInformation.FrameworkDescription}, " +
    $"{(RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT")}, " +
    $"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, FMA {Fma.IsSupported}");

MnistData mnist = Mnist.Load(dataDirectory);
var (xTrain, yTrain) = Mnist.Filter(mnist.TrainImages, mnist.TrainLabels, 0, 1);
var (xTest, yTest) = Mnist.Filter(mnist.TestImages, mnist.TestLabels, 0, 1);

// Weights from PyTorch, compiled into the program: a new instance predicts with them at once.
var pytorch = new PyTorchDigitNet();
pytorch.Compile(Loss.BinaryCrossentropy, new Adam(), Metric.Accuracy);
var probability = new float[1];
pytorch.Predict(xTest.GetRow(0), probability);
Console.WriteLine($"baked PyTorch weights: test[0] label {yTest[0]} p(1) {probability[0].ToString("0.000000", inv)}, " +
    $"test accuracy {pytorch.Evaluate(xTest, yTest)["accuracy"].ToString("0.0000", inv)}");

var model = new DigitNet(seed: 42);
model.Compile(loss: Loss.BinaryCrossentropy, optimizer: new Adam(learningRate: 0.001f), Metric.Accuracy);
History history = model.Fit(xTrain, yTrain, epochs: epochs, batchSize: 32, verbose: 0);
Console.WriteLine($"trained {epochs} epochs on {xTrain.GetLength(0)} images, final loss {history["loss"][^1].ToString("0.000000", inv)}");

// The first ten test digits: p(digit is 1) for each.
const int Shown = 10;
int pixels = xTest.GetLength(1);
var first = new float[Shown, pixels];
Array.Copy(xTest, first, Shown * pixels);
float[,] p = model.Predict(first);
for (int i = 0; i < Shown; i++)
    Console.WriteLine($"test[{i}] label {yTest[i]} p(1) {p[i, 0].ToString("0.000000", inv)}");

// Every bit of every trained parameter, folded into one number (FNV-1a over the IEEE bits). Read through a copy: a
// model that hands out its live Parameters span stops keeping the packed copy that speeds up one-sample Predict.
var trained = new float[model.NetworkShape.ParameterCount];
model.CopyParametersTo(trained);
ulong checksum = 14695981039346656037UL;
foreach (float w in trained)
    checksum = (checksum ^ BitConverter.SingleToUInt32Bits(w)) * 1099511628211UL;
Console.WriteLine($"parameters checksum: {checksum:x16}");

// A small convolutional network: the layer kernels compile ahead of time too.
var cnn = new DigitCnn(seed: 7);
cnn.Compile(Loss.BinaryCrossentropy, new Adam(learningRate: 0.002f), Metric.Accuracy);
History cnnHistory = cnn.Fit(xTrain, yTrain, epochs: 3, batchSize: 32, verbose: 0);
var cnnTrained = new float[cnn.NetworkShape.ParameterCount];
cnn.CopyParametersTo(cnnTrained);
ulong cnnChecksum = 14695981039346656037UL;
foreach (float w in cnnTrained)
    cnnChecksum = (cnnChecksum ^ BitConverter.SingleToUInt32Bits(w)) * 1099511628211UL;
Console.WriteLine($"cnn trained 3 epochs, final loss {cnnHistory["loss"][^1].ToString("0.000000", inv)}");
Console.WriteLine($"cnn parameters checksum: {cnnChecksum:x16}");
Console.WriteLine($"cnn test accuracy: {cnn.Evaluate(xTest, yTest)["accuracy"].ToString("0.0000", inv)}");

// The ten-digit CNN quantized to int8 (tools/make-int8-fixture) and baked in: the int8 kernels run ahead-of-time compiled too.
var int8Cnn = new Int8DigitCnn();
Console.WriteLine($"int8 digit cnn test accuracy: {int8Cnn.Accuracy(mnist.TestImages, mnist.TestLabels).ToString("0.0000", inv)}");

Evaluation test = model.Evaluate(xTest, yTest);
Console.WriteLine($"test accuracy: {test["accuracy"].ToString("0.0000", inv)}");
return 0;

[Network(784, 25, 15, 1, Activation = Activation.Sigmoid)]
partial class DigitNet;

/// <summary>Conv2D, max pooling, BatchNormalization and Dense layers on 28x28 digits.</summary>
[Sequential(28, 28, 1)]
[Conv2D(4, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[BatchNormalization]
[Flatten]
[Dense(1, Activation = Activation.Sigmoid)]
partial class DigitCnn;

/// <summary>The same shape with the weights of tools/train_pytorch_digits.py baked in (an AdditionalFiles item).</summary>
[Network(784, 25, 15, 1, Activation = Activation.Sigmoid, Weights = "pytorch_digits.safetensors")]
partial class PyTorchDigitNet;

/// <summary>Ten digits: Conv2D(16) and Conv2D(32) with pooling, Dense(64), Dense(10); int8 weights of an AdditionalFiles item.</summary>
[Sequential(28, 28, 1, Precision = Precision.Int8, Weights = "digitcnn_int8.safetensors")]
[Conv2D(16, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Conv2D(32, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64, Activation = Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
partial class Int8DigitCnn;

static class Rows
{
    /// <summary>One row of a matrix as a new array.</summary>
    public static float[] GetRow(this float[,] matrix, int row)
    {
        var result = new float[matrix.GetLength(1)];
        for (int k = 0; k < result.Length; k++) result[k] = matrix[row, k];
        return result;
    }
}
