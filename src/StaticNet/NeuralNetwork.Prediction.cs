using System;

namespace StaticNet;

// Prediction conveniences around the generated one-sample Predict and the batched Predict(float[,]).
public abstract partial class NeuralNetwork
{
    /// <summary>Predicts one sample and returns its outputs (probabilities for sigmoid and softmax outputs).</summary>
    /// <remarks>
    /// Runs the generated <see cref="Predict(ReadOnlySpan{float}, Span{float})"/> (the same bits); use
    /// that overload with your own output buffer to allocate nothing.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="sample"/> does not hold the input size.</exception>
    public float[] Predict(ReadOnlySpan<float> sample)
    {
        CheckLength(sample.Length, NetworkShape.InputSize, nameof(sample));
        var output = new float[NetworkShape.OutputSize];
        Predict(sample, output);
        return output;
    }

    /// <summary>Predicts one sample, such as <c>model.Predict(xTest[0])</c> for <c>float[][] xTest</c>.</summary>
    /// <inheritdoc cref="Predict(ReadOnlySpan{float})"/>
    public float[] Predict(float[] sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return Predict(new ReadOnlySpan<float>(sample));
    }

    /// <summary>
    /// Predicts every sample of a <c>float[][]</c>, <c>double[,]</c> or <c>double[][]</c> (see
    /// <see cref="InputData"/>); returns samples x output size, as <see cref="Predict(float[,])"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A row does not hold the input size, or a double is beyond float's range.</exception>
    public float[,] Predict(InputData x)
    {
        if (x.Matrix is float[,] matrix) return Predict(matrix);
        ReadOnlySpan<float> flat = x.Flatten(nameof(x), NetworkShape.InputSize, out int rows, out int columns);
        CheckLength(columns, NetworkShape.InputSize, "x (columns)");
        var copy = new float[rows, columns];
        flat.CopyTo(DataConversion.Flat(copy));
        return Predict(copy);
    }

    /// <summary>
    /// The predicted class of one sample: the index of the largest output when there are several
    /// (softmax), or, for one output (sigmoid), 1 when the output is above
    /// <paramref name="threshold"/> and 0 otherwise (Keras's binary accuracy rule).
    /// </summary>
    /// <param name="sample">One sample: the input size.</param>
    /// <param name="threshold">The decision threshold of a one-output network (0.5 by default; 0 for a linear output read as a logit). Ignored with several outputs.</param>
    public int PredictClass(ReadOnlySpan<float> sample, float threshold = 0.5f)
    {
        CheckThreshold(threshold);
        CheckLength(sample.Length, NetworkShape.InputSize, nameof(sample));
        const int StackLimit = 256;
        Span<float> output = NetworkShape.OutputSize <= StackLimit ? stackalloc float[StackLimit] : new float[NetworkShape.OutputSize];
        output = output.Slice(0, NetworkShape.OutputSize);
        Predict(sample, output);
        return ClassOf(output, threshold);
    }

    /// <summary>The predicted class of every sample (see <see cref="PredictClass"/>), from any input form <see cref="InputData"/> accepts.</summary>
    /// <param name="x">The samples, one row each.</param>
    /// <param name="threshold">The decision threshold of a one-output network (0.5 by default). Ignored with several outputs.</param>
    public int[] PredictClasses(InputData x, float threshold = 0.5f)
    {
        CheckThreshold(threshold);
        float[,] outputs = Predict(x);
        int rows = outputs.GetLength(0), width = NetworkShape.OutputSize;
        ReadOnlySpan<float> flat = DataConversion.Flat(outputs);
        var classes = new int[rows];
        for (int r = 0; r < rows; r++) classes[r] = ClassOf(flat.Slice(r * width, width), threshold);
        return classes;
    }

    private static int ClassOf(ReadOnlySpan<float> output, float threshold) =>
        output.Length == 1 ? (output[0] > threshold ? 1 : 0) : Categorical.ArgMax(output);

    private static void CheckThreshold(float threshold)
    {
        if (!float.IsFinite(threshold))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Expected a finite threshold.");
    }

    /// <summary>The class name and the topology, such as <c>DigitNet 784-25(sigmoid)-15(sigmoid)-1(sigmoid)</c>.</summary>
    public override string ToString() => $"{GetType().Name} {NetworkShape}";
}
