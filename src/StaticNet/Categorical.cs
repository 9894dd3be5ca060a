using System;
using System.Globalization;

namespace StaticNet;

/// <summary>
/// Class labels and one-hot rows: Keras's <c>keras.utils.to_categorical</c> and NumPy's
/// <c>argmax</c>, for preparing targets and reading predictions.
/// </summary>
public static class Categorical
{
    /// <summary>
    /// One row per label with a 1 in the label's column and 0 elsewhere (Keras's
    /// <c>to_categorical(labels, num_classes)</c>): targets for <see cref="CategoricalCrossentropy"/>.
    /// </summary>
    /// <param name="labels">Class labels in [0, <paramref name="classes"/>).</param>
    /// <param name="classes">The number of classes (columns); when null, the largest label plus one, as Keras.</param>
    /// <exception cref="ArgumentException">A label outside [0, classes), or no labels and no class count.</exception>
    public static float[,] OneHot(ReadOnlySpan<int> labels, int? classes = null)
    {
        int count;
        if (classes is int given)
        {
            if (given < 1) throw new ArgumentOutOfRangeException(nameof(classes), given, "Expected at least 1 class.");
            count = given;
        }
        else
        {
            int max = -1;
            foreach (int label in labels) max = Math.Max(max, label);
            if (max < 0 && labels.Length == 0) throw new ArgumentException("No labels to infer the number of classes from; pass classes.", nameof(labels));
            count = max + 1;
        }
        var result = new float[labels.Length, count];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)count)
                throw new ArgumentException($"Label {i} is {labels[i].ToString(CultureInfo.InvariantCulture)}; expected a class in [0, {count - 1}].", nameof(labels));
            result[i, labels[i]] = 1f;
        }
        return result;
    }

    /// <summary>The index of the largest value (the first one on ties, as NumPy; a NaN counts as largest, as NumPy).</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("Expected at least one value.", nameof(values));
        int best = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i])) return i;
            if (values[i] > values[best]) best = i;
        }
        return best;
    }

    /// <summary>The argmax of every row (NumPy's <c>argmax(axis=1)</c>): predicted classes from <c>Predict</c>'s probabilities, or labels from one-hot rows.</summary>
    public static int[] ArgMax(float[,] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int count = rows.GetLength(0), width = rows.GetLength(1);
        if (width == 0 && count > 0) throw new ArgumentException("The rows have no columns.", nameof(rows));
        var result = new int[count];
        ReadOnlySpan<float> flat = DataConversion.Flat(rows);
        for (int r = 0; r < count; r++) result[r] = ArgMax(flat.Slice(r * width, width));
        return result;
    }
}
