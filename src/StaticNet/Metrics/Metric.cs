using System;

namespace StaticNet;

/// <summary>
/// A quantity reported during training and evaluation but not optimized. Values are means over
/// samples; <see cref="History"/> and <see cref="Evaluation"/> key them by <see cref="Name"/>.
/// </summary>
public abstract class Metric
{
    private protected Metric() { }

    /// <summary>
    /// Keras's <c>'accuracy'</c>, reported as <c>accuracy</c> and resolved at <see cref="NeuralNetwork.Compile"/>
    /// from the shapes of the output and the targets, as Keras does: one output → binary accuracy
    /// (threshold 0.5); one class label per sample and several outputs (sparse categorical
    /// cross-entropy) → sparse categorical accuracy; otherwise → categorical accuracy (argmax). So,
    /// as in Keras, several independent sigmoid outputs trained with binary cross-entropy get
    /// categorical accuracy: use <see cref="BinaryAccuracy"/> for multi-label outputs.
    /// </summary>
    public static Metric Accuracy { get; } = new AccuracyPlaceholder();

    /// <summary>
    /// Binary accuracy with threshold 0.5 (<c>binary_accuracy</c>), as Keras: per output, the
    /// prediction is 1 when the output is &gt; 0.5 and 0 otherwise, and it is right when it equals
    /// the target exactly (so soft targets such as 0.9 never count as right); the mean over outputs
    /// per sample. The threshold applies to the network's output, so with a linear output read as
    /// logits (<c>fromLogits: true</c>) it compares logits with 0.5, as Keras does.
    /// </summary>
    public static Metric BinaryAccuracy { get; } = new BinaryAccuracyMetric("binary_accuracy");

    /// <summary>Argmax of the outputs equals argmax of the one-hot targets (<c>categorical_accuracy</c>).</summary>
    public static Metric CategoricalAccuracy { get; } = new CategoricalAccuracyMetric("categorical_accuracy");

    /// <summary>Argmax of the outputs equals the integer label (<c>sparse_categorical_accuracy</c>).</summary>
    public static Metric SparseCategoricalAccuracy { get; } = new SparseCategoricalAccuracyMetric("sparse_categorical_accuracy");

    /// <summary>Mean absolute error over the outputs (<c>mean_absolute_error</c>).</summary>
    public static Metric MeanAbsoluteError { get; } = new MeanAbsoluteErrorMetric();

    /// <summary>The key in <see cref="History"/> and <see cref="Evaluation"/>.</summary>
    public abstract string Name { get; }

    /// <summary>Whether higher values are better (accuracies) or lower (errors); callbacks in <see cref="MonitorMode.Auto"/> use it.</summary>
    public virtual bool HigherIsBetter => false;

    /// <summary>Returns the metric that actually runs for this loss and network (itself, unless it is a placeholder).</summary>
    internal virtual Metric Resolve(Loss loss, NetworkShape shape) => this;

    /// <summary>Whether this metric reads each target as 0 or 1 (binary accuracy): targets outside [0, 1] are then rejected.</summary>
    internal virtual bool ReadsBinaryTargets => false;

    /// <summary>Values per sample this metric reads from the targets: the output size, or 1 for class labels.</summary>
    internal virtual int TargetWidth(int outputSize) => outputSize;

    /// <summary>Sum of the per-sample values over <paramref name="count"/> samples.</summary>
    internal abstract double Sum(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count, int outputSize);

    private protected static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private sealed class AccuracyPlaceholder : Metric
    {
        public override string Name => "accuracy";

        public override bool HigherIsBetter => true;

        // Keras's compile_utils.get_metric: by shape, not by loss.
        internal override Metric Resolve(Loss loss, NetworkShape shape)
        {
            if (shape.OutputSize == 1) return new BinaryAccuracyMetric(Name);
            if (loss.TargetWidth(shape.OutputSize) == 1) return new SparseCategoricalAccuracyMetric(Name);
            return new CategoricalAccuracyMetric(Name);
        }

        internal override double Sum(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count, int outputSize) =>
            throw new InvalidOperationException("'accuracy' is resolved when the model is compiled.");
    }

    private sealed class BinaryAccuracyMetric(string name) : Metric
    {
        public override string Name => name;

        public override bool HigherIsBetter => true;

        internal override bool ReadsBinaryTargets => true;

        internal override double Sum(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count, int outputSize)
        {
            double total = 0;
            for (int s = 0; s < count; s++)
            {
                int right = 0;
                for (int o = 0; o < outputSize; o++)
                {
                    int i = s * outputSize + o;
                    if (targets[i] == (outputs[i] > 0.5f ? 1f : 0f)) right++;
                }
                total += (double)right / outputSize;
            }
            return total;
        }
    }

    private sealed class CategoricalAccuracyMetric(string name) : Metric
    {
        public override string Name => name;

        public override bool HigherIsBetter => true;

        internal override double Sum(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count, int outputSize)
        {
            int right = 0;
            for (int s = 0; s < count; s++)
                if (ArgMax(outputs.Slice(s * outputSize, outputSize)) == ArgMax(targets.Slice(s * outputSize, outputSize))) right++;
            return right;
        }
    }

    private sealed class SparseCategoricalAccuracyMetric(string name) : Metric
    {
        public override string Name => name;

        public override bool HigherIsBetter => true;

        internal override int TargetWidth(int outputSize) => 1;

        internal override double Sum(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count, int outputSize)
        {
            int right = 0;
            for (int s = 0; s < count; s++)
                if (ArgMax(outputs.Slice(s * outputSize, outputSize)) == (int)targets[s]) right++;
            return right;
        }
    }

    private sealed class MeanAbsoluteErrorMetric : Metric
    {
        public override string Name => "mean_absolute_error";

        internal override double Sum(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count, int outputSize)
        {
            double total = 0;
            for (int s = 0; s < count; s++)
            {
                double sample = 0;
                for (int o = 0; o < outputSize; o++) sample += Math.Abs(outputs[s * outputSize + o] - targets[s * outputSize + o]);
                total += sample / outputSize;
            }
            return total;
        }
    }
}
