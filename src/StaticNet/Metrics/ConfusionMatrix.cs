using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace StaticNet;

/// <summary>
/// Counts of true class against predicted class for a classifier, as scikit-learn's
/// <c>confusion_matrix</c>: row = true class, column = predicted class; with per-class precision,
/// recall and F1 and a printable table (<see cref="ToString"/>).
/// </summary>
/// <example>
/// <code>
/// var cm = ConfusionMatrix.FromProbabilities(yTest, model.Predict(xTest));
/// Console.WriteLine(cm);               // the table, with precision and recall per class
/// int fivesReadAsThrees = cm[5, 3];
/// </code>
/// </example>
public sealed class ConfusionMatrix
{
    private readonly int[] counts; // row-major [true, predicted]
    private readonly string[] names;

    /// <summary>Counts <paramref name="predicted"/> against <paramref name="actual"/>.</summary>
    /// <param name="actual">The true class of each sample, from 0 to <paramref name="classes"/> - 1.</param>
    /// <param name="predicted">The predicted class of each sample (for example <c>PredictClasses</c>), same length.</param>
    /// <param name="classes">The number of classes; one more than the largest class seen when <see langword="null"/>.</param>
    /// <param name="classNames">A name per class for the table and charts; the class numbers when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ, there are no samples, or the class names do not match the classes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class is negative or not below <paramref name="classes"/>.</exception>
    public ConfusionMatrix(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int? classes = null, IReadOnlyList<string>? classNames = null)
    {
        if (actual.Length != predicted.Length)
            throw new ArgumentException($"actual has {actual.Length} labels but predicted has {predicted.Length}; they need one each per sample.", nameof(predicted));
        if (actual.Length == 0) throw new ArgumentException("There are no samples (actual is empty).", nameof(actual));
        int n = classes ?? (Math.Max(Max(actual), Max(predicted)) + 1);
        if (classNames is not null && classes is null) n = Math.Max(n, classNames.Count);
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(classes), n, "There must be at least one class.");
        Check(actual, n, nameof(actual));
        Check(predicted, n, nameof(predicted));
        Classes = n;
        names = Names(n, classNames);
        counts = new int[n * n];
        for (int i = 0; i < actual.Length; i++) counts[actual[i] * n + predicted[i]]++;
        Total = actual.Length;
    }

    /// <summary>
    /// Counts the classes predicted by probabilities against <paramref name="actual"/>: the first
    /// largest probability of each row, or p(1) &gt; 0.5 for one column (a sigmoid output), as
    /// Keras's accuracy decides.
    /// </summary>
    /// <param name="actual">The true class of each sample.</param>
    /// <param name="probabilities">What <c>Predict</c> returned: one row per sample, one column per class, or one column p(1).</param>
    /// <param name="classNames">A name per class; the class numbers when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An array is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The row count differs from the labels, or there are no columns.</exception>
    public static ConfusionMatrix FromProbabilities(int[] actual, float[,] probabilities, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(probabilities);
        int rows = probabilities.GetLength(0), columns = probabilities.GetLength(1);
        if (rows != actual.Length)
            throw new ArgumentException($"probabilities has {rows} rows but actual has {actual.Length} labels; they need one each per sample.", nameof(probabilities));
        if (columns == 0) throw new ArgumentException("probabilities has 0 columns; it needs one per class (or one p(1) for a binary network).", nameof(probabilities));
        var predicted = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            if (columns == 1)
            {
                predicted[i] = probabilities[i, 0] > 0.5f ? 1 : 0;
                continue;
            }
            int best = 0;
            for (int c = 1; c < columns; c++)
                if (probabilities[i, c] > probabilities[i, best]) best = c;
            predicted[i] = best;
        }
        return new ConfusionMatrix(actual, predicted, columns == 1 ? 2 : columns, classNames);
    }

    /// <summary>The number of classes (rows and columns).</summary>
    public int Classes { get; }

    /// <summary>The number of samples counted.</summary>
    public int Total { get; }

    /// <summary>The name of each class (the class number unless names were given).</summary>
    public IReadOnlyList<string> ClassNames => names;

    /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class is out of range.</exception>
    public int this[int actual, int predicted]
    {
        get
        {
            if ((uint)actual >= (uint)Classes) throw new ArgumentOutOfRangeException(nameof(actual), actual, $"Classes run from 0 to {Classes - 1}.");
            if ((uint)predicted >= (uint)Classes) throw new ArgumentOutOfRangeException(nameof(predicted), predicted, $"Classes run from 0 to {Classes - 1}.");
            return counts[actual * Classes + predicted];
        }
    }

    /// <summary>Samples on the diagonal (predicted right).</summary>
    public int Correct
    {
        get
        {
            int sum = 0;
            for (int c = 0; c < Classes; c++) sum += counts[c * Classes + c];
            return sum;
        }
    }

    /// <summary>The fraction predicted right.</summary>
    public double Accuracy => (double)Correct / Total;

    /// <summary>Samples whose true class is <paramref name="c"/> (the row sum; scikit-learn's "support").</summary>
    public int Support(int c)
    {
        int sum = 0;
        for (int p = 0; p < Classes; p++) sum += this[c, p];
        return sum;
    }

    /// <summary>Samples predicted as <paramref name="c"/> (the column sum).</summary>
    public int PredictedCount(int c)
    {
        int sum = 0;
        for (int a = 0; a < Classes; a++) sum += this[a, c];
        return sum;
    }

    /// <summary>Of the samples predicted as <paramref name="c"/>, the fraction that are <paramref name="c"/>; 0 when none was predicted as <paramref name="c"/> (scikit-learn's default).</summary>
    public double Precision(int c)
    {
        int predicted = PredictedCount(c);
        return predicted == 0 ? 0 : (double)this[c, c] / predicted;
    }

    /// <summary>Of the samples of class <paramref name="c"/>, the fraction predicted as <paramref name="c"/>; 0 when there is none (scikit-learn's default).</summary>
    public double Recall(int c)
    {
        int support = Support(c);
        return support == 0 ? 0 : (double)this[c, c] / support;
    }

    /// <summary>The harmonic mean of precision and recall of class <paramref name="c"/>; 0 when both are 0.</summary>
    public double F1(int c)
    {
        double p = Precision(c), r = Recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /// <summary>The counts as a new array, <c>[actual, predicted]</c>.</summary>
    public int[,] ToArray()
    {
        var result = new int[Classes, Classes];
        for (int a = 0; a < Classes; a++)
            for (int p = 0; p < Classes; p++) result[a, p] = counts[a * Classes + p];
        return result;
    }

    /// <summary>
    /// The matrix as a text table: a row per true class, a column per predicted class, then each
    /// class's precision, recall and support, and the accuracy.
    /// </summary>
    public override string ToString()
    {
        const string corner = "true \\ pred";
        int nameWidth = corner.Length;
        foreach (string name in names) nameWidth = Math.Max(nameWidth, name.Length);
        int cell = Math.Max(Total.ToString(CultureInfo.InvariantCulture).Length, 3);
        foreach (string name in names) cell = Math.Max(cell, name.Length);

        var sb = new StringBuilder();
        sb.Append(corner.PadRight(nameWidth));
        foreach (string name in names) sb.Append(' ').Append(name.PadLeft(cell));
        sb.Append(" | precision    recall   support\n");
        for (int a = 0; a < Classes; a++)
        {
            sb.Append(names[a].PadRight(nameWidth));
            for (int p = 0; p < Classes; p++) sb.Append(' ').Append(this[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(cell));
            sb.Append(" | ")
              .Append(Precision(a).ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(9))
              .Append(Recall(a).ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(10))
              .Append(Support(a).ToString(CultureInfo.InvariantCulture).PadLeft(10))
              .Append('\n');
        }
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"accuracy {Accuracy:0.0000} ({Correct} of {Total})"));
        return sb.ToString();
    }

    private static int Max(ReadOnlySpan<int> values)
    {
        int max = -1;
        foreach (int v in values) max = Math.Max(max, v);
        return max;
    }

    private static void Check(ReadOnlySpan<int> values, int classes, string name)
    {
        for (int i = 0; i < values.Length; i++)
            if ((uint)values[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(name, values[i], $"{name}[{i}] = {values[i]} is not a class: classes run from 0 to {classes - 1}.");
    }

    private static string[] Names(int classes, IReadOnlyList<string>? classNames)
    {
        var result = new string[classes];
        if (classNames is not null && classNames.Count != classes)
            throw new ArgumentException($"classNames has {classNames.Count} names but there are {classes} classes.", nameof(classNames));
        for (int c = 0; c < classes; c++)
        {
            string? name = classNames is null ? c.ToString(CultureInfo.InvariantCulture) : classNames[c];
            if (string.IsNullOrEmpty(name)) throw new ArgumentException($"classNames[{c}] is null or empty.", nameof(classNames));
            result[c] = name;
        }
        return result;
    }
}
