using System;
using System.Buffers;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using StaticNet.Kernels;

namespace StaticNet.Quantization;

/// <summary>
/// Networks other than dense stacks: Conv2D and Conv1D in int8 (each output position one row of the dense int8
/// kernel; small windows in float32), max pooling, average pooling and BatchNormalization in float32 between the
/// int8 layers, Flatten and Dropout as no-ops, and the dense layers in int8.
/// </summary>
public sealed partial class Int8Network
{
    /// <summary>Output positions of a convolution gathered and multiplied at once: their window bytes and sums stay in L1.</summary>
    private const int ChunkPositions = 64;

    /// <summary>
    /// One step of a network with convolutions: layer <see cref="Layer"/> of the source network (an index into its
    /// <see cref="NetworkShape.Layers"/>) as exactly one of an int8 or a float32 convolution, a max pooling, a dense
    /// layer, or another float32 layer (BatchNormalization, average pooling).
    /// </summary>
    internal sealed record Step(int Layer, QuantizedConv2DLayer? Convolution = null, Float32Convolution? FloatConvolution = null, ConvGeometry? Pooling = null,
        QuantizedDenseLayer? Dense = null, Float32Layer? Other = null)
    {
        public int OutputSize => Convolution?.Shape.OutputSize ?? FloatConvolution?.Shape.OutputSize ?? Pooling?.OutputSize ?? Other?.OutputSize ?? Dense!.Units;
    }

    /// <summary>The steps, input first, of a network with convolutions; null for a dense stack (which runs <see cref="_layers"/>).</summary>
    private readonly Step[]? _steps;
    private readonly QuantizedConv2DLayer[] _convolutions = Array.Empty<QuantizedConv2DLayer>();
    private readonly NetworkShape? _shape;   // the source network's layers (what Save writes), with convolutions
    private readonly int _inputSize, _maxValues, _maxImage, _maxWindowBytes, _maxLive, _maxSumRows = ChunkPositions;

    /// <summary>Rows of int32 sums a convolution needs at once: a chunk of gathered windows, or an output row of windows read in place (groups of four).</summary>
    private static int SumRows(QuantizedConv2DLayer c) => Math.Max(ChunkPositions, 4 * ((c.Shape.OutWidth + 3) / 4));

    private Int8Network(Step[] steps, NetworkShape shape, Int8Path path)
        : this(DenseLayers(steps), shape.LeakyReluSlope, path)
    {
        _steps = steps;
        _shape = shape;
        int inputSize = _inputSize = shape.InputSize;
        var convolutions = new List<QuantizedConv2DLayer>();
        _maxValues = inputSize;
        foreach (Step step in steps)
        {
            _maxValues = Math.Max(_maxValues, step.OutputSize);
            if (step.Convolution is { } c)
            {
                convolutions.Add(c);
                int padded = Int8Dense.PaddedInputs(c.Shape.WindowSize);
                _maxImage = Math.Max(_maxImage, c.Shape.InputSize);
                _maxWindowBytes = Math.Max(_maxWindowBytes, ChunkPositions * padded);
                _maxLive = Math.Max(_maxLive, ChunkPositions / 4 * (padded / Int8Dense.BlockInputs));
                _maxPaddedOutputs = Math.Max(_maxPaddedOutputs, Int8Dense.PaddedOutputs(c.Filters));
                _maxSumRows = Math.Max(_maxSumRows, SumRows(c));
            }
        }
        _convolutions = convolutions.ToArray();
    }

    private static QuantizedDenseLayer[] DenseLayers(Step[] steps)
    {
        var dense = new List<QuantizedDenseLayer>();
        foreach (Step s in steps) if (s.Dense is { } d) dense.Add(d);
        return dense.ToArray();
    }

    /// <summary>The source network's layers, for the ONNX exporter; null for a dense stack (whose layers are <see cref="Layers"/>).</summary>
    internal NetworkShape? SourceShape => _shape;

    /// <summary>The negative-side slope of the network's leaky ReLU layers, for the ONNX exporter.</summary>
    internal float LeakyReluSlope => _leakyReluSlope;

