using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticNet;

/// <summary>
/// Keras's <c>class_weight</c>: a weight per class that <c>Fit</c> turns into a weight per training
/// sample (see <c>sampleWeight</c>), so that rare classes count more in the loss. Converts from a
/// <c>float[]</c> (one weight per class, by index) or a <c>Dictionary&lt;int, float&gt;</c> (classes
/// not listed weigh 1, as Keras's <c>class_weight.get(c, 1.0)</c>).
/// </summary>
/// <remarks>
/// A sample's class is, as in Keras, the argmax of its target row when the targets are rows
/// (one-hot), else its target value rounded to the nearest integer (a class label, or 0/1 for one
/// sigmoid output, where there are two classes).
/// </remarks>
public sealed class ClassWeights
{
    private readonly float[] _weights;   // by class; classes past the end weigh 1 unless _complete
    private readonly bool _complete;

    /// <summary>One weight per class, by index: the array's length must be the number of classes.</summary>
    public ClassWeights(float[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        for (int c = 0; c < weights.Length; c++) CheckWeight(c, weights[c]);
        _weights = (float[])weights.Clone();
        _complete = true;
    }

    /// <summary>Weights for some classes; the others weigh 1.</summary>
    public ClassWeights(IReadOnlyDictionary<int, float> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int max = -1;
        foreach (var (c, w) in weights)
        {
            if (c < 0) throw new ArgumentException($"Class {c} in 'classWeight' is negative; classes are numbered from 0.", "classWeight");
            CheckWeight(c, w);
            max = Math.Max(max, c);
        }
        _weights = new float[max + 1];
        Array.Fill(_weights, 1f);
        foreach (var (c, w) in weights) _weights[c] = w;
    }

    /// <summary>One weight per class, by index.</summary>
    public static implicit operator ClassWeights(float[] weights) => new(weights);

    /// <summary>Weights by class label, as Keras's <c>class_weight={0: 1.0, 1: 5.0}</c>.</summary>
    public static implicit operator ClassWeights(Dictionary<int, float> weights) => new(weights);

    /// <summary>The weight of class <paramref name="label"/> (1 for a class a dictionary does not list).</summary>
    public float this[int label] => label >= 0 && label < _weights.Length ? _weights[label] : label >= 0 && !_complete ? 1f : throw new ArgumentOutOfRangeException(nameof(label), label, $"Expected a class in [0, {_weights.Length - 1}].");

    /// <summary>One weight per sample of row-major targets.</summary>
    internal float[] ToSampleWeights(ReadOnlySpan<float> targets, int rows, int width, int classes)
    {
        if (_complete && _weights.Length != classes)
            throw new ArgumentException($"'classWeight' has {_weights.Length} weights; this network has {classes} classes (give one weight per class).", "classWeight");
        if (_weights.Length > classes)
            throw new ArgumentException($"'classWeight' gives a weight to class {_weights.Length - 1}; this network has classes 0 to {classes - 1}.", "classWeight");
        var result = new float[rows];
        for (int s = 0; s < rows; s++)
        {
            ReadOnlySpan<float> row = targets.Slice(s * width, width);
            int label = width > 1 ? Categorical.ArgMax(row) : (int)MathF.Round(row[0], MidpointRounding.ToEven);
            if (label < 0 || label >= classes)
                throw new ArgumentException($"'classWeight' needs a class for every sample: sample {s} has target {row[0].ToString(CultureInfo.InvariantCulture)}, which is not a class in [0, {classes - 1}].", "classWeight");
            result[s] = label < _weights.Length ? _weights[label] : 1f;
        }
        return result;
    }

    private static void CheckWeight(int label, float weight)
    {
        if (!(float.IsFinite(weight) && weight >= 0))
            throw new ArgumentException($"The weight of class {label} in 'classWeight' is {weight.ToString(CultureInfo.InvariantCulture)}; weights must be finite and >= 0.", "classWeight");
    }
}
