using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet;
using StaticNet.Tests.Networks;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>One-sample Predict, class predictions, Categorical, Summary and ToString.</summary>
public class PredictionApiTests
{
    private static float[][] Digits(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 784).Select(_ => random.NextDouble() < 0.8 ? 0f : (float)random.NextDouble()).ToArray()).ToArray();
    }

    [Fact]
    public void OneSamplePredict_CompilesForArraysJaggedRowsAndSpans_AndGivesTheGeneratedBits()
    {
        var model = new MnistNet(seed: 5);
        float[][] xTest = Digits(3, seed: 1);
        var expected = new float[10];
        model.Predict(xTest[0], expected);        // the generated, allocation-free overload

        float[] fromRow = model.Predict(xTest[0]);                      // float[] from a float[][]
        float[] fromSpan = model.Predict(xTest[0].AsSpan());            // Span<float>
        float[] fromReadOnlySpan = model.Predict((ReadOnlySpan<float>)xTest[0]);
        Assert.Equal(expected, fromRow);
        Assert.Equal(expected, fromSpan);
        Assert.Equal(expected, fromReadOnlySpan);
        Assert.Equal(10, model.Predict(new float[784]).Length);
        Assert.Equal(expected.ToList().IndexOf(expected.Max()), model.PredictClass(xTest[0]));

        var e = Assert.Throws<ArgumentException>(() => model.Predict(new float[783]));
        Assert.Contains("784", e.Message);
        Assert.Throws<ArgumentNullException>(() => model.Predict((float[])null!));
    }

    [Fact]
    public void PredictClasses_ArgmaxForSoftmax_ThresholdForOneSigmoid()
    {
        var softmax = new MnistNet(seed: 6);
        float[][] x = Digits(20, seed: 2);
        float[,] p = softmax.Predict(x);
        int[] classes = softmax.PredictClasses(x);
        Assert.Equal(Categorical.ArgMax(p), classes);
        for (int i = 0; i < x.Length; i++) Assert.Equal(classes[i], softmax.PredictClass(x[i]));

        var sigmoid = new DigitNet(seed: 7);
        float[,] q = sigmoid.Predict(x);
        // Halfway between two outputs: the one-sample kernel may differ from the batched one in the
        // last bit, which must not decide a sample sitting exactly on the threshold.
        float[] sorted = Enumerable.Range(0, 20).Select(i => q[i, 0]).OrderBy(v => v).ToArray();
        float median = (sorted[9] + sorted[10]) / 2;
        Assert.True(sorted[10] - sorted[9] > 1e-6f);
        int[] atHalf = sigmoid.PredictClasses(x);
        int[] atMedian = sigmoid.PredictClasses(x, threshold: median);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(q[i, 0] > 0.5f ? 1 : 0, atHalf[i]);
            Assert.Equal(q[i, 0] > median ? 1 : 0, atMedian[i]);
            Assert.Equal(atMedian[i], sigmoid.PredictClass(x[i], threshold: median));
        }
        Assert.Equal(Enumerable.Range(0, 20).Count(i => q[i, 0] > median), atMedian.Sum());
        Assert.InRange(atMedian.Sum(), 1, 19);   // the threshold moved the decision for some samples
        Assert.NotEqual(atHalf, atMedian);
        Assert.Throws<ArgumentOutOfRangeException>(() => sigmoid.PredictClass(x[0], float.NaN));
    }

    [Fact]
    public void Categorical_OneHotAndArgMax_AsKeras()
    {
        float[,] oneHot = Categorical.OneHot(new[] { 2, 0, 1 }, 4);
        Assert.Equal(new float[,] { { 0, 0, 1, 0 }, { 1, 0, 0, 0 }, { 0, 1, 0, 0 } }, oneHot);
        Assert.Equal(3, Categorical.OneHot(new[] { 2, 0, 1 }).GetLength(1));   // inferred: max + 1
        Assert.Equal(new[] { 2, 0, 1 }, Categorical.ArgMax(oneHot));
        Assert.Equal(1, Categorical.ArgMax(new[] { 0.1f, 0.7f, 0.7f }));        // first of ties, as NumPy
        var e = Assert.Throws<ArgumentException>(() => Categorical.OneHot(new[] { 0, 4 }, 4));
        Assert.Contains("Label 1 is 4", e.Message);
        Assert.Throws<ArgumentException>(() => Categorical.OneHot(new[] { -1 }, 2));
        Assert.Throws<ArgumentException>(() => Categorical.ArgMax(ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void Summary_IsKerasTable_PrintedAndReturned()
    {
        var model = new DigitNet(seed: 1);
        var output = new StringWriter();
        model.ProgressOutput = output;
        string text = model.Summary();
        Assert.Equal(text, output.ToString());
        string[] lines = text.Split(Environment.NewLine);
        // The README's example, character for character.
        string expected = string.Join(Environment.NewLine,
            "Model: \"DigitNet\"",
            "___________________________________________________",
            " Layer (type)     Output Shape  Activation  Param #",
            "===================================================",
            " dense (Dense)    (None, 25)    sigmoid      19,625",
            " dense_1 (Dense)  (None, 15)    sigmoid         390",
            " dense_2 (Dense)  (None, 1)     sigmoid          16",
            "===================================================",
            "Total params: 20,031 (78.25 KB)",
            "Trainable params: 20,031 (78.25 KB)",
            "Non-trainable params: 0 (0.00 B)",
            "___________________________________________________",
            "");
        Assert.Equal(expected, text);
        Assert.Equal("Model: \"DigitNet\"", lines[0]);
        Assert.Matches(@"^ dense \(Dense\) +\(None, 25\) +sigmoid +19,625$", lines[4]);
        Assert.Matches(@"^ dense_1 \(Dense\) +\(None, 15\) +sigmoid +390$", lines[5]);
        Assert.Matches(@"^ dense_2 \(Dense\) +\(None, 1\) +sigmoid +16$", lines[6]);
        // 784·25+25 + 25·15+15 + 15+1 = 20,031 parameters; 80,124 bytes = 78.25 KB (Keras 3's figure).
        Assert.Contains("Total params: 20,031 (78.25 KB)", text);
        Assert.Contains("Trainable params: 20,031 (78.25 KB)", text);
        Assert.Contains("Non-trainable params: 0 (0.00 B)", text);
        // Every table line has the same length.
        Assert.Single(lines.Skip(1).Take(7).Select(l => l.Length).Distinct());

        output.GetStringBuilder().Clear();
        Assert.Equal(text, model.Summary(print: false));
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void Summary_ListsDropoutAsKerasLayers()
    {
        string text = new DropoutDeepNet(seed: 1).Summary(print: false);
        Assert.Contains(" dropout (Dropout) ", text);
        Assert.Contains(" dropout_1 (Dropout) ", text);
        Assert.Contains("rate 0.5", text);
        Assert.Contains($"Total params: {new DropoutDeepNet(seed: 1).NetworkShape.ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}", text);
    }

    [Fact]
    public void ToString_GivesClassAndTopology()
    {
        Assert.Equal("DigitNet 784-25(sigmoid)-15(sigmoid)-1(sigmoid)", new DigitNet(seed: 1).ToString());
        Assert.Equal("MnistNet 784-128(relu)-64(relu)-10(softmax)", new MnistNet(seed: 1).ToString());
    }
}