    /// <summary>The step of each layer of <see cref="SourceShape"/> (null for Flatten and Dropout, which have none), for saving and the ONNX exporter.</summary>
    internal Step?[] StepsByLayer()
    {
        var byLayer = new Step?[_shape?.Layers.Count ?? 0];
        foreach (Step step in _steps ?? Array.Empty<Step>()) byLayer[step.Layer] = step;
        return byLayer;
    }

    /// <summary>The convolutions, input first (none for a dense stack).</summary>
    public IReadOnlyList<QuantizedConv2DLayer> Convolutions => _convolutions;

    /// <summary>Quantizes a network other than a dense stack (convolutions, pooling, BatchNormalization): the float32 network runs layer by layer on the calibration samples for each int8 layer's input range.</summary>
    private static Int8Network QuantizeLayers(NeuralNetwork model, ReadOnlySpan<float> calibrationInputs)
    {
        NetworkShape shape = model.NetworkShape;
        IReadOnlyList<LayerInfo> layers = shape.Layers;
        for (int l = 0; l < layers.Count; l++)
        {
            LayerInfo layer = layers[l];
            if (!(layer.Kind is LayerKind.Conv2D or LayerKind.Conv1D or LayerKind.Dense or LayerKind.MaxPooling2D or LayerKind.MaxPooling1D
                    or LayerKind.Flatten or LayerKind.Dropout || Float32Layer.Handles(layer.Kind)))
                throw new NotSupportedException($"Int8Network does not quantize {layer.Kind} layers; layer {l} ({layer.Name}) is one.");
            int fanIn = layer.Kind == LayerKind.Dense ? layer.InputShape[0] : layer.Kind is LayerKind.Conv2D or LayerKind.Conv1D ? layer.Geometry.WindowHeight * layer.Geometry.WindowWidth * layer.Geometry.InChannels : 0;
            if (fanIn > MaxInputs)   // beyond it an int32 sum of 255 · 127 products could overflow
                throw new NotSupportedException($"Layer {l} ({layer.Name}) has {fanIn} inputs per output; Int8Network supports at most {MaxInputs}.");
        }

        // Each int8 layer's input range over the calibration samples, from the float32 network.
        ReadOnlySpan<float> parameters = model.ReadableParameters;
        int inputSize = shape.InputSize, largest = inputSize;
        var min = new float[layers.Count];
        var max = new float[layers.Count];
        min.AsSpan().Fill(float.PositiveInfinity);
        max.AsSpan().Fill(float.NegativeInfinity);
        var convolutions = new Float32Convolution?[layers.Count];
        var others = new Float32Layer?[layers.Count];   // BatchNormalization and average pooling: float32 in the int8 network too
        for (int l = 0; l < layers.Count; l++)
        {
            LayerInfo layer = layers[l];
            largest = Math.Max(largest, layer.Geometry.OutputSize);
            if (layer.Kind is LayerKind.Conv2D or LayerKind.Conv1D)
                convolutions[l] = new Float32Convolution(QuantizedConv2DLayer.Geometry(layer), parameters.Slice(layer.ParameterOffset, layer.WeightCount),
                    layer.UseBias ? parameters.Slice(layer.ParameterOffset + layer.WeightCount, layer.Units) : default, layer.Activation);
            else if (Float32Layer.Handles(layer.Kind))
                others[l] = Float32Layer.From(layer, parameters);
        }
        var a = new float[largest];
        var b = new float[largest];
        for (int s = 0; s < calibrationInputs.Length / inputSize; s++)
        {
            calibrationInputs.Slice(s * inputSize, inputSize).CopyTo(a);
            int size = inputSize;
            for (int l = 0; l < layers.Count; l++)
            {
                LayerInfo layer = layers[l];
                ReadOnlySpan<float> x = a.AsSpan(0, size);
                if (layer.Kind is LayerKind.Conv2D or LayerKind.Conv1D or LayerKind.Dense)
                {
                    min[l] = Math.Min(min[l], TensorPrimitives.Min(x));
                    max[l] = Math.Max(max[l], TensorPrimitives.Max(x));
                }
                int outSize = layer.Geometry.OutputSize;
                Span<float> y = b.AsSpan(0, outSize);
                switch (layer.Kind)
                {
                    case LayerKind.Conv2D or LayerKind.Conv1D:
                        convolutions[l]!.Forward(x, y);
                        ApplyConvolutionActivation(layer.Activation, shape.LeakyReluSlope, y, layer.Units);
                        break;
                    case LayerKind.Dense:
                    {
                        int fanIn = layer.InputShape[0];
                        ReadOnlySpan<float> w = parameters.Slice(layer.ParameterOffset, layer.WeightCount);
                        ReadOnlySpan<float> bias = parameters.Slice(layer.ParameterOffset + layer.WeightCount, layer.Units);
                        for (int j = 0; j < layer.Units; j++) y[j] = TensorPrimitives.Dot(w.Slice(j * fanIn, fanIn), x) + bias[j];
                        ApplyActivation(layer.Activation, shape.LeakyReluSlope, y);
                        break;
                    }
                    case LayerKind.MaxPooling2D or LayerKind.MaxPooling1D:
                        MaxPool(QuantizedConv2DLayer.Geometry(layer), x, y);
                        break;
                    case var _ when others[l] is { } other:
                        other.Forward(x, y);
                        break;
                    default:   // Flatten and Dropout (a no-op at prediction time)
                        x.CopyTo(y);
                        break;
                }
                (a, b) = (b, a);
                size = outSize;
            }
        }

        var steps = new List<Step>();
        for (int l = 0; l < layers.Count; l++)
        {
            LayerInfo layer = layers[l];
            switch (layer.Kind)
            {
                case LayerKind.Conv2D or LayerKind.Conv1D:
                    steps.Add(convolutions[l]!.Shape.WindowSize < Float32Convolution.Int8MinimumWindow
                        ? new Step(l, FloatConvolution: convolutions[l])
                        : new Step(l, Convolution: new QuantizedConv2DLayer(layer, parameters, min[l], max[l])));
                    break;
                case LayerKind.MaxPooling2D or LayerKind.MaxPooling1D:
                    steps.Add(new Step(l, Pooling: QuantizedConv2DLayer.Geometry(layer)));
                    break;
                case var _ when others[l] is { } other:
                    steps.Add(new Step(l, Other: other));
                    break;
                case LayerKind.Dense:
                {
                    int fanIn = layer.InputShape[0];
                    steps.Add(new Step(l, Dense: new QuantizedDenseLayer(parameters.Slice(layer.ParameterOffset, layer.WeightCount),
                        parameters.Slice(layer.ParameterOffset + layer.WeightCount, layer.Units), fanIn, layer.Units, layer.Activation, min[l], max[l])));
                    break;
                }
            }
        }
        return new Int8Network(steps.ToArray(), shape, Int8Path.Auto);
    }

