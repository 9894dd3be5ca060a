using System;

namespace StaticNet.Quantization;

/// <summary>Classes and accuracy from predicted outputs, shared by <see cref="Int8Network"/> and <see cref="Int8Model"/>.</summary>
internal static class ClassPredictions
{
    /// <summary>
    /// The predicted class of every row of <paramref name="p"/>: the largest output, or for a single
    /// output 1 when it exceeds 0.5 (a sigmoid probability).
    /// </summary>
    public static int[] Of(float[,] p)
    {
        int outputs = p.GetLength(1);
        var classes = new int[p.GetLength(0)];
        for (int s = 0; s < classes.Length; s++)
        {
            if (outputs == 1)
            {
                classes[s] = p[s, 0] > 0.5f ? 1 : 0;
                continue;
            }
            int best = 0;
            for (int k = 1; k < outputs; k++) if (p[s, k] > p[s, best]) best = k;
            classes[s] = best;
        }
        return classes;
    }

    /// <summary>Checks the labels against the rows of <paramref name="x"/> before any prediction runs.</summary>
    public static void CheckLabels(float[,] x, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(x);
        if (labels.Length != x.GetLength(0)) throw new ArgumentException($"Expected {x.GetLength(0)} labels, one per row; got {labels.Length}.", nameof(labels));
    }

    /// <summary>The fraction of <paramref name="classes"/> equal to their label (Keras's <c>accuracy</c>).</summary>
    public static double Accuracy(int[] classes, int[] labels)
    {
        int right = 0;
        for (int s = 0; s < labels.Length; s++) if (classes[s] == labels[s]) right++;
        return labels.Length == 0 ? 0 : (double)right / labels.Length;
    }
}
