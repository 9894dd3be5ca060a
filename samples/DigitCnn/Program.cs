// A convolutional network on the bundled MNIST digits, declared as a Keras Sequential layer list:
// Conv2D → MaxPooling2D → Conv2D → MaxPooling2D → Flatten → Dense → Dropout → Dense(softmax),
// compiled with Adam and fitted with batch 32 as in Keras; then pictures of what the first layer learned.
//
//   dotnet run --project samples/DigitCnn -c Release [-- --epochs N --data DIR --out DIR --seed N]
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using StaticNet;
using StaticNet.Data;

SampleErrors.ReportBadInputAsOneLine();

int epochs = 10;
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
// Pixels in [0, 1], 784 per image: row by row with one channel, which is the (28, 28, 1) channels-last input.
MnistData data = Mnist.Load(dataDirectory);
Console.WriteLine($"{data.TrainImages.GetLength(0)} training and {data.TestImages.GetLength(0)} test images from {dataDirectory}");

var model = new DigitCnn(seed);
model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.001f), Metric.Accuracy);
model.Summary();

var clock = new Stopwatch();
var epochSeconds = new double[epochs];
var timer = new LambdaCallback(onEpochBegin: _ => clock.Restart(), onEpochEnd: (epoch, _) => epochSeconds[epoch] = clock.Elapsed.TotalSeconds);
History history = model.Fit(data.TrainImages, data.TrainLabels, epochs: epochs, batchSize: 32, verbose: 2, callbacks: [timer]);
Evaluation test = model.Evaluate(data.TestImages, data.TestLabels);

double total = 0;
foreach (double s in epochSeconds) total += s;
Console.WriteLine($"time per epoch: {F(total / epochs, "0.0")} s ({data.TrainImages.GetLength(0)} images, {Environment.ProcessorCount} cores)");
Console.WriteLine($"final training loss: {F(history["loss"][^1])}");
Console.WriteLine($"test loss: {F(test.Loss)}");
Console.WriteLine($"test accuracy: {F(test["accuracy"])}");
return 0;

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