    /// <summary>One sample through the steps of a network with convolutions; scratch from <see cref="ArrayPool{T}.Shared"/> (nothing allocated once it is warm).</summary>
    private void ForwardSteps(ReadOnlySpan<float> input, Span<float> output)
    {
        Step[] steps = _steps!;
        float[] values = ArrayPool<float>.Shared.Rent(2 * _maxValues);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(_maxImage + Math.Max(_maxWindowBytes, _maxPaddedInputs) + 2 * Slack);
        int[] ints = ArrayPool<int>.Shared.Rent(_maxSumRows * _maxPaddedOutputs + _maxLive);
        try
        {
            Span<float> a = values.AsSpan(0, _maxValues), b = values.AsSpan(_maxValues, _maxValues);
            Span<byte> image = bytes.AsSpan(0, _maxImage + Slack), windows = bytes.AsSpan(_maxImage + Slack);
            Span<int> acc = ints.AsSpan(0, _maxSumRows * _maxPaddedOutputs), live = ints.AsSpan(_maxSumRows * _maxPaddedOutputs);
            ReadOnlySpan<float> x = input;
            Activation? deferred = null;
            bool inA = false;   // whether x is in a (the input is in neither)
            for (int i = 0; i < steps.Length; i++)
            {
                Step step = steps[i];
                // Each step writes the scratch buffer its input is not in (the last one writes the output).
                inA = !inA;
                Span<float> y = i == steps.Length - 1 ? output : (inA ? a : b).Slice(0, step.OutputSize);
                if (step.FloatConvolution is { } fused && i + 2 < steps.Length && steps[i + 1].Pooling is { } next && fused.CanFusePooling(next)
                    && (fused.Activation is Activation.Linear or Activation.Relu || (fused.Activation == Activation.LeakyRelu && _leakyReluSlope >= 0)))
                {
                    // The convolution and the pooling in one pass (the activation, non-decreasing, after the pooling).
                    y = (inA ? a : b).Slice(0, next.OutputSize);
                    fused.ForwardPooled(next, x, y);
                    ApplyActivation(fused.Activation, _leakyReluSlope, y);
                    x = y;
                    i++;
                    continue;
                }
                if (step.Convolution is not null || step.FloatConvolution is not null)
                {
                    if (step.Convolution is { } conv) Convolve(conv, x, y, image, windows, acc, live);
                    else step.FloatConvolution!.Forward(x, y);
                    Activation activation = step.Convolution?.Activation ?? step.FloatConvolution!.Activation;
                    // ReLU and leaky ReLU (with a slope of at least 0) commute with a max pooling after them (they are
                    // non-decreasing, exactly): applied to the pooled values, a quarter as many for 2x2 windows.
                    if (i + 1 < steps.Length && steps[i + 1].Pooling is not null
                        && (activation == Activation.Relu || (activation == Activation.LeakyRelu && _leakyReluSlope >= 0)))
                        deferred = activation;
                    else
                        ApplyConvolutionActivation(activation, _leakyReluSlope, y, step.Convolution?.Filters ?? step.FloatConvolution!.Shape.Filters);
                }
                else if (step.Pooling is { } pool)
                {
                    MaxPool(pool, x, y);
                    if (deferred is { } activation)
                    {
                        ApplyActivation(activation, _leakyReluSlope, y);
                        deferred = null;
                    }
                }
                else if (step.Other is { } other)
                {
                    other.Forward(x, y);
                }
                else
                {
                    QuantizedDenseLayer dense = step.Dense!;
                    PreActivations(dense, x, windows, acc, y);
                    ApplyActivation(dense.Activation, _leakyReluSlope, y);
                }
                x = y;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<int>.Shared.Return(ints);
        }
    }

    /// <summary>
    /// A convolution's pre-activations: the input quantized once, then every output position's window through the int8
    /// dense kernel, four positions per weight load: read where it lies in the quantized input (VNNI paths, windows
    /// inside the input made of whole 16-byte blocks), or else gathered into rows, chunk by chunk (padding holds the
    /// zero point, which stands for 0).
    /// </summary>
    private void Convolve(QuantizedConv2DLayer conv, ReadOnlySpan<float> input, Span<float> z, Span<byte> image, Span<byte> windows, Span<int> acc, Span<int> live)
    {
        ConvGeometry g = conv.Shape;
        QuantizedDenseLayer k = conv.Kernel;
        int window = g.WindowSize, filters = g.Filters;
        int paddedInputs = Int8Dense.PaddedInputs(window), paddedOutputs = Int8Dense.PaddedOutputs(filters);
        ActivationQuantizer.Quantize(input, k.InverseInputScale, k.InputZeroPoint, image);
        if (conv.BlockOffsets is { } offsets && Int8Dense.HasWindowKernel(_path))
        {
            // Windows read where they lie: an output row at a time, in groups of four neighbouring positions (the last
            // four shifted left to end at the row's end; integer sums, so the columns computed twice get the same values).
            int xStride = g.StrideWidth * g.InChannels, groups = (g.OutWidth + 3) / 4, whole = g.OutWidth / 4;
            Span<int> starts = groups <= 1024 ? stackalloc int[groups] : new int[groups];
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int q = 0; q < groups; q++)
                    starts[q] = (oy * g.StrideHeight * g.InWidth + Math.Min(4 * q, g.OutWidth - 4) * g.StrideWidth) * g.InChannels;
                Int8Dense.MultiplyAccumulateWindows(_path, k.Packed, image, starts, xStride, offsets, acc, paddedOutputs, paddedOutputs);
                ActivationQuantizer.DequantizeRows(acc, paddedOutputs, k.Compensation, k.OutputScales, k.Bias,
                    z.Slice(oy * g.OutWidth * filters, 4 * whole * filters), filters);
                if (whole < groups)
                    ActivationQuantizer.DequantizeRows(acc.Slice(4 * whole * paddedOutputs), paddedOutputs, k.Compensation, k.OutputScales, k.Bias,
                        z.Slice((oy * g.OutWidth + g.OutWidth - 4) * filters, 4 * filters), filters);
            }
            return;
        }
        byte zeroPoint = (byte)k.InputZeroPoint;
        for (int p0 = 0; p0 < g.Positions; p0 += ChunkPositions)
        {
            int n = Math.Min(ChunkPositions, g.Positions - p0);
            Gather(g, image, p0, n, windows, paddedInputs, zeroPoint);
            Int8Dense.MultiplyAccumulateBatch(_path, k.Packed, windows, paddedInputs, acc, paddedOutputs, n, paddedInputs, paddedOutputs, live);
            ActivationQuantizer.DequantizeRows(acc, paddedOutputs, k.Compensation, k.OutputScales, k.Bias, z.Slice(p0 * filters, n * filters), filters);
        }
    }

    /// <summary>Bytes the scratch buffers hold past their data: <see cref="Gather"/> copies in whole vectors of up to 64 bytes.</summary>
    private const int Slack = 64;

    /// <summary>
    /// The window bytes of output positions <paramref name="first"/> .. + <paramref name="count"/> into rows of
    /// <paramref name="paddedInputs"/> bytes, each followed by zeros (they meet zero weights and count as zero
    /// blocks). A window inside the input is copied a kernel row at a time in whole 64-byte (or 32-byte) vectors, each overshooting
    /// into bytes written after it; so <paramref name="image"/> and <paramref name="rows"/> need <see cref="Slack"/>
    /// bytes past their data.
    /// </summary>
    private static void Gather(in ConvGeometry g, Span<byte> image, int first, int count, Span<byte> rows, int paddedInputs, byte zeroPoint)
    {
        if (image.Length < g.InputSize + Slack || rows.Length < count * paddedInputs + Slack)
            throw new ArgumentException($"Expected {Slack} bytes of slack past the image and the rows.");
        int window = g.WindowSize, outWidth = g.OutWidth, inHeight = g.InHeight, inWidth = g.InWidth, cin = g.InChannels;
        int kh = g.WindowHeight, kw = g.WindowWidth, sh = g.StrideHeight, sw = g.StrideWidth;
        int run = kw * cin, stride = inWidth * cin;
        ref byte src0 = ref MemoryMarshal.GetReference(image);
        ref byte dst0 = ref MemoryMarshal.GetReference(rows);
        int oy = first / outWidth, ox = first - oy * outWidth;
        for (int i = 0; i < count; i++)
        {
            ref byte dst = ref Unsafe.Add(ref dst0, i * paddedInputs);
            int iy0 = oy * sh - g.PadTop, ix0 = ox * sw - g.PadLeft;
            if (iy0 >= 0 && iy0 + kh <= inHeight && ix0 >= 0 && ix0 + kw <= inWidth)
            {
                ref byte src = ref Unsafe.Add(ref src0, iy0 * stride + ix0 * cin);
                for (int ky = 0; ky < kh; ky++)
                {
                    ref byte from = ref Unsafe.Add(ref src, ky * stride);
                    ref byte to = ref Unsafe.Add(ref dst, ky * run);
                    if (Vector512.IsHardwareAccelerated)
                        for (int j = 0; j < run; j += Vector512<byte>.Count)
                            Vector512.LoadUnsafe(ref from, (nuint)j).StoreUnsafe(ref to, (nuint)j);
                    else
                        for (int j = 0; j < run; j += Vector256<byte>.Count)
                            Vector256.LoadUnsafe(ref from, (nuint)j).StoreUnsafe(ref to, (nuint)j);
                }
            }
            else
            {
                g.Window<byte>(image.Slice(0, g.InputSize), first + i, rows.Slice(i * paddedInputs, window), zeroPoint);
            }
            for (int j = window; j < paddedInputs; j += Vector256<byte>.Count)
                Vector256<byte>.Zero.StoreUnsafe(ref dst, (nuint)j);
            if (++ox == outWidth)
            {
                ox = 0;
                oy++;
            }
        }
    }

    /// <summary>Layer <paramref name="convolution"/>'s int8 pre-activations for one float input (tests check the error bound).</summary>
    internal void ConvolutionPreActivations(int convolution, ReadOnlySpan<float> input, Span<float> z)
    {
        QuantizedConv2DLayer conv = _convolutions[convolution];
        var image = new byte[conv.Shape.InputSize + Slack];
        var windows = new byte[ChunkPositions * Int8Dense.PaddedInputs(conv.Shape.WindowSize) + Slack];
        var acc = new int[SumRows(conv) * Int8Dense.PaddedOutputs(conv.Filters)];
        var live = new int[ChunkPositions / 4 * (Int8Dense.PaddedInputs(conv.Shape.WindowSize) / Int8Dense.BlockInputs)];
        Convolve(conv, input, z, image, windows, acc, live);
    }

    /// <summary>A convolution's activation: as a dense layer's, but softmax over each position's filters (Keras's last axis).</summary>
    private static void ApplyConvolutionActivation(Activation activation, float leakyReluSlope, Span<float> values, int filters)
    {
        if (activation == Activation.Softmax) Softmax.ApplyRows(values, filters);
        else ApplyActivation(activation, leakyReluSlope, values);
    }

    /// <summary>
    /// Max pooling over a channels-last input (Keras MaxPooling2D and MaxPooling1D): window positions outside
    /// the input are left out, as Keras's 'same' padding does. The rule of the float32 kernel
    /// (<see cref="MaxPooling2D"/>): the first value in scan order, replaced by each later one that is greater.
    /// </summary>
    private static void MaxPool(ConvGeometry g, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length < g.InputSize || y.Length < g.OutputSize) throw new ArgumentException($"Expected {g.InputSize} inputs and room for {g.OutputSize} outputs.");
        int channels = g.Filters;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated && channels % Vector512<float>.Count == 0 && g.WindowHeight == 2 && g.WindowWidth == 2
            && g.StrideHeight == 2 && g.StrideWidth == 2 && g.PadTop == 0 && g.PadLeft == 0 && 2 * g.OutHeight <= g.InHeight && 2 * g.OutWidth <= g.InWidth)
        {
            // The common layer (2x2 windows at stride 2, every window inside): the float32 kernel's loop.
            MaxPooling2D.ForwardTwoByTwo(ref xr, ref yr, 1, g.InHeight, g.InWidth, channels, g.OutHeight, g.OutWidth);
            return;
        }
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                var (iy0, iy1, ix0, ix1) = g.Inside(oy, ox);
                ref float o = ref Unsafe.Add(ref yr, (oy * g.OutWidth + ox) * channels);
                ref float first = ref Unsafe.Add(ref xr, (iy0 * g.InWidth + ix0) * channels);
                int c = 0;
                if (Vector512.IsHardwareAccelerated)
                    for (; c <= channels - Vector512<float>.Count; c += Vector512<float>.Count)
                    {
                        var best = Vector512.LoadUnsafe(ref first, (nuint)c);
                        for (int iy = iy0; iy < iy1; iy++)
                            for (int ix = ix0; ix < ix1; ix++)
                            {
                                var v = Vector512.LoadUnsafe(ref xr, (nuint)((iy * g.InWidth + ix) * channels + c));
                                best = Vector512.ConditionalSelect(Vector512.GreaterThan(v, best), v, best);
                            }
                        best.StoreUnsafe(ref o, (nuint)c);
                    }
                if (Vector256.IsHardwareAccelerated)
                    for (; c <= channels - Vector256<float>.Count; c += Vector256<float>.Count)
                    {
                        var best = Vector256.LoadUnsafe(ref first, (nuint)c);
                        for (int iy = iy0; iy < iy1; iy++)
                            for (int ix = ix0; ix < ix1; ix++)
                            {
                                var v = Vector256.LoadUnsafe(ref xr, (nuint)((iy * g.InWidth + ix) * channels + c));
                                best = Vector256.ConditionalSelect(Vector256.GreaterThan(v, best), v, best);
                            }
                        best.StoreUnsafe(ref o, (nuint)c);
                    }
                for (; c < channels; c++)
                {
                    float best = Unsafe.Add(ref first, c);
                    for (int iy = iy0; iy < iy1; iy++)
                        for (int ix = ix0; ix < ix1; ix++)
                        {
                            float v = Unsafe.Add(ref xr, (iy * g.InWidth + ix) * channels + c);
                            if (v > best) best = v;
                        }
                    Unsafe.Add(ref o, c) = best;
                }
            }
        }
    }
}
