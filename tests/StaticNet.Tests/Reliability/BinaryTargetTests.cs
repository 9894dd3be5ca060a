using System;
using System.Globalization;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Reliability;

/// <summary>Two independent sigmoid outputs (multi-label binary cross-entropy).</summary>
[Network(3, 4, 2, Hidden = Activation.Tanh, Output = Activation.Sigmoid)]
public partial class GuardMultiLabelNet;

/// <summary>
/// Issue 9, §2: binary cross-entropy and binary accuracy read targets as 0/1 (or probabilities).
/// Targets outside [0, 1] used to train silently into a useless model (the course's 0-vs-1 network
/// fed all ten digit labels: the loss went negative, accuracy stayed at 0.1). They are rejected
/// before training, as out-of-range class labels are, naming the argument, the first bad sample
/// and the likely mistake.
/// </summary>
public sealed class BinaryTargetTests
{
    private static GuardBinaryNet Binary(params Metric[] metrics)
    {
        var model = new GuardBinaryNet(seed: 3);
        model.Compile(Loss.BinaryCrossentropy, new Adam(), metrics);
        return model;
    }

    private static void AssertMessage(ArgumentException e, string parameter, params string[] fragments)
    {
        Assert.Equal(parameter, e.ParamName);
        foreach (string fragment in fragments)
            Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"'{fragment}' is not in the message: {e.Message}");
    }

    [Fact]
    public void DigitLabelsForAOneOutputSigmoidNetwork_AreRejected_SayingToFilterOrUseSoftmax()
    {
        GuardBinaryNet model = Binary(Metric.Accuracy);
        float[] before = model.Parameters.ToArray();
        var x = ReliabilityData.Matrix(1, 6, 2);
        int[] digits = { 0, 1, 7, 3, 9, 1 };   // the ten-digit labels, not filtered to 0 and 1
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, digits, epochs: 3, verbose: 0));
        AssertMessage(e, "y", "[0, 1]", "binary_crossentropy", "sample 2 has 7", "class label 7", "filter", "10 softmax outputs", "SparseCategoricalCrossentropy");
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal(0, model.Optimizer!.Iterations);

        AssertMessage(Assert.Throws<ArgumentException>(() => model.Evaluate(x, digits)), "y", "sample 2 has 7");
        AssertMessage(Assert.Throws<ArgumentException>(() => model.ComputeGradients(new float[12], new float[] { 0, 1, 1, 0, 2, 1 }, 6, new float[model.NetworkShape.ParameterCount])),
            "y", "sample 4 has 2");
        AssertMessage(Assert.Throws<ArgumentException>(() => model.Fit(x, new[] { 0, 1, 0, 1, 0, 1 }, verbose: 0,
            validationData: new ValidationData(ReliabilityData.Matrix(2, 3, 2), new[] { 1, 0, 5 }))), "validationData.Y", "sample 2 has 5");
        // Flat spans and a validation split go through the same check.
        AssertMessage(Assert.Throws<ArgumentException>(() => model.Fit(new float[12], new float[] { 0, 1, 0, 1, 0, 3 }, verbose: 0, validationSplit: 0.5)),
            "y", "sample 5 has 3");
        Assert.Equal(before, model.Parameters.ToArray());
    }

    [Theory]
    [InlineData(-1f, "Labels -1 and 1")]
    [InlineData(1.5f, "probabilities")]
    [InlineData(-0.25f, "probabilities")]
    [InlineData(1.0000001f, "probabilities")]
    public void TargetsOutsideZeroOne_AreRejected_ByBinaryCrossentropy(float bad, string hint)
    {
        GuardBinaryNet model = Binary();
        var y = new float[] { 0, 1, bad, 0 };
        var e = Assert.Throws<ArgumentException>(() => model.Fit(ReliabilityData.Matrix(1, 4, 2), y, verbose: 0));
        AssertMessage(e, "y", "sample 2 has " + bad.ToString(CultureInfo.InvariantCulture), hint);
    }

    [Fact]
    public void MultiLabelRows_WithAValueAboveOne_AreRejected_NamingTheSample()
    {
        var model = new GuardMultiLabelNet(seed: 1);
        model.Compile(Loss.BinaryCrossentropy, new Adam(), Metric.BinaryAccuracy);
        var y = new float[3, 2] { { 0, 1 }, { 1, 1 }, { 0, 2 } };
        var e = Assert.Throws<ArgumentException>(() => model.Fit(ReliabilityData.Matrix(1, 3, 3), y, verbose: 0));
        AssertMessage(e, "y", "sample 2 has 2", "multi-hot");
    }

    [Fact]
    public void BinaryAccuracy_WithRegressionTargets_IsRejected_NamingTheMetric_ButPlainRegressionIsNot()
    {
        var x = ReliabilityData.Matrix(1, 4, 3);
        var y = new float[] { 0.5f, 3.5f, -2f, 1f };
        var withAccuracy = new GuardRegressionNet(seed: 1);
        withAccuracy.Compile(Loss.MeanSquaredError, new Adam(), Metric.Accuracy);   // one output: binary accuracy
        var e = Assert.Throws<ArgumentException>(() => withAccuracy.Fit(x, y, verbose: 0));
        AssertMessage(e, "y", "'accuracy'", "binary accuracy", "sample 1 has 3.5", "MeanAbsoluteError");

        var plain = new GuardRegressionNet(seed: 1);
        plain.Compile(Loss.MeanSquaredError, new Adam(), Metric.MeanAbsoluteError);
        History h = plain.Fit(x, y, epochs: 2, verbose: 0);
        Assert.Equal(2, h["loss"].Count);
    }

    [Fact]
    public void TargetsInZeroOne_SoftOnesIncluded_AreAccepted()
    {
        GuardBinaryNet model = Binary(Metric.Accuracy);
        History h = model.Fit(ReliabilityData.Matrix(1, 4, 2), new float[] { 0, 1, 0.25f, 1 }, epochs: 2, verbose: 0);
        Assert.True(h["loss"][1] > 0);
        Assert.True(model.Evaluate(ReliabilityData.Matrix(1, 4, 2), new[] { 0, 1, 1, 0 }).Loss > 0);
    }
}
