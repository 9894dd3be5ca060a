using System;
using System.Buffers;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Threading;
using System.Threading.Tasks;
using StaticNet.Kernels;

namespace StaticNet.Quantization;

/// <summary>
/// A trained network with int8 weights, for prediction only: Keras/TFLite's "post-training
/// integer quantization" with a representative data set. Weights are symmetric int8 with one scale
/// per output unit; each layer's input is quantized to unsigned bytes with a scale and zero point
/// calibrated (static) on sample inputs; the integer dot products run on AVX-VNNI where the
/// processor has it; softmax and sigmoid outputs are computed in float32.
/// </summary>
/// <remarks>
/// The object is immutable: <see cref="Predict(ReadOnlySpan{float}, Span{float})"/> may be called
/// from many threads at once and allocates nothing (for layers up to 8,192 units wide). The error
/// of each layer is bounded as <see cref="QuantizedDenseLayer"/> documents; see docs/QUANTIZATION.md.
/// Every layer kind of StaticNet can be quantized: dense layers and convolutions run in int8 (convolutions
/// with windows of fewer than 32 values stay in float32), pooling and BatchNormalization in float32 between
/// them, dropout layers are dropped (they do nothing at prediction time).
/// </remarks>
public sealed partial class Int8Network
{
    private const int StackLimit = 8192;
    private const int MaxInputs = Int8Layout.MaxInputs;
    private readonly QuantizedDenseLayer[] _layers;
    private readonly float _leakyReluSlope;
    private readonly int _maxPaddedInputs, _maxPaddedOutputs;
    private readonly Int8Path _path;

    private Int8Network(QuantizedDenseLayer[] layers, float leakyReluSlope, Int8Path path)
    {
        _layers = layers;
        _leakyReluSlope = leakyReluSlope;
        _path = path;
        _inputSize = layers[0].Inputs;
        foreach (QuantizedDenseLayer layer in layers)
        {
            _maxPaddedInputs = Math.Max(_maxPaddedInputs, Int8Dense.PaddedInputs(layer.Inputs));
            _maxPaddedOutputs = Math.Max(_maxPaddedOutputs, Int8Dense.PaddedOutputs(layer.Units));
        }
    }

