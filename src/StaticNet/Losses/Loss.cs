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
