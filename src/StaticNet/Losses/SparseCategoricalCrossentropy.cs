using System;

namespace StaticNet;

/// <summary>
/// Cross-entropy with integer class labels (one value per sample, 0 ≤ label &lt; outputs), −log p_label.
/// Needs a softmax output layer, or a linear one with <c>fromLogits: true</c>.
/// </summary>
public sealed class SparseCategoricalCrossentropy : Loss
{
    /// <summary>Creates the loss; <paramref name="fromLogits"/> reads a linear output as logits.</summary>
    public SparseCategoricalCrossentropy(bool fromLogits = false) : base(fromLogits) { }

    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    /// <inheritdoc/>
    public override int TargetWidth(int outputSize) => 1;

    internal override void CheckCompatible(NetworkShape shape)
    {
        base.CheckCompatible(shape);
        SoftmaxCrossEntropy.CheckOutput(this, shape);
    }

    internal override double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets,
        int count, NetworkShape shape, Span<float> delta, float scale)
    {
        int k = shape.OutputSize;
        double total = 0;
        for (int s = 0; s < count; s++)
        {
            ReadOnlySpan<float> z = logits.Slice(s * k, k);
            int label = (int)targets[s];
            if ((uint)label >= (uint)k || label != targets[s])
                throw new ArgumentException($"Expected a class label in [0, {k - 1}]; sample {s} has {targets[s]}.", "y");
            double lse = SoftmaxCrossEntropy.LogSumExp(z);
            total += lse - z[label];
            if (!delta.IsEmpty)
            {
                for (int o = 0; o < k; o++)
                    delta[s * k + o] = (float)(Math.Exp(z[o] - lse) * scale);
                delta[s * k + label] -= scale;
            }
        }
        return total;
    }
}
