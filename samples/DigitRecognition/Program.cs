// The course's first training example: tell handwritten 0s from 1s with a 784-25-15-1 sigmoid
// network, binary cross-entropy and Adam, in Keras's three steps.
//
//   dotnet run --project samples/DigitRecognition [-- --epochs N --data DIR]
using System;
using System.Globalization;
using StaticNet;
using StaticNet.Data;

SampleErrors.ReportBadInputAsOneLine();

int epochs = 100;
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
            return SampleErrors.Fail($"unknown or incomplete option '{args[i]}'; usage: DigitRecognition [--epochs N] [--data DIR]  (DIR holds the four MNIST-format files)");
    }
}
dataDirectory ??= Mnist.FindDataDirectory();
if (dataDirectory is null)
{
    return SampleErrors.Fail("could not find samples/data/mnist; pass --data DIR.");
}

MnistData mnist = Mnist.Load(dataDirectory);
var (xTrain, yTrain) = Mnist.Filter(mnist.TrainImages, mnist.TrainLabels, 0, 1);
var (xTest, yTest) = Mnist.Filter(mnist.TestImages, mnist.TestLabels, 0, 1);
Console.WriteLine($"Training on {xTrain.GetLength(0)} images of 0 and 1, testing on {xTest.GetLength(0)}.");

// Step 1: the model (784-25-15-1, sigmoid everywhere; declared at the bottom of this file).
var model = new DigitNet(seed: 42);

// Step 2: compile with a loss and an optimizer.
model.Compile(loss: Loss.BinaryCrossentropy, optimizer: new Adam(learningRate: 0.001f), Metric.Accuracy);

// Step 3: fit.
History history = model.Fit(xTrain, yTrain, epochs: epochs, batchSize: 32, verbose: 2);

Evaluation test = model.Evaluate(xTest, yTest);
Console.WriteLine($"final training loss: {history["loss"][^1].ToString("0.0000", CultureInfo.InvariantCulture)}");
Console.WriteLine($"test loss: {test.Loss.ToString("0.0000", CultureInfo.InvariantCulture)}");
Console.WriteLine($"test accuracy: {test["accuracy"].ToString("0.0000", CultureInfo.InvariantCulture)}");
return 0;

[Network(784, 25, 15, 1, Activation = Activation.Sigmoid)]
partial class DigitNet;