    /// <summary>
    /// Quantizes a trained network. <paramref name="calibrationInputs"/> are sample inputs,
    /// row-major (a multiple of the input size; a few hundred to a few thousand typical inputs, as
    /// TFLite's representative data set): the float32 network runs on them and each layer's input
    /// range (minimum and maximum, widened to contain 0) becomes its byte scale and zero point.
    /// Inputs outside that range saturate at prediction time.
    /// </summary>
    /// <exception cref="NotSupportedException">The network has a layer kind Int8Network does not know.</exception>
    /// <exception cref="ArgumentException">No calibration sample, a length that is not a multiple of the input size, or a non-finite value.</exception>
    public static Int8Network Quantize(NeuralNetwork model, ReadOnlySpan<float> calibrationInputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        NetworkShape shape = model.NetworkShape;
        int inputSize = shape.InputSize;
        if (calibrationInputs.Length == 0 || calibrationInputs.Length % inputSize != 0)
            throw new ArgumentException($"Expected a positive multiple of the input size {inputSize} calibration values; got {calibrationInputs.Length}.", nameof(calibrationInputs));
        for (int i = 0; i < calibrationInputs.Length; i++)
            if (!float.IsFinite(calibrationInputs[i]))
                throw new ArgumentException($"Calibration value {i} (sample {i / inputSize}, feature {i % inputSize}) is {calibrationInputs[i]}; expected a finite number.", nameof(calibrationInputs));
        if (!shape.IsDenseStack)
            return QuantizeLayers(model, calibrationInputs);

        // Each layer's input range over the calibration samples, from the float32 network.
        ReadOnlySpan<float> parameters = model.ReadableParameters;
        int layers = shape.LayerCount;
        var min = new float[layers];
        var max = new float[layers];
        min.AsSpan().Fill(float.PositiveInfinity);
        max.AsSpan().Fill(float.NegativeInfinity);
        var a = new float[shape.MaxHiddenSize + inputSize + shape.OutputSize];
        var b = new float[a.Length];
        for (int s = 0; s < calibrationInputs.Length / inputSize; s++)
        {
            ReadOnlySpan<float> x = calibrationInputs.Slice(s * inputSize, inputSize);
            for (int l = 0; l < layers; l++)
            {
                min[l] = Math.Min(min[l], TensorPrimitives.Min(x));
                max[l] = Math.Max(max[l], TensorPrimitives.Max(x));
                int fanIn = shape.FanIn(l), fanOut = shape.FanOut(l);
                Span<float> z = b.AsSpan(0, fanOut);
                ReadOnlySpan<float> w = parameters.Slice(shape.WeightOffset(l), fanIn * fanOut);
                ReadOnlySpan<float> bias = parameters.Slice(shape.BiasOffset(l), fanOut);
                for (int j = 0; j < fanOut; j++) z[j] = TensorPrimitives.Dot(w.Slice(j * fanIn, fanIn), x) + bias[j];
                ApplyActivation(shape.Activations[l], shape.LeakyReluSlope, z);
                z.CopyTo(a);
                x = a.AsSpan(0, fanOut);
            }
        }

        for (int l = 0; l < layers; l++)
            if (shape.FanIn(l) > MaxInputs)   // beyond it an int32 sum of 255 · 127 products could overflow
                throw new NotSupportedException($"Layer {l} has {shape.FanIn(l)} inputs; Int8Network supports at most {MaxInputs} per layer.");
        var quantized = new QuantizedDenseLayer[layers];
        for (int l = 0; l < layers; l++)
        {
            int fanIn = shape.FanIn(l), fanOut = shape.FanOut(l);
            quantized[l] = new QuantizedDenseLayer(parameters.Slice(shape.WeightOffset(l), fanIn * fanOut),
                parameters.Slice(shape.BiasOffset(l), fanOut), fanIn, fanOut, shape.Activations[l], min[l], max[l]);
        }
        return new Int8Network(quantized, shape.LeakyReluSlope, Int8Path.Auto);
    }

    /// <summary>Quantizes with the rows of <paramref name="calibrationInputs"/> as calibration samples.</summary>
    public static Int8Network Quantize(NeuralNetwork model, float[,] calibrationInputs)
    {
        ArgumentNullException.ThrowIfNull(calibrationInputs);
        ArgumentNullException.ThrowIfNull(model);
        if (calibrationInputs.GetLength(1) != model.NetworkShape.InputSize)
            throw new ArgumentException($"Expected {model.NetworkShape.InputSize} columns in the calibration inputs; got {calibrationInputs.GetLength(1)}.", nameof(calibrationInputs));
        return Quantize(model, DataConversion.Flat(calibrationInputs));
    }

    /// <summary>The dense layers, input first (the convolutions before them are <see cref="Convolutions"/>).</summary>
    public IReadOnlyList<QuantizedDenseLayer> Layers => _layers;

    /// <summary>Values per input sample.</summary>
    public int InputSize => _inputSize;

    /// <summary>Values per prediction.</summary>
    public int OutputSize => _layers[^1].Units;

    /// <summary>Bytes of int8 weights in all (a quarter of the float32 weights' bytes).</summary>
    public int WeightBytes
    {
        get
        {
            int total = 0;
            foreach (QuantizedDenseLayer layer in _layers) total += layer.WeightBytes;
            foreach (QuantizedConv2DLayer layer in _convolutions) total += layer.WeightBytes;
            return total;
        }
    }

    /// <summary>The same network computed by another kernel path (tests force each path).</summary>
    internal Int8Network WithPath(Int8Path path) => _steps is null ? new(_layers, _leakyReluSlope, path) : new(_steps, _shape!, path);

