using System;
using StaticNet.Data;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.EndToEnd;

/// <summary>The course's 0/1 example trained on the bundled real MNIST digits, end to end.</summary>
public class DigitTrainingTests
{
    private static MnistData LoadBundled()
    {
        string directory = Mnist.FindDataDirectory() ?? throw new InvalidOperationException("samples/data/mnist not found");
        return Mnist.Load(directory);
    }

    [Fact]
    public void ZeroVersusOne_TrainsToAtLeast99PercentTestAccuracy()
    {
        MnistData mnist = LoadBundled();
        var (xTrain, yTrain) = Mnist.Filter(mnist.TrainImages, mnist.TrainLabels, 0, 1);
        var (xTest, yTest) = Mnist.Filter(mnist.TestImages, mnist.TestLabels, 0, 1);

        var model = new DigitNet(seed: 42);
        model.Compile(Loss.BinaryCrossentropy, new Adam(learningRate: 0.001f), Metric.Accuracy);
        Evaluation before = model.Evaluate(xTest, yTest);
        History history = model.Fit(xTrain, yTrain, epochs: 5, batchSize: 32, verbose: 0);
        Evaluation after = model.Evaluate(xTest, yTest);

        Assert.Equal(5, history["loss"].Count);
        Assert.True(history["loss"][4] < history["loss"][0], $"training loss did not fall: {string.Join(", ", history["loss"])}");
        Assert.True(before["accuracy"] < 0.9, $"an untrained network should not already be accurate ({before["accuracy"]})");
        Assert.True(after["accuracy"] >= 0.99, $"test accuracy {after["accuracy"]:0.0000} < 0.99");

        // Evaluate's accuracy agrees with thresholding Predict's probabilities by hand.
        float[,] p = model.Predict(xTest);
        int right = 0;
        for (int i = 0; i < yTest.Length; i++) if ((p[i, 0] > 0.5f ? 1 : 0) == yTest[i]) right++;
        Assert.Equal((double)right / yTest.Length, after["accuracy"], 9);
    }

    [Fact]
    public void TenDigits_TrainsWellAboveChanceInOneEpoch()
    {
        MnistData mnist = LoadBundled();
        var model = new MnistNet(seed: 7);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        model.Fit(mnist.TrainImages, mnist.TrainLabels, epochs: 1, batchSize: 32, verbose: 0);
        Evaluation test = model.Evaluate(mnist.TestImages, mnist.TestLabels);
        // One epoch on 10,000 digits reaches about 0.9; chance is 0.1.
        Assert.True(test["accuracy"] > 0.85, $"test accuracy {test["accuracy"]:0.0000}");
    }
}
