using System;
using System.Globalization;
using System.IO;
using StaticNet;
using StaticNet.Data;
using StaticNet.Interop;
using Xunit;

namespace StaticNet.Tests.Reliability;

/// <summary>
/// Every public entry point rejects bad input with the documented exception type, a message that
/// names the argument, what was expected and what was given, and without changing the model.
/// Complements the checks already in Numerics/FitTests, Numerics/PredictTests,
/// Training/FitOptionsTests and the optimizer tests (those are not repeated here).
/// </summary>
public sealed class InputValidationTests
{
    private static string Text(float value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Asserts the parameter name and that the message holds every fragment (expected and actual values).</summary>
    private static void AssertNames(ArgumentException e, string parameter, params string[] fragments)
    {
        Assert.Equal(parameter, e.ParamName);
        foreach (string fragment in fragments)
            Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"'{fragment}' is not in the message: {e.Message}");
    }

    private static GuardClassifierNet Sparse()
    {
        var model = new GuardClassifierNet(seed: 1);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Sgd(), Metric.Accuracy);
        return model;
    }

    private static GuardClassifierNet OneHot()
    {
        var model = new GuardClassifierNet(seed: 1);
        model.Compile(Loss.CategoricalCrossentropy, new Sgd(), Metric.Accuracy);
        return model;
    }

    private static GuardRegressionNet Regression()
    {
        var model = new GuardRegressionNet(seed: 1);
        model.Compile(Loss.MeanSquaredError, new Adam());
        return model;
    }

    /// <summary>Asserts that the model's parameters and optimizer are as they were: nothing trained.</summary>
    private static void AssertUntouched(NeuralNetwork model, float[] before)
    {
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal(0, model.Optimizer?.Iterations ?? 0);
    }

    // ------------------------------------------------------------------ spans of the wrong length

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(3, 0)]
    [InlineData(3, 4)]
    [InlineData(4, 1)]
    public void PredictOneSample_WrongLengths_NameTheSpanExpectedAndActual(int inputs, int outputs)
    {
        var model = new GuardRegressionNet(seed: 1);
        var e = Assert.Throws<ArgumentException>(() => model.Predict(new float[inputs], new float[outputs]));
        if (inputs != 3) AssertNames(e, "input", "Expected 3 ", $"got {inputs}");
        else AssertNames(e, "output", "Expected 1 ", $"got {outputs}");
    }

    [Theory]
    [InlineData(0, 2, "outputs", "Expected 0 ", "got 2")]      // no samples, yet room for two outputs
    [InlineData(6, 1, "outputs", "Expected 2 ", "got 1")]      // two samples, one output row
    [InlineData(6, 3, "outputs", "Expected 2 ", "got 3")]      // two samples, three output rows
    [InlineData(7, 2, "inputs", "multiple of 3 values", "got 7")]       // not a whole number of samples
    [InlineData(2, 0, "inputs", "multiple of 3 values", "got 2")]       // less than one sample
    public void PredictBatch_WrongLengths_NameTheSpanExpectedAndActual(int inputs, int outputs, string parameter, string expected, string actual)
    {
        var model = new GuardRegressionNet(seed: 1);
        var e = Assert.Throws<ArgumentException>(() => model.PredictBatch(new float[inputs], new float[outputs]));
        AssertNames(e, parameter, expected, actual);
    }

    [Fact]
    public void PredictBatch_WithNoSamples_IsANoOp()
    {
        var model = new GuardRegressionNet(seed: 1);
        model.PredictBatch(ReadOnlySpan<float>.Empty, Span<float>.Empty);
        Assert.Empty(model.Predict(new float[0, 3]));
    }

    // ------------------------------------------------------------------ ragged and empty data

    [Fact]
    public void NoSamples_IsRejectedByEveryEntryPoint_NamingTheArgument()
    {
        GuardClassifierNet model = Sparse();
        float[] before = model.Parameters.ToArray();
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(new float[0, 3], Array.Empty<int>(), verbose: 0)), "x", "at least one sample", "got 0");
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, verbose: 0)), "x", "at least one sample", "got 0");
        AssertNames(Assert.Throws<ArgumentException>(() => model.Evaluate(new float[0, 3], Array.Empty<float>())), "x", "at least one sample", "got 0");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.ComputeGradients(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, 0, new float[model.NetworkShape.ParameterCount]));
        AssertNames(e, "count", "at least one sample");
        Assert.Equal(0, e.ActualValue);
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(new float[4, 3], new[] { 0, 1, 2, 0 }, verbose: 0,
            validationData: new ValidationData(new float[0, 3], Array.Empty<int>()))), "validationData.X", "at least one sample", "got 0");
        AssertUntouched(model, before);
    }

    [Fact]
    public void FlatSpans_NotAWholeNumberOfSamples_NameExpectedAndActualLengths()
    {
        GuardClassifierNet model = OneHot();
        float[] before = model.Parameters.ToArray();
        // 10 input values are 3 samples of 3 and one more.
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(new float[10], new float[9], verbose: 0)), "x", "multiple of 3 values", "such as 9 or 12", "got 10");
        // 4 samples need 12 one-hot values: 13 is one too many, 11 is three rows and a part.
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(new float[12], new float[13], verbose: 0)), "y", "Expected 12 ", "got 13");
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(new float[12], new float[11], verbose: 0)), "y", "Expected 4 targets", "got 3");
        AssertUntouched(model, before);
    }

    [Fact]
    public void TargetRowsDifferingFromSampleRows_AreRejected_ForEveryTargetForm()
    {
        GuardClassifierNet oneHot = OneHot();
        float[] before = oneHot.Parameters.ToArray();
        AssertNames(Assert.Throws<ArgumentException>(() => oneHot.Fit(new float[4, 3], new float[5, 3], verbose: 0)), "y", "Expected 4 targets", "got 5");
        AssertNames(Assert.Throws<ArgumentException>(() => oneHot.Evaluate(new float[4, 3], new float[3, 3])), "y", "Expected 4 targets", "got 3");
        AssertNames(Assert.Throws<ArgumentException>(() => oneHot.Fit(new float[4, 3], new float[4, 3], verbose: 0,
            validationData: new ValidationData(new float[2, 3], new float[3, 3]))), "validationData.Y", "Expected 2 targets", "got 3");
        AssertUntouched(oneHot, before);

        GuardClassifierNet sparse = Sparse();
        AssertNames(Assert.Throws<ArgumentException>(() => sparse.Fit(new float[4, 3], new[] { 0, 1, 2, 0 }, verbose: 0,
            validationData: new ValidationData(new float[2, 3], new[] { 0 }))), "validationData.Y", "Expected 2 targets", "got 1");
    }

    [Fact]
    public void ComputeGradients_WrongLengths_NameExpectedAndActual()
    {
        GuardClassifierNet model = Sparse();
        int p = model.NetworkShape.ParameterCount;
        // Two samples of 3 are 6 values; 5 is neither 6 nor a whole number of samples.
        AssertNames(Assert.Throws<ArgumentException>(() => model.ComputeGradients(new float[5], new float[2], 2, new float[p])), "x", "Expected 6 ", "got 5");
        AssertNames(Assert.Throws<ArgumentException>(() => model.ComputeGradients(new float[7], new float[2], 2, new float[p])), "x", "Expected 6 ", "got 7");
        AssertNames(Assert.Throws<ArgumentException>(() => model.ComputeGradients(new float[6], new float[3], 2, new float[p])), "y", "Expected 2 targets", "got 3");
        AssertNames(Assert.Throws<ArgumentException>(() => model.ComputeGradients(new float[6], new float[2], 2, new float[p - 1])), "gradients", $"Expected {p} ", $"got {p - 1}");
        // A count far beyond the data must not overflow into a bogus size.
        AssertNames(Assert.Throws<ArgumentException>(() => model.ComputeGradients(new float[6], new float[2], int.MaxValue, new float[p])), "x", "got 6");
    }

    // ------------------------------------------------------------------ labels

    [Theory]
    [InlineData(3f)]
    [InlineData(-1f)]
    [InlineData(2.5f)]
    [InlineData(1e30f)]
    public void SparseLabels_OutOfRangeOrNotIntegers_AreRejected_InValidationDataAndComputeGradients(float label)
    {
        GuardClassifierNet model = Sparse();
        float[] before = model.Parameters.ToArray();
        var labels = new[] { 0f, label };
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(new float[4, 3], new[] { 0, 1, 2, 0 }, verbose: 0,
            validationData: new ValidationData(new float[2, 3], labels))), "validationData.Y", "[0, 2]", "sample 1", Text(label));
        AssertNames(Assert.Throws<ArgumentException>(() => model.ComputeGradients(new float[6], labels, 2, new float[model.NetworkShape.ParameterCount])),
            "y", "[0, 2]", "sample 1", Text(label));
        AssertUntouched(model, before);
    }

    [Fact]
    public void IntegerLabels_BeyondTheOutputs_AreRejected()
    {
        GuardClassifierNet model = Sparse();
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(new float[2, 3], new[] { 0, 10 }, verbose: 0)), "y", "[0, 2]", "sample 1", "10");
        AssertNames(Assert.Throws<ArgumentException>(() => model.Evaluate(new float[2, 3], new[] { int.MinValue, 0 })), "y", "[0, 2]", "sample 0");
    }

    // ------------------------------------------------------------------ non-finite values

    public static TheoryData<float> NonFinite => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity };

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void NonFiniteInputs_AreRejected_ByFitEvaluateComputeGradientsAndValidationData(float bad)
    {
        GuardRegressionNet model = Regression();
        float[] before = model.Parameters.ToArray();
        var x = new float[4, 3];
        x[3, 2] = bad;
        var y = new float[4];
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0)), "x", Text(bad), "sample 3", "value 2", "finite");
        AssertNames(Assert.Throws<ArgumentException>(() => model.Evaluate(x, y)), "x", Text(bad), "sample 3", "finite");
        float[] flat = new float[12];
        flat[11] = bad;
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(flat, y, verbose: 0)), "x", Text(bad), "sample 3", "finite");
        AssertNames(Assert.Throws<ArgumentException>(() => model.ComputeGradients(flat, y, 4, new float[model.NetworkShape.ParameterCount])), "x", Text(bad), "sample 3", "finite");
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(new float[4, 3], y, verbose: 0, validationData: new ValidationData(x, y))),
            "validationData.X", Text(bad), "sample 3", "finite");
        AssertUntouched(model, before);
    }

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void NonFiniteTargets_AreRejected_ByFitEvaluateComputeGradientsAndValidationData(float bad)
    {
        GuardRegressionNet model = Regression();
        float[] before = model.Parameters.ToArray();
        var x = new float[4, 3];
        var y = new float[4];
        y[1] = bad;
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(x, y, verbose: 0)), "y", Text(bad), "sample 1", "finite");
        AssertNames(Assert.Throws<ArgumentException>(() => model.Evaluate(x, y)), "y", Text(bad), "sample 1", "finite");
        AssertNames(Assert.Throws<ArgumentException>(() => model.ComputeGradients(new float[12], y, 4, new float[model.NetworkShape.ParameterCount])), "y", Text(bad), "sample 1", "finite");
        AssertNames(Assert.Throws<ArgumentException>(() => model.Fit(x, new float[4], verbose: 0, validationData: new ValidationData(x, y))),
            "validationData.Y", Text(bad), "sample 1", "finite");

        GuardClassifierNet oneHot = OneHot();
        var rows = new float[2, 3];
        rows[1, 0] = bad;
        AssertNames(Assert.Throws<ArgumentException>(() => oneHot.Fit(new float[2, 3], rows, verbose: 0)), "y", Text(bad), "sample 1", "finite");
        GuardClassifierNet sparse = Sparse();
        // A NaN label is reported as not finite (before the range check, which NaN would slip through).
        AssertNames(Assert.Throws<ArgumentException>(() => sparse.Fit(new float[2, 3], new[] { 0f, bad }, verbose: 0)), "y", Text(bad), "sample 1");
        AssertUntouched(model, before);
    }

    // ------------------------------------------------------------------ options out of range

    [Theory]
    [InlineData("batchSize", -1)]
    [InlineData("batchSize", int.MinValue)]
    [InlineData("epochs", 0)]
    [InlineData("epochs", -1)]
    [InlineData("epochs", int.MinValue)]
    [InlineData("initialEpoch", -1)]
    public void FitOptionsBelowTheirMinimum_ThrowOutOfRange_NamingExpectedAndActual(string option, int value)
    {
        GuardClassifierNet model = Sparse();
        float[] before = model.Parameters.ToArray();
        var x = new float[4, 3];
        var y = new[] { 0, 1, 2, 0 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => option switch
        {
            "batchSize" => model.Fit(x, y, batchSize: value, verbose: 0),
            "epochs" => model.Fit(x, y, epochs: value, verbose: 0),
            _ => model.Fit(x, y, epochs: 2, initialEpoch: value, verbose: 0),
        });
        AssertNames(e, option, option == "initialEpoch" ? "at least 0" : "at least 1", value.ToString(CultureInfo.CurrentCulture));
        Assert.Equal(value, e.ActualValue);
        AssertUntouched(model, before);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void EvaluateBatchSizeBelowOne_ThrowsOutOfRange(int batchSize)
    {
        GuardClassifierNet model = Sparse();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Evaluate(new float[4, 3], new[] { 0, 1, 2, 0 }, batchSize));
        AssertNames(e, "batchSize", "at least 1");
        Assert.Equal(batchSize, e.ActualValue);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void ValidationSplitOutsideZeroOne_ThrowsOutOfRange_NamingTheIntervalAndTheValue(double split)
    {
        GuardClassifierNet model = Sparse();
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(new float[10, 3], new int[10], verbose: 0, validationSplit: split));
        AssertNames(e, "validationSplit", "[0, 1)", split.ToString(CultureInfo.CurrentCulture));
        Assert.Equal(split, e.ActualValue);
        AssertUntouched(model, before);
    }

    public static TheoryData<string, float> BadLearningRates()
    {
        var data = new TheoryData<string, float>();
        foreach (string optimizer in new[] { "Sgd", "Adam", "RmsProp", "AdaGrad" })
            foreach (float rate in new[] { float.NaN, 0f, -0f, -1e-3f, float.PositiveInfinity, float.NegativeInfinity })
                data.Add(optimizer, rate);
        return data;
    }

    private static Optimizer Create(string optimizer, float learningRate) => optimizer switch
    {
        "Sgd" => new Sgd(learningRate),
        "Adam" => new Adam(learningRate),
        "RmsProp" => new RmsProp(learningRate),
        _ => new AdaGrad(learningRate),
    };

    [Theory]
    [MemberData(nameof(BadLearningRates))]
    public void LearningRate_NonPositiveOrNonFinite_IsRejected_ByEveryOptimizer_InTheConstructorAndTheSetter(string optimizer, float rate)
    {
        // The constructor names its argument, learningRate; the setter names the property.
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Create(optimizer, rate));
        AssertNames(e, "learningRate", "positive finite", rate.ToString(CultureInfo.CurrentCulture));
        Assert.Equal(rate, e.ActualValue);

        // The setter (schedules, ReduceLROnPlateau) on a compiled model: rejected, the rate unchanged.
        Optimizer live = Create(optimizer, 0.01f);
        var model = new GuardRegressionNet(seed: 1);
        model.Compile(Loss.MeanSquaredError, live);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => live.LearningRate = rate);
        AssertNames(e, "LearningRate", "positive finite");
        Assert.Equal(0.01f, live.LearningRate);
    }

    // ------------------------------------------------------------------ before Compile

    [Fact]
    public void EveryTrainingEntryPoint_BeforeCompile_SaysToCallCompile()
    {
        var model = new GuardClassifierNet(seed: 1);
        float[] before = model.Parameters.ToArray();
        void Check(Action action, string operation)
        {
            var e = Assert.Throws<InvalidOperationException>(action);
            Assert.Contains("not compiled", e.Message);
            Assert.Contains("Compile(loss, optimizer)", e.Message);
            Assert.Contains(operation, e.Message);
        }
        Check(() => model.Fit(new float[4, 3], new[] { 0, 1, 2, 0 }, verbose: 0), "Fit");
        Check(() => model.Fit(new float[4, 3], new float[4, 3], verbose: 0), "Fit");
        Check(() => model.Fit(new float[12], new float[4], verbose: 0), "Fit");
        Check(() => model.Evaluate(new float[4, 3], new[] { 0, 1, 2, 0 }), "Evaluate");
        Check(() => model.ComputeGradients(new float[3], new float[1], 1, new float[model.NetworkShape.ParameterCount]), "ComputeGradients");
        Check(() => model.SaveCheckpoint(new MemoryStream()), "SaveCheckpoint");
        Check(() => model.LoadCheckpoint(new MemoryStream()), "LoadCheckpoint");
        Check(() => model.SaveCheckpoint(Path.Combine(Path.GetTempPath(), "never-written.ckpt")), "SaveCheckpoint");
        Assert.Equal(before, model.Parameters.ToArray());
        // Prediction and weights files need no compiled loss.
        model.Predict(new float[3], new float[3]);
        model.SaveWeights(new MemoryStream());
    }

    // ------------------------------------------------------------------ null arguments

    [Fact]
    public void NullArguments_ThrowArgumentNull_NamingTheArgument()
    {
        GuardClassifierNet model = Sparse();
        var x = new float[4, 3];
        var labels = new[] { 0, 1, 2, 0 };
        void Null(string parameter, Action action) => Assert.Equal(parameter, Assert.Throws<ArgumentNullException>(action).ParamName);

        Null("x", () => model.Fit((float[,])null!, labels, verbose: 0));
        Null("x", () => model.Fit((float[,])null!, new float[4], verbose: 0));
        Null("x", () => model.Fit((float[,])null!, new float[4, 3], verbose: 0));
        Null("y", () => model.Fit(x, (int[])null!, verbose: 0));
        Null("y", () => model.Fit(x, (float[])null!, verbose: 0));
        Null("y", () => model.Fit(x, (float[,])null!, verbose: 0));
        Null("x", () => model.Evaluate((float[,])null!, labels));
        Null("x", () => model.Evaluate((float[,])null!, new float[4]));
        Null("x", () => model.Evaluate((float[,])null!, new float[4, 3]));
        Null("y", () => model.Evaluate(x, (int[])null!));
        Null("y", () => model.Evaluate(x, (float[])null!));
        Null("y", () => model.Evaluate(x, (float[,])null!));
        Null("x", () => model.Predict((float[,])null!));
        Null("x", () => new ValidationData(null!, labels));
        Null("y", () => new ValidationData(x, (int[])null!));
        Null("y", () => new ValidationData(x, (float[])null!));
        Null("y", () => new ValidationData(x, (float[,])null!));

        Null("loss", () => model.Compile(null!, new Sgd()));
        Null("optimizer", () => model.Compile(Loss.SparseCategoricalCrossentropy, null!));
        Null("metrics", () => model.Compile(Loss.SparseCategoricalCrossentropy, new Sgd(), null!));
        Null("metrics", () => model.Compile(Loss.SparseCategoricalCrossentropy, new Sgd(), Metric.Accuracy, null!));
        // A failed Compile keeps the earlier compilation.
        Assert.IsType<Sgd>(model.Optimizer);

        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, labels, verbose: 0, callbacks: [new TerminateOnNaN(), null!]));
        AssertNames(e, "callbacks", "callbacks[1]", "null");
        Assert.Equal(0, model.Optimizer!.Iterations);

        Null("path", () => model.SaveWeights((string)null!));
        Null("stream", () => model.SaveWeights((Stream)null!));
        Null("path", () => model.LoadWeights((string)null!));
        Null("stream", () => model.LoadWeights((Stream)null!));
        Null("path", () => model.SaveCheckpoint((string)null!));
        Null("stream", () => model.SaveCheckpoint((Stream)null!));
        Null("path", () => model.LoadCheckpoint((string)null!));
        Null("stream", () => model.LoadCheckpoint((Stream)null!));
        Null("path", () => Idx.ReadImages((string)null!));
        Null("stream", () => Idx.ReadImages((Stream)null!));
        Null("path", () => Idx.ReadLabels((string)null!));
        Null("stream", () => Idx.ReadLabels((Stream)null!));
        Null("model", () => Safetensors.Load(null!, new MemoryStream()));
        Null("stream", () => Safetensors.Load(model, (Stream)null!));
        Null("model", () => Safetensors.Save(null!, new MemoryStream()));
        Null("filePath", () => new ModelCheckpoint(null!));
    }

    [Fact]
    public void EmptyPaths_ThrowArgumentException_NamingThePath()
    {
        GuardClassifierNet model = Sparse();
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => model.SaveWeights("")).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => model.LoadWeights("")).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => model.SaveCheckpoint("")).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => Idx.ReadImages("")).ParamName);
    }
}
