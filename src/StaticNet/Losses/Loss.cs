using System;

namespace StaticNet;

/// <summary>
/// A training objective. Each loss returns the sum of its per-sample values and writes dLoss/dz,
/// the gradient with respect to the output layer's weighted sum, which the generated backward
/// pass starts from. Sigmoid with binary cross-entropy and softmax with cross-entropy are
/// computed from the logits z (stable, no log(0)); their gradient is the fused p − y.
/// </summary>
public abstract class Loss
{
    /// <summary>Keras's clipping constant for losses over probabilities.</summary>
    private protected const float Epsilon = 1e-7f;

    private protected Loss(bool fromLogits) => FromLogits = fromLogits;

    /// <summary>Binary cross-entropy over probabilities (Keras <c>'binary_crossentropy'</c>).</summary>
    public static BinaryCrossentropy BinaryCrossentropy { get; } = new();

    /// <summary>Mean squared error (Keras <c>'mean_squared_error'</c>).</summary>
    public static MeanSquaredError MeanSquaredError { get; } = new();

    /// <summary>Cross-entropy with integer class labels (Keras <c>'sparse_categorical_crossentropy'</c>).</summary>
    public static SparseCategoricalCrossentropy SparseCategoricalCrossentropy { get; } = new();

    /// <summary>Cross-entropy with one-hot (or soft) targets (Keras <c>'categorical_crossentropy'</c>).</summary>
    public static CategoricalCrossentropy CategoricalCrossentropy { get; } = new();

    /// <summary>Whether the network's output is read as logits (a linear output layer) rather than probabilities.</summary>
    public bool FromLogits { get; }

    /// <summary>Keras's name, as used in <see cref="History"/> (<c>loss</c> is the key there).</summary>
    public abstract string Name { get; }

    /// <summary>Values per sample in the targets: the output size, or 1 for class labels.</summary>
    public virtual int TargetWidth(int outputSize) => outputSize;

    /// <summary>Throws <see cref="ArgumentException"/> when this loss cannot train the given network.</summary>
    internal virtual void CheckCompatible(NetworkShape shape)
    {
        if (FromLogits && shape.OutputActivation != Activation.Linear)
            throw new ArgumentException(
                $"{Name} with fromLogits: true expects a linear output layer (the logits); this network's output activation is {shape.OutputActivation}.", "loss");
    }

    /// <summary>
    /// Sums the loss of <paramref name="count"/> samples. When <paramref name="delta"/> is not
    /// empty, writes <paramref name="scale"/> · dLoss/dz for each output (count x outputs).
    /// </summary>
    internal abstract double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets,
        int count, NetworkShape shape, Span<float> delta, float scale);

    /// <summary>
    /// Turns dLoss/dy (in <paramref name="gradient"/>) into dLoss/dz through the output
    /// activation, for the losses that are not fused with it.
    /// </summary>
    private protected static void ThroughActivation(NetworkShape shape, ReadOnlySpan<float> outputs, Span<float> gradient)
    {
        switch (shape.OutputActivation)
        {
            case Activation.Linear:
                break;
            case Activation.Sigmoid:
                for (int k = 0; k < gradient.Length; k++) gradient[k] *= outputs[k] * (1 - outputs[k]);
                break;
            case Activation.Tanh:
                for (int k = 0; k < gradient.Length; k++) gradient[k] *= 1 - outputs[k] * outputs[k];
                break;
            case Activation.Relu:
                for (int k = 0; k < gradient.Length; k++) if (!(outputs[k] > 0)) gradient[k] = 0;
                break;
            case Activation.LeakyRelu:
                for (int k = 0; k < gradient.Length; k++) if (!(outputs[k] > 0)) gradient[k] *= shape.LeakyReluSlope;
                break;
            case Activation.Softmax:
                // Jacobian-vector product of softmax: dz_k = y_k (g_k − Σ_j g_j y_j).
                double dot = 0;
                for (int k = 0; k < gradient.Length; k++) dot += gradient[k] * outputs[k];
                for (int k = 0; k < gradient.Length; k++) gradient[k] = outputs[k] * (gradient[k] - (float)dot);
                break;
            default:
                throw new NotSupportedException($"Unknown activation {shape.OutputActivation}.");
        }
    }

    /// <summary>log(1 + e^-|z|) + max(z, 0) − z·y: binary cross-entropy from a logit, exact for any z.</summary>
    private protected static double LogisticLoss(float z, float y) =>
        Math.Max(z, 0) - (double)z * y + Math.Log(1 + Math.Exp(-Math.Abs((double)z)));

    /// <summary>1 / (1 + e^-z), computed without overflow.</summary>
    private protected static float StableSigmoid(float z) =>
        z >= 0 ? 1f / (1f + MathF.Exp(-z)) : MathF.Exp(z) / (1f + MathF.Exp(z));
}

