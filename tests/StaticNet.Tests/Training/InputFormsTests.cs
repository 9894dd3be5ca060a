using System;
using System.IO;
using System.Linq;
using StaticNet;
using Xunit;

namespace StaticNet.Tests.Training;

/// <summary>
/// Fit, Evaluate, Predict and PredictClasses take x as float[,], float[][], double[,] or double[][]
/// and y in each target form, through one internal path: every form trains, evaluates and predicts
/// exactly (bit for bit) as the float[,] form of the same numbers, and is validated the same way.
/// </summary>
public class InputFormsTests
{
    private static readonly float[,] X = Quantized(FitTestData.Inputs(24, 4, seed: 11));
    private static readonly int[] Labels = FitTestData.Labels(X);

    /// <summary>Values exactly representable in float, so that the double forms hold the same numbers.</summary>
    private static float[,] Quantized(float[,] x)
    {
        var q = new float[x.GetLength(0), x.GetLength(1)];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++) q[i, j] = MathF.Round(x[i, j] * 1024) / 1024;
        return q;
    }

    private static float[][] Jagged(float[,] x) =>
        Enumerable.Range(0, x.GetLength(0)).Select(i => Enumerable.Range(0, x.GetLength(1)).Select(j => x[i, j]).ToArray()).ToArray();

    private static double[,] Doubles(float[,] x)
    {
        var d = new double[x.GetLength(0), x.GetLength(1)];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++) d[i, j] = x[i, j];
        return d;
    }

    private static double[][] JaggedDoubles(float[,] x) => Jagged(x).Select(r => r.Select(v => (double)v).ToArray()).ToArray();

    private static FitClassifierNet Model(Loss loss)
    {
        var model = new FitClassifierNet(seed: 21);
        model.Compile(loss, new Adam(0.01f), Metric.Accuracy);
        model.ProgressOutput = TextWriter.Null;
        return model;
    }

    public static TheoryData<string> Forms() => new() { "float[][]", "double[,]", "double[][]" };

    private static InputData Form(string form, float[,] x) => form switch
    {
        "float[][]" => Jagged(x),
        "double[,]" => Doubles(x),
        "double[][]" => JaggedDoubles(x),
        _ => x,
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void EveryInputForm_TrainsEvaluatesAndPredictsAsFloatMatrix(string form)
    {
        float[,] xVal = FitTestData.Rows(X, 18, 6);
        int[] yVal = FitTestData.Rows(Labels, 18, 6);

        var reference = Model(Loss.SparseCategoricalCrossentropy);
        History expected = reference.Fit(X, Labels, epochs: 3, batchSize: 5, validationData: (xVal, yVal));
        var model = Model(Loss.SparseCategoricalCrossentropy);
        History actual = model.Fit(Form(form, X), Labels, epochs: 3, batchSize: 5, validationData: new ValidationData(Form(form, xVal), yVal));

        Assert.Equal(reference.Parameters.ToArray(), model.Parameters.ToArray());
        Assert.Equal(expected["val_loss"], actual["val_loss"]);
        Assert.Equal(reference.Evaluate(X, Labels).Loss, model.Evaluate(Form(form, X), Labels).Loss);
        Assert.Equal(reference.Predict(X), model.Predict(Form(form, X)));
        Assert.Equal(reference.PredictClasses(X), model.PredictClasses(Form(form, X)));
    }

    [Fact]
    public void EveryTargetForm_TrainsAsTheFloatForm()
    {
        float[] yFloat = Labels.Select(l => (float)l).ToArray();
        double[] yDouble = Labels.Select(l => (double)l).ToArray();
        float[,] oneHot = Categorical.OneHot(Labels, 3);
        float[][] oneHotJagged = Jagged(oneHot);
        double[,] oneHotDoubles = Doubles(oneHot);
        double[][] oneHotJaggedDoubles = JaggedDoubles(oneHot);

        float[] Train(Loss loss, Func<FitClassifierNet, History> fit)
        {
            var model = Model(loss);
            fit(model);
            return model.Parameters.ToArray();
        }
        float[] sparse = Train(Loss.SparseCategoricalCrossentropy, m => m.Fit(X, yFloat, epochs: 2, batchSize: 6));
        Assert.Equal(sparse, Train(Loss.SparseCategoricalCrossentropy, m => m.Fit(X, Labels, epochs: 2, batchSize: 6)));
        Assert.Equal(sparse, Train(Loss.SparseCategoricalCrossentropy, m => m.Fit(X, yDouble, epochs: 2, batchSize: 6)));

        float[] categorical = Train(Loss.CategoricalCrossentropy, m => m.Fit(X, oneHot, epochs: 2, batchSize: 6));
        Assert.Equal(categorical, Train(Loss.CategoricalCrossentropy, m => m.Fit(X, oneHotJagged, epochs: 2, batchSize: 6)));
        Assert.Equal(categorical, Train(Loss.CategoricalCrossentropy, m => m.Fit(X, oneHotDoubles, epochs: 2, batchSize: 6)));
        Assert.Equal(categorical, Train(Loss.CategoricalCrossentropy, m => m.Fit(JaggedDoubles(X), oneHotJaggedDoubles, epochs: 2, batchSize: 6)));
    }

    [Fact]
    public void ValidationTuples_ConvertForEveryInputForm()
    {
        var model = Model(Loss.SparseCategoricalCrossentropy);
        float[,] xv = FitTestData.Rows(X, 0, 4);
        int[] yv = FitTestData.Rows(Labels, 0, 4);
        float[] yf = yv.Select(v => (float)v).ToArray();
        float[,] yRows = Categorical.OneHot(yv, 3);
        double expected = model.Evaluate(xv, yv).Loss;
        // A twin with the same seed and a learning rate of 1e-30 validates with these same weights.
        foreach (ValidationData data in new ValidationData[]
        {
            (xv, yv), (xv, yf), (Jagged(xv), yv), (Jagged(xv), yf), (Doubles(xv), yv), (Doubles(xv), yf), (JaggedDoubles(xv), yv), (JaggedDoubles(xv), yf),
        })
        {
            Assert.Equal(4, data.Count);
            var twin = Model(Loss.SparseCategoricalCrossentropy);
            twin.Compile(Loss.SparseCategoricalCrossentropy, new Sgd(learningRate: 1e-30f));
            History h = twin.Fit(X, Labels, epochs: 1, validationData: data);
            Assert.Equal(expected, h["val_loss"][0], 12);
        }
        var rows = Model(Loss.CategoricalCrossentropy);
        rows.Compile(Loss.CategoricalCrossentropy, new Sgd(learningRate: 1e-30f));
        double rowsExpected = rows.Evaluate(xv, yRows).Loss;
        foreach (ValidationData data in new ValidationData[] { (xv, yRows), (Jagged(xv), yRows), (Doubles(xv), yRows), (JaggedDoubles(xv), yRows) })
            Assert.Equal(rowsExpected, rows.Fit(X, Categorical.OneHot(Labels, 3), epochs: 1, validationData: data)["val_loss"][0], 12);
    }

    [Fact]
    public void RaggedRows_NameTheRowAndItsLength()
    {
        var model = Model(Loss.SparseCategoricalCrossentropy);
        float[][] x = Jagged(X);
        x[5] = new float[3];
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, Labels));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("Row 5 of 'x' has 3 values; expected 4", e.Message);
        double[][] xd = JaggedDoubles(X);
        xd[7] = new double[5];
        e = Assert.Throws<ArgumentException>(() => model.Evaluate(xd, Labels));
        Assert.Contains("Row 7 of 'x' has 5 values", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Predict(xd));
        Assert.Contains("Row 7", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.PredictClasses(xd));
        Assert.Contains("Row 7", e.Message);
        xd[7] = null!;
        e = Assert.Throws<ArgumentException>(() => model.Predict(xd));
        Assert.Contains("Row 7 of 'x' is null", e.Message);

        float[][] oneHot = Jagged(Categorical.OneHot(Labels, 3));
        oneHot[2] = new float[2];
        var categorical = Model(Loss.CategoricalCrossentropy);
        e = Assert.Throws<ArgumentException>(() => categorical.Fit(X, oneHot));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("Row 2 of 'y' has 2 values; row 0 has 3", e.Message);

        e = Assert.Throws<ArgumentException>(() => model.Fit(X, Labels, validationData: new ValidationData(x, Labels)));
        Assert.Contains("Row 5 of 'validationData.X'", e.Message);
    }

    [Fact]
    public void Doubles_AreCheckedForRangeAndFiniteness()
    {
        var model = Model(Loss.SparseCategoricalCrossentropy);
        double[,] x = Doubles(X);
        x[3, 2] = 1e300;
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, Labels));
        Assert.Contains("'x[3][2]' is 1E+300, beyond the range of float", e.Message);
        x[3, 2] = double.NaN;
        e = Assert.Throws<ArgumentException>(() => model.Evaluate(x, Labels));
        Assert.Contains("NaN at sample 3, value 2", e.Message);
        double[][] xj = JaggedDoubles(X);
        xj[4][1] = double.PositiveInfinity;
        e = Assert.Throws<ArgumentException>(() => model.Fit(xj, Labels));
        Assert.Contains("at sample 4, value 1", e.Message);
        var regression = FitTestData.FrozenRegression();
        e = Assert.Throws<ArgumentException>(() => regression.Fit(new double[2, 3], new[] { 1.0, -1e200 }));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("'y[1]'", e.Message);
    }

    [Fact]
    public void WrongWidthOfARectangularDoubleMatrix_IsReportedAsForFloat()
    {
        var model = Model(Loss.SparseCategoricalCrossentropy);
        var e1 = Assert.Throws<ArgumentException>(() => model.Fit(new float[3, 5], new[] { 0, 1, 2 }));
        var e2 = Assert.Throws<ArgumentException>(() => model.Fit(new double[3, 5], new[] { 0, 1, 2 }));
        Assert.Equal(e1.Message, e2.Message);
    }
}
