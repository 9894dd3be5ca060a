using System;
using Xunit;

namespace StaticNet.Tests.Metrics;

public class ConfusionMatrixTests
{
    // Hand-counted: true 0 0 0 1 1 2 2 2 2, predicted 0 0 1 1 1 2 2 0 2
    //   rows (true) x columns (predicted): [2 1 0; 0 2 0; 1 0 3]
    private static readonly int[] Actual = [0, 0, 0, 1, 1, 2, 2, 2, 2];
    private static readonly int[] Predicted = [0, 0, 1, 1, 1, 2, 2, 0, 2];

    [Fact]
    public void Counts_RowsAreTrueClasses_ColumnsPredicted()
    {
        var cm = new ConfusionMatrix(Actual, Predicted);
        Assert.Equal(3, cm.Classes);
        Assert.Equal(new int[,] { { 2, 1, 0 }, { 0, 2, 0 }, { 1, 0, 3 } }, cm.ToArray());
        Assert.Equal(1, cm[2, 0]);
        Assert.Equal(0, cm[0, 2]);
        Assert.Equal(9, cm.Total);
        Assert.Equal(7, cm.Correct);
        Assert.Equal(7 / 9.0, cm.Accuracy, 12);
        Assert.Equal([3, 2, 4], new[] { cm.Support(0), cm.Support(1), cm.Support(2) });
        Assert.Equal([3, 3, 3], new[] { cm.PredictedCount(0), cm.PredictedCount(1), cm.PredictedCount(2) });
    }

    [Fact]
    public void PrecisionRecallF1_MatchHandComputedValues()
    {
        var cm = new ConfusionMatrix(Actual, Predicted);
        Assert.Equal(2 / 3.0, cm.Precision(0), 12);
        Assert.Equal(2 / 3.0, cm.Recall(0), 12);
        Assert.Equal(2 / 3.0, cm.Precision(1), 12);
        Assert.Equal(1.0, cm.Recall(1), 12);
        Assert.Equal(0.8, cm.F1(1), 12);             // 2 * (2/3) * 1 / (2/3 + 1)
        Assert.Equal(1.0, cm.Precision(2), 12);
        Assert.Equal(0.75, cm.Recall(2), 12);
        Assert.Equal(6 / 7.0, cm.F1(2), 12);         // 2 * 1 * 0.75 / 1.75
    }

    [Fact]
    public void AClassNeverPredictedOrAbsent_HasZeroPrecisionOrRecall_AsScikitLearnsDefault()
    {
        var cm = new ConfusionMatrix([0, 0, 1], [0, 0, 0], classes: 3);
        Assert.Equal(0, cm.Precision(1));
        Assert.Equal(0, cm.Recall(1));
        Assert.Equal(0, cm.Recall(2));
        Assert.Equal(0, cm.F1(2));
        Assert.Equal(2 / 3.0, cm.Precision(0), 12);
    }

    [Fact]
    public void FromProbabilities_TakesTheFirstArgmax_OrTheHalfThresholdForOneColumn()
    {
        var softmax = new float[,] { { 0.1f, 0.8f, 0.1f }, { 0.4f, 0.4f, 0.2f }, { 0.2f, 0.3f, 0.5f } };
        var cm = ConfusionMatrix.FromProbabilities([1, 1, 2], softmax);
        Assert.Equal(new int[,] { { 0, 0, 0 }, { 1, 1, 0 }, { 0, 0, 1 } }, cm.ToArray());

        var sigmoid = new float[,] { { 0.5f }, { 0.51f }, { 0.2f }, { 0.9f } };
        var binary = ConfusionMatrix.FromProbabilities([1, 1, 0, 0], sigmoid, ["neg", "pos"]);
        Assert.Equal(2, binary.Classes);
        Assert.Equal(new int[,] { { 1, 1 }, { 1, 1 } }, binary.ToArray());
        Assert.Equal(new[] { "neg", "pos" }, binary.ClassNames);
    }

    [Fact]
    public void ToString_IsATableWithNamesCountsPrecisionRecallAndAccuracy()
    {
        string table = new ConfusionMatrix(Actual, Predicted, classNames: ["cat", "dog", "bird"]).ToString();
        string[] lines = table.Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Contains("precision", lines[0]);
        Assert.StartsWith("cat", lines[1]);
        Assert.Matches(@"^dog\s+0\s+2\s+0 \|\s+0\.6667\s+1\.0000\s+2$", lines[2]);
        Assert.Matches(@"^bird\s+1\s+0\s+3 \|\s+1\.0000\s+0\.7500\s+4$", lines[3]);
        Assert.Equal("accuracy 0.7778 (7 of 9)", lines[4]);
    }

    [Fact]
    public void BadInput_ThrowsNamingTheProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => new ConfusionMatrix([0, 1], [0]));
        Assert.Contains("2", e.Message);
        Assert.Contains("1", e.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix([0, 3], [0, 1], classes: 3));
        Assert.Contains("actual[1] = 3", range.Message);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix([0, 1], [0, -1]));
        Assert.Contains("predicted[1] = -1", range.Message);
        Assert.Throws<ArgumentException>(() => new ConfusionMatrix([], []));
        Assert.Throws<ArgumentException>(() => new ConfusionMatrix([0, 1], [0, 1], classNames: ["a"]));
        Assert.Throws<ArgumentException>(() => ConfusionMatrix.FromProbabilities([0, 1], new float[3, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix([0, 1], [0, 1])[2, 0]);
    }
}