/// <summary>
/// Binary cross-entropy, −[y log p + (1 − y) log(1 − p)] averaged over the outputs, for one or
/// more independent binary outputs. With a sigmoid output layer (or <c>fromLogits</c> and a
/// linear one) it is computed from the logits; otherwise p is clipped to [1e-7, 1 − 1e-7] as Keras does.
/// </summary>
public sealed class BinaryCrossentropy : Loss
{
    /// <summary>Creates the loss; <paramref name="fromLogits"/> reads a linear output as logits.</summary>
    public BinaryCrossentropy(bool fromLogits = false) : base(fromLogits) { }

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    internal override double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets,
        int count, NetworkShape shape, Span<float> delta, float scale)
    {
        int k = shape.OutputSize;
        bool fused = FromLogits || shape.OutputActivation == Activation.Sigmoid;
        float perOutput = scale / k;
        double total = 0;
        for (int s = 0; s < count; s++)
        {
            double sample = 0;
            for (int o = 0; o < k; o++)
            {
                int i = s * k + o;
                float y = targets[i];
                if (fused)
                {
                    float z = logits[i];
                    sample += LogisticLoss(z, y);
                    if (!delta.IsEmpty) delta[i] = (StableSigmoid(z) - y) * perOutput;
                }
                else
                {
                    float p = Math.Clamp(outputs[i], Epsilon, 1 - Epsilon);
                    sample -= y * Math.Log(p) + (1 - y) * Math.Log(1 - p);
                    if (!delta.IsEmpty)
                    {
                        bool clipped = outputs[i] != p;
                        delta[i] = clipped ? 0 : (p - y) / (p * (1 - p)) * perOutput;
                    }
                }
            }
            total += sample / k;
            if (!delta.IsEmpty && !fused)
                ThroughActivation(shape, outputs.Slice(s * k, k), delta.Slice(s * k, k));
        }
        return total;
    }
}

/// <summary>Mean squared error, the mean over the outputs of (y − ŷ)².</summary>
public sealed class MeanSquaredError : Loss
{
    /// <summary>Creates the loss.</summary>
    public MeanSquaredError() : base(false) { }

    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    internal override double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets,
        int count, NetworkShape shape, Span<float> delta, float scale)
    {
        int k = shape.OutputSize;
        float factor = 2 * scale / k;
        double total = 0;
        for (int s = 0; s < count; s++)
        {
            double sample = 0;
            for (int o = 0; o < k; o++)
            {
                int i = s * k + o;
                float diff = outputs[i] - targets[i];
                sample += (double)diff * diff;
                if (!delta.IsEmpty) delta[i] = diff * factor;
            }
            total += sample / k;
            if (!delta.IsEmpty)
                ThroughActivation(shape, outputs.Slice(s * k, k), delta.Slice(s * k, k));
        }
        return total;
    }
}

/// <summary>
/// Categorical cross-entropy, −Σ y_k log p_k, with one-hot or soft targets. Needs a softmax
/// output layer, or a linear one with <c>fromLogits: true</c>; computed as logsumexp(z) − Σ y_k z_k.
/// </summary>
public sealed class CategoricalCrossentropy : Loss
{
    /// <summary>Creates the loss; <paramref name="fromLogits"/> reads a linear output as logits.</summary>
    public CategoricalCrossentropy(bool fromLogits = false) : base(fromLogits) { }

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

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
            ReadOnlySpan<float> y = targets.Slice(s * k, k);
            double lse = SoftmaxCrossEntropy.LogSumExp(z);
            double ySum = 0, yz = 0;
            for (int o = 0; o < k; o++) { ySum += y[o]; yz += (double)y[o] * z[o]; }
            total += lse * ySum - yz;
            if (!delta.IsEmpty)
                for (int o = 0; o < k; o++)
                    delta[s * k + o] = (float)((Math.Exp(z[o] - lse) * ySum - y[o]) * scale);
        }
        return total;
    }
}

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

internal static class SoftmaxCrossEntropy
{
    public static void CheckOutput(Loss loss, NetworkShape shape)
    {
        bool ok = loss.FromLogits ? shape.OutputActivation == Activation.Linear : shape.OutputActivation == Activation.Softmax;
        if (!ok)
            throw new ArgumentException(
                $"{loss.Name} expects a softmax output layer (or a linear one with fromLogits: true); this network's output activation is {shape.OutputActivation}. " +
                "For independent binary outputs use BinaryCrossentropy.", "loss");
        if (shape.OutputSize < 2)
            throw new ArgumentException($"{loss.Name} needs at least two output classes; this network has {shape.OutputSize} output.", "loss");
    }

    /// <summary>log Σ e^z, with the maximum subtracted first so that it never overflows.</summary>
    public static double LogSumExp(ReadOnlySpan<float> z)
    {
        float max = float.NegativeInfinity;
        foreach (float v in z) if (v > max) max = v;
        double sum = 0;
        foreach (float v in z) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