    /// <summary>Predicts one sample; allocation-free and safe to call from several threads at once.</summary>
    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != InputSize) throw new ArgumentException($"Expected {InputSize} input values; got {input.Length}.", nameof(input));
        if (output.Length != OutputSize) throw new ArgumentException($"Expected room for {OutputSize} outputs; got {output.Length}.", nameof(output));
        if (_steps is not null)
        {
            ForwardSteps(input, output);
            return;
        }
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

    private void Forward(ReadOnlySpan<float> input, Span<float> output, Span<byte> x, Span<int> acc, Span<float> z)
    {
        ReadOnlySpan<float> layerInput = input;
        for (int l = 0; l < _layers.Length; l++)
        {
            QuantizedDenseLayer layer = _layers[l];
            Span<float> pre = l == _layers.Length - 1 ? output : z.Slice(0, layer.Units);
            PreActivations(layer, layerInput, x, acc, pre);
            ApplyActivation(layer.Activation, _leakyReluSlope, pre);
            layerInput = pre;
        }
    }

    /// <summary>ẑ = the layer's int8 pre-activations for a float input: quantize, integer dot products, rescale.</summary>
    private void PreActivations(QuantizedDenseLayer layer, ReadOnlySpan<float> input, Span<byte> x, Span<int> acc, Span<float> z) =>
        Int8DenseLayer.PreActivations(_path, input, z.Slice(0, layer.Units), layer.Packed, layer.InverseInputScale, layer.InputZeroPoint,
            layer.Compensation, layer.OutputScales, layer.Bias, x, acc);

    /// <summary>Layer <paramref name="layer"/>'s int8 pre-activations for the float input <paramref name="input"/> (tests check the error bound).</summary>
    internal void PreActivations(int layer, ReadOnlySpan<float> input, Span<float> z)
    {
        QuantizedDenseLayer q = _layers[layer];
        var x = new byte[Int8Dense.PaddedInputs(q.Inputs)];
        var acc = new int[Int8Dense.PaddedOutputs(q.Units)];
        PreActivations(q, input, x, acc, z);
    }

    /// <summary>Applies a layer's activation in float32 (softmax over the whole span).</summary>
    internal static void ApplyActivation(Activation activation, float leakyReluSlope, Span<float> values)
    {
        switch (activation)
        {
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(values, values); break;
            case Activation.Tanh: TensorPrimitives.Tanh(values, values); break;
            case Activation.Relu: TensorPrimitives.Max(values, 0f, values); break;
            case Activation.LeakyRelu:
                for (int i = 0; i < values.Length; i++) if (values[i] < 0) values[i] *= leakyReluSlope;
                break;
            case Activation.Softmax: Softmax.ApplyRows(values, values.Length); break;
        }
    }

    /// <summary>
    /// Predicts many samples stored row-major in <paramref name="inputs"/> into
    /// <paramref name="outputs"/>, on the calling thread (scratch from <see cref="ArrayPool{T}.Shared"/>,
    /// so nothing is allocated once the pool is warm).
    /// </summary>
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int samples = Samples(inputs.Length, nameof(inputs));
        if (outputs.Length != samples * OutputSize)
            throw new ArgumentException($"Expected room for {samples} x {OutputSize} outputs; got {outputs.Length}.", nameof(outputs));
        if (samples == 0) return;
        if (samples == 1 || _steps is not null)
        {
            // A convolution already runs its output positions as a batch through the kernel: one sample at a time.
            for (int s = 0; s < samples; s++)
                Predict(inputs.Slice(s * InputSize, InputSize), outputs.Slice(s * OutputSize, OutputSize));
            return;
        }
        // Layer by layer over chunks of samples: each 32-output tile of weights is run over the whole
        // chunk while it sits in L1 (the kernel's GEMM order), four samples per weight load.
        int chunk = Math.Min(samples, ChunkSamples);
        int xStride = _maxPaddedInputs, accStride = _maxPaddedOutputs;
        byte[] x = ArrayPool<byte>.Shared.Rent(chunk * xStride);
        int[] acc = ArrayPool<int>.Shared.Rent(chunk * accStride);
        float[] z = ArrayPool<float>.Shared.Rent(chunk * accStride);
        int[] live = ArrayPool<int>.Shared.Rent((chunk + 3) / 4 * (xStride / Int8Dense.BlockInputs));
        try
        {
            for (int s = 0; s < samples; s += chunk)
            {
                int n = Math.Min(chunk, samples - s);
                ForwardChunk(inputs.Slice(s * InputSize, n * InputSize), outputs.Slice(s * OutputSize, n * OutputSize), n, x, acc, z, live);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(x);
            ArrayPool<int>.Shared.Return(acc);
            ArrayPool<float>.Shared.Return(z);
            ArrayPool<int>.Shared.Return(live);
        }
    }

    /// <summary>Samples per chunk of <see cref="PredictBatch"/>: a multiple of 4 whose input bytes (about 32 KB) stay in L2 beside the weights.</summary>
    private int ChunkSamples => Math.Clamp(32768 / _maxPaddedInputs / 4 * 4, 4, 64);

    private void ForwardChunk(ReadOnlySpan<float> inputs, Span<float> outputs, int n, byte[] x, int[] acc, float[] z, int[] live)
    {
        int xStride = _maxPaddedInputs, accStride = _maxPaddedOutputs;
        for (int l = 0; l < _layers.Length; l++)
        {
            QuantizedDenseLayer layer = _layers[l];
            bool last = l == _layers.Length - 1;
            int paddedInputs = Int8Dense.PaddedInputs(layer.Inputs), paddedOutputs = Int8Dense.PaddedOutputs(layer.Units);
            for (int s = 0; s < n; s++)
            {
                ReadOnlySpan<float> row = l == 0 ? inputs.Slice(s * layer.Inputs, layer.Inputs) : z.AsSpan(s * accStride, layer.Inputs);
                Span<byte> xs = x.AsSpan(s * xStride, paddedInputs);
                ActivationQuantizer.Quantize(row, layer.InverseInputScale, layer.InputZeroPoint, xs);
                // Bytes past the inputs meet zero weights; cleared so that they are skipped as zero blocks.
                xs.Slice(layer.Inputs).Clear();
            }
            Int8Dense.MultiplyAccumulateBatch(_path, layer.Packed, x, xStride, acc, accStride, n, paddedInputs, paddedOutputs, live);
            for (int s = 0; s < n; s++)
            {
                Span<float> pre = last ? outputs.Slice(s * layer.Units, layer.Units) : z.AsSpan(s * accStride, layer.Units);
                ActivationQuantizer.Dequantize(acc.AsSpan(s * accStride, accStride), layer.Compensation, layer.OutputScales, layer.Bias, pre);
                ApplyActivation(layer.Activation, _leakyReluSlope, pre);
            }
        }
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
        if (threads == 1)
        {
            PredictBatch(DataConversion.Flat(x), DataConversion.Flat(result));
            return result;
        }
        // Slices of 256 samples handed out by a shared counter rather than one fixed half per thread: on a
        // machine whose cores are shared, a thread that gets less of its core takes fewer slices.
        const int Slice = 256;
        int slices = (samples + Slice - 1) / Slice, next = -1;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
        {
            int k;
            while ((k = Interlocked.Increment(ref next)) < slices)
            {
                int start = k * Slice, count = Math.Min(Slice, samples - start);
                PredictBatch(DataConversion.Flat(x).Slice(start * InputSize, count * InputSize),
                    DataConversion.Flat(result).Slice(start * OutputSize, count * OutputSize));
            }
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

    private int Samples(int length, string name) =>
        length % InputSize == 0 ? length / InputSize
            : throw new ArgumentException($"Expected a multiple of the input size {InputSize} values; got {length}.", name);
}
