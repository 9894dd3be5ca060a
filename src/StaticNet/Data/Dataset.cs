using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticNet.Data;

/// <summary>
/// Splits samples into a training and a test set, as scikit-learn's <c>train_test_split</c>:
/// shuffled, the same split for the same seed, ⌈testFraction · n⌉ rows in the test set.
/// </summary>
/// <remarks>
/// The results come in scikit-learn's order (<c>X_train, X_test, y_train, y_test</c>) and with names,
/// so <c>var (xTrain, xTest, yTrain, yTest) = Dataset.TrainTestSplit(x, y, 0.2, seed: 42);</c> reads
/// as it does in Python. The shuffle uses StaticNet's own generator, so a seed gives the same split
/// on every machine and .NET version (not the split scikit-learn gives for that seed).
/// </remarks>
public static class Dataset
{
    /// <summary>Splits samples with class labels (or any integer targets).</summary>
    /// <param name="x">Samples, one per row.</param>
    /// <param name="y">One label per row of <paramref name="x"/>.</param>
    /// <param name="testFraction">The share of rows in the test set, in (0, 1); the test set gets
    /// ⌈testFraction · rows⌉ of them, as scikit-learn's <c>test_size</c>.</param>
    /// <param name="seed">Seeds the shuffle: the same seed gives the same split.</param>
    /// <param name="stratify">Keep each class's share of the rows in both sets (scikit-learn's
    /// <c>stratify=y</c>): each class gives ⌊testFraction · its rows⌋ test rows, and the rows left
    /// to reach the total go to the classes with the largest remainders (ties to the smaller label).</param>
    /// <returns>New arrays; the inputs are not modified. Rows keep their label.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The row counts differ, or the split would leave a set empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is not in (0, 1).</exception>
    public static (float[,] XTrain, float[,] XTest, int[] YTrain, int[] YTest) TrainTestSplit(
        float[,] x, int[] y, double testFraction, int seed, bool stratify = false)
    {
        ArgumentNullException.ThrowIfNull(y);
        int rows = CheckRows(x, y.Length, testFraction);
        var (train, test) = stratify ? StratifiedIndices(y, testFraction, seed) : Indices(rows, testFraction, seed);
        return (TakeRows(x, train), TakeRows(x, test), Take(y, train), Take(y, test));
    }

    /// <summary>Splits samples with one numeric target each (regression).</summary>
    /// <inheritdoc cref="TrainTestSplit(float[,], int[], double, int, bool)"/>
    public static (float[,] XTrain, float[,] XTest, float[] YTrain, float[] YTest) TrainTestSplit(
        float[,] x, float[] y, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(y);
        int rows = CheckRows(x, y.Length, testFraction);
        var (train, test) = Indices(rows, testFraction, seed);
        return (TakeRows(x, train), TakeRows(x, test), Take(y, train), Take(y, test));
    }

    /// <summary>Splits samples with a row of targets each (one-hot labels, several outputs).</summary>
    /// <inheritdoc cref="TrainTestSplit(float[,], int[], double, int, bool)"/>
    public static (float[,] XTrain, float[,] XTest, float[,] YTrain, float[,] YTest) TrainTestSplit(
        float[,] x, float[,] y, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(y);
        int rows = CheckRows(x, y.GetLength(0), testFraction);
        var (train, test) = Indices(rows, testFraction, seed);
        return (TakeRows(x, train), TakeRows(x, test), TakeRows(y, train), TakeRows(y, test));
    }

    private static int CheckRows(float[,] x, int labels, double testFraction)
    {
        ArgumentNullException.ThrowIfNull(x);
        int rows = x.GetLength(0);
        if (rows != labels)
            throw new ArgumentException($"x has {rows} rows but y has {labels}; they must match.", "y");
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction,
                "testFraction is the share of rows in the test set and must lie strictly between 0 and 1, e.g. 0.2.");
        int test = TestCount(rows, testFraction);
        if (test < 1 || test >= rows)
            throw new ArgumentException(
                $"Splitting {rows} rows with testFraction {testFraction.ToString(CultureInfo.InvariantCulture)} gives {test} test " +
                $"and {rows - test} training rows; both sets need at least one row.", nameof(testFraction));
        return rows;
    }

    // As scikit-learn: the test set gets the rounded-up share. The small tolerance keeps 0.3 · 10 at 3, not 4.
    private static int TestCount(int rows, double testFraction) => (int)Math.Ceiling(rows * testFraction - 1e-9);

    private static (int[] Train, int[] Test) Indices(int rows, double testFraction, int seed)
    {
        var order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        var rng = new Rng(unchecked((ulong)seed));
        rng.Shuffle(order);
        int test = TestCount(rows, testFraction);
        return (order[test..], order[..test]);
    }

    private static (int[] Train, int[] Test) StratifiedIndices(int[] y, double testFraction, int seed)
    {
        var byClass = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < y.Length; i++)
        {
            if (!byClass.TryGetValue(y[i], out var list)) byClass[y[i]] = list = new List<int>();
            list.Add(i);
        }

        // Each class's share, rounded down, then the missing rows to the largest remainders.
        var classes = new List<int[]>();
        var counts = new List<int>();
        var remainders = new List<(double Remainder, int Class)>();
        int assigned = 0;
        foreach (var (_, members) in byClass)
        {
            double exact = members.Count * testFraction;
            int count = (int)Math.Floor(exact + 1e-9);
            remainders.Add((exact - count, classes.Count));
            classes.Add(members.ToArray());
            counts.Add(count);
            assigned += count;
        }
        remainders.Sort((a, b) => a.Remainder != b.Remainder ? b.Remainder.CompareTo(a.Remainder) : a.Class.CompareTo(b.Class));
        int missing = TestCount(y.Length, testFraction) - assigned;
        for (int k = 0; k < missing && k < remainders.Count; k++) counts[remainders[k].Class]++;

        var rng = new Rng(unchecked((ulong)seed));
        var train = new List<int>(y.Length);
        var test = new List<int>();
        for (int c = 0; c < classes.Count; c++)
        {
            int[] members = classes[c];
            rng.Shuffle(members);
            test.AddRange(members.AsSpan(0, counts[c]).ToArray());
            train.AddRange(members.AsSpan(counts[c]).ToArray());
        }
        // Mix the classes, so that the sets are not sorted by label.
        int[] trainOrder = train.ToArray(), testOrder = test.ToArray();
        rng.Shuffle(trainOrder);
        rng.Shuffle(testOrder);
        return (trainOrder, testOrder);
    }

    private static float[,] TakeRows(float[,] source, int[] rows)
    {
        int columns = source.GetLength(1);
        var result = new float[rows.Length, columns];
        for (int i = 0; i < rows.Length; i++)
            Array.Copy(source, (long)rows[i] * columns, result, (long)i * columns, columns);
        return result;
    }

    private static T[] Take<T>(T[] source, int[] rows)
    {
        var result = new T[rows.Length];
        for (int i = 0; i < rows.Length; i++) result[i] = source[rows[i]];
        return result;
    }
}
