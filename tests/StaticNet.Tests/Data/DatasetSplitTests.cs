using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Data;
using Xunit;

namespace StaticNet.Tests.Data;

public sealed class DatasetSplitTests
{
    /// <summary>Row i holds (i, 10 i), label i % 3: every row can be traced after the split.</summary>
    private static (float[,] X, int[] Y) Rows(int n)
    {
        var x = new float[n, 2];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            x[i, 0] = i;
            x[i, 1] = 10 * i;
            y[i] = i % 3;
        }
        return (x, y);
    }

    [Theory]
    [InlineData(10, 0.2, 2)]
    [InlineData(10, 0.25, 3)]   // ceil(2.5), as scikit-learn
    [InlineData(10, 0.3, 3)]    // 0.3 * 10 is 3.0000000000000004 in double: still 3
    [InlineData(150, 0.2, 30)]
    [InlineData(7, 0.5, 4)]
    public void TestSetGetsTheRoundedUpShare_AndEveryRowExactlyOnce(int n, double fraction, int expectedTest)
    {
        var (x, y) = Rows(n);

        var (xTrain, xTest, yTrain, yTest) = Dataset.TrainTestSplit(x, y, fraction, seed: 7);

        Assert.Equal(expectedTest, xTest.GetLength(0));
        Assert.Equal(n - expectedTest, xTrain.GetLength(0));
        var seen = new List<int>();
        foreach (var (xs, ys) in new[] { (xTrain, yTrain), (xTest, yTest) })
        {
            for (int i = 0; i < xs.GetLength(0); i++)
            {
                int original = (int)xs[i, 0];
                Assert.Equal(10f * original, xs[i, 1]);     // the row stayed whole
                Assert.Equal(original % 3, ys[i]);          // and kept its label
                seen.Add(original);
            }
        }
        Assert.Equal(Enumerable.Range(0, n), seen.Order());
    }

    [Fact]
    public void SameSeedSameSplit_OtherSeedOtherSplit_AndShuffled()
    {
        var (x, y) = Rows(100);

        var a = Dataset.TrainTestSplit(x, y, 0.2, seed: 1);
        var b = Dataset.TrainTestSplit(x, y, 0.2, seed: 1);
        var c = Dataset.TrainTestSplit(x, y, 0.2, seed: 2);

        Assert.Equal(a.YTest, b.YTest);
        Assert.Equal(a.XTest, b.XTest);
        Assert.NotEqual(FirstColumn(a.XTest), FirstColumn(c.XTest));
        // Not simply the last 20 rows (that is validationSplit's job): shuffled.
        Assert.NotEqual(Enumerable.Range(80, 20).Select(i => (float)i), FirstColumn(a.XTest).Order());
    }

    [Fact]
    public void Stratify_KeepsEachClassShare_InBothSets()
    {
        // 60 of class 0, 30 of class 1, 10 of class 2.
        int n = 100;
        var x = new float[n, 1];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            x[i, 0] = i;
            y[i] = i < 60 ? 0 : i < 90 ? 1 : 2;
        }

        var (_, xTest, yTrain, yTest) = Dataset.TrainTestSplit(x, y, 0.2, seed: 3, stratify: true);

        Assert.Equal(20, yTest.Length);
        Assert.Equal(12, yTest.Count(l => l == 0));
        Assert.Equal(6, yTest.Count(l => l == 1));
        Assert.Equal(2, yTest.Count(l => l == 2));
        Assert.Equal(48, yTrain.Count(l => l == 0));
        Assert.Equal(0, Enumerable.Range(0, 20).Count(i => (x[(int)xTest[i, 0], 0] < 60) != (yTest[i] == 0)));
    }

    [Fact]
    public void Stratify_GivesRemainderRowsToTheLargestRemainders()
    {
        // Classes of 5, 5 and 2 rows, test fraction 0.25: exact shares 1.25, 1.25, 0.5; total ceil(3) = 3.
        // Floors give 1 + 1 + 0 = 2; the missing row goes to class 2 (remainder 0.5).
        int[] y = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2];
        var x = new float[y.Length, 1];

        var (_, _, _, yTest) = Dataset.TrainTestSplit(x, y, 0.25, seed: 0, stratify: true);

        Assert.Equal([0, 1, 2], yTest.Order());
    }

    [Fact]
    public void RegressionAndOneHotTargets_FollowTheirRows()
    {
        var (x, _) = Rows(20);
        float[] t = Enumerable.Range(0, 20).Select(i => i * 0.5f).ToArray();
        var oneHot = new float[20, 2];
        for (int i = 0; i < 20; i++) oneHot[i, i % 2] = 1;

        var (_, xTest, _, tTest) = Dataset.TrainTestSplit(x, t, 0.3, seed: 5);
        var (_, xTest2, _, hTest) = Dataset.TrainTestSplit(x, oneHot, 0.3, seed: 5);

        for (int i = 0; i < tTest.Length; i++) Assert.Equal(xTest[i, 0] * 0.5f, tTest[i]);
        for (int i = 0; i < hTest.GetLength(0); i++) Assert.Equal(1f, hTest[i, (int)xTest2[i, 0] % 2]);
        Assert.Equal(xTest, xTest2); // the same seed gives the same rows whatever y is
    }

    [Fact]
    public void BadArguments_AreNamed()
    {
        var (x, y) = Rows(10);

        var rows = Assert.Throws<ArgumentException>(() => Dataset.TrainTestSplit(x, new int[9], 0.2, seed: 0));
        Assert.Contains("x has 10 rows but y has 9", rows.Message);
        var fraction = Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.TrainTestSplit(x, y, 1.0, seed: 0));
        Assert.Equal("testFraction", fraction.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.TrainTestSplit(x, y, double.NaN, seed: 0));
        var empty = Assert.Throws<ArgumentException>(() => Dataset.TrainTestSplit(x, y, 0.95, seed: 0));
        Assert.Contains("gives 10 test and 0 training rows", empty.Message);
        Assert.Throws<ArgumentNullException>(() => Dataset.TrainTestSplit(null!, y, 0.2, seed: 0));
    }

    private static float[] FirstColumn(float[,] x) => Enumerable.Range(0, x.GetLength(0)).Select(i => x[i, 0]).ToArray();
}
