using System;
using System.Buffers;
using System.Threading.Tasks;

namespace StaticNet.Quantization;

/// <summary>
/// A prediction-only network with int8 weights baked into the program: the base of every class
/// declared with <c>[Network(..., Precision = Precision.Int8, Weights = "...")]</c>. The generated
/// class supplies the layers (<see cref="Forward"/>); this class checks arguments, provides the
/// scratch memory and the batch helpers. It computes the same bits as the
/// <see cref="Int8Network"/> loaded from the same file.
/// </summary>
public abstract class Int8Model
{
    private const int StackLimit = 8192;
    private readonly int _maxPaddedInputs, _maxPaddedOutputs;

    /// <summary>Called by generated code with the network's sizes.</summary>
    /// <param name="inputSize">Values per input sample.</param>
    /// <param name="outputSize">Values per prediction.</param>
    /// <param name="maxPaddedInputs">The widest layer input, padded as the kernel needs (<see cref="Kernels.Int8DenseLayer.PaddedInputs"/>).</param>
    /// <param name="maxPaddedOutputs">The widest layer output, padded likewise.</param>
    protected Int8Model(int inputSize, int outputSize, int maxPaddedInputs, int maxPaddedOutputs)
    {
        // The baked data are chars read in place as little-endian bytes, ints and floats.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Baked int8 networks need a little-endian processor.");
        InputSize = inputSize;
        OutputSize = outputSize;
        _maxPaddedInputs = maxPaddedInputs;
        _maxPaddedOutputs = maxPaddedOutputs;
    }

    /// <summary>Values per input sample.</summary>
    public int InputSize { get; }

    /// <summary>Values per prediction.</summary>
    public int OutputSize { get; }

    /// <summary>
    /// Runs the layers on one sample. <paramref name="x"/> (input bytes), <paramref name="acc"/>
    /// (integer sums) and <paramref name="z"/> (a hidden layer's outputs) are scratch memory of at
    /// least the padded sizes given to the constructor.
    /// </summary>
    protected abstract void Forward(ReadOnlySpan<float> input, Span<float> output, Span<byte> x, Span<int> acc, Span<float> z);

    /// <summary>Predicts one sample; allocation-free and safe to call from several threads at once.</summary>
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputSize) throw new ArgumentException($"Expected {InputSize} input values; got {input.Length}.", nameof(input));
        if (output.Length != OutputSize) throw new ArgumentException($"Expected room for {OutputSize} outputs; got {output.Length}.", nameof(output));
        if (_maxPaddedInputs <= StackLimit && _maxPaddedOutputs <= StackLimit)
        {
            Span<byte> x = stackalloc byte[_maxPaddedInputs];
            Span<int> acc = stackalloc int[_maxPaddedOutputs];
            Span<float> z = stackalloc float[_maxPaddedOutputs];
            Forward(input, output, x, acc, z);
            return;
        }
        byte[] xa = ArrayPool<byte>.Shared.Rent(_maxPaddedInputs);
        int[] acca = ArrayPool<int>.Shared.Rent(_maxPaddedOutputs);
        float[] za = ArrayPool<float>.Shared.Rent(_maxPaddedOutputs);
        try
        {
            Forward(input, output, xa, acca, za);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(xa);
            ArrayPool<int>.Shared.Return(acca);
            ArrayPool<float>.Shared.Return(za);
        }
    }

    /// <summary>Predicts one sample into a new array.</summary>
    public float[] Predict(float[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var output = new float[OutputSize];
        Predict(input, output);
        return output;
    }

    /// <summary>Predicts every row of <paramref name="x"/> (large inputs on all cores); returns samples x output size.</summary>
    public float[,] Predict(float[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.GetLength(1) != InputSize) throw new ArgumentException($"Expected {InputSize} columns; got {x.GetLength(1)}.", nameof(x));
        int samples = x.GetLength(0);
        var result = new float[samples, OutputSize];
        // About 1 us a sample: threads pay off from a few thousand samples.
        int threads = Math.Clamp(samples / 2048, 1, Environment.ProcessorCount);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int start = (int)((long)samples * t / threads), end = (int)((long)samples * (t + 1) / threads);
            ReadOnlySpan<float> inputs = DataConversion.Flat(x);
            Span<float> outputs = DataConversion.Flat(result);
            for (int s = start; s < end; s++)
                Predict(inputs.Slice(s * InputSize, InputSize), outputs.Slice(s * OutputSize, OutputSize));
        });
        return result;
    }

    /// <summary>
    /// The predicted class of every row: the largest output, or for a single output 1 when it
    /// exceeds 0.5 (a sigmoid probability).
    /// </summary>
    public int[] PredictClasses(float[,] x) => ClassPredictions.Of(Predict(x));

    /// <summary>The fraction of rows of <paramref name="x"/> whose predicted class is the label (Keras's <c>accuracy</c>).</summary>
    public double Accuracy(float[,] x, int[] labels)
    {
        ClassPredictions.CheckLabels(x, labels);
        return ClassPredictions.Accuracy(PredictClasses(x), labels);
    }
}
