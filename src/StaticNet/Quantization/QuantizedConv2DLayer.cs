using System;
using StaticNet.Kernels;

namespace StaticNet.Quantization;

/// <summary>
/// One convolution of an <see cref="Int8Network"/> (Conv2D, or Conv1D as height 1): int8 weights with
/// one scale per filter, float32 biases, and the calibrated scale and zero point of its input bytes.
/// </summary>
/// <remarks>
/// <para>Each output position is a dense layer over its window: the window's inputs in (row, column,
/// channel) order, kernel height x kernel width x input channels of them, times the filters' weights in
/// the same order. The layer runs exactly so (the input quantized once, each window's bytes gathered
/// into a row, the rows multiplied by the int8 dense kernel, four positions per weight load), and
/// its weights, scales and error bound are those of <see cref="QuantizedDenseLayer"/> for that row.</para>
/// <para>Window positions outside the input ('same' padding) hold the zero point, which stands for
/// exactly 0, so padding adds no error.</para>
/// </remarks>
public sealed class QuantizedConv2DLayer
{
    /// <summary>The layer as one dense row per output position: units = filters, inputs = the window's values.</summary>
    internal readonly QuantizedDenseLayer Kernel;

    internal QuantizedConv2DLayer(LayerInfo layer, ReadOnlySpan<float> parameters, float inputMin, float inputMax)
        : this(Geometry(layer), layer.Activation, Quantize(layer, parameters, inputMin, inputMax))
    {
    }

    /// <summary>A layer from its stored int8 form (<see cref="Int8Network.Load(string)"/>): <paramref name="kernel"/> is its dense row form, as <see cref="Kernel"/>.</summary>
    internal QuantizedConv2DLayer(LayerInfo layer, QuantizedDenseLayer kernel)
        : this(Geometry(layer), layer.Activation, kernel)
    {
    }

    private QuantizedConv2DLayer(ConvGeometry geometry, Activation activation, QuantizedDenseLayer kernel)
    {
        Shape = geometry;
        Activation = activation;
        Kernel = kernel;
        // Windows read in place (no gathering) when every window lies inside the input and a kernel row's bytes
        // are whole blocks of 16: block k's inputs are then 16 contiguous bytes of one input row.
        int run = geometry.WindowWidth * geometry.InChannels;
        if (geometry.PadTop == 0 && geometry.PadLeft == 0 && geometry.Padding == Padding.Valid && run % Int8Dense.BlockInputs == 0 && geometry.OutWidth >= 4)
        {
            int perRow = run / Int8Dense.BlockInputs;
            BlockOffsets = new int[geometry.WindowHeight * perRow];
            for (int k = 0; k < BlockOffsets.Length; k++)
                BlockOffsets[k] = k / perRow * geometry.InWidth * geometry.InChannels + k % perRow * Int8Dense.BlockInputs;
        }
    }

    /// <summary>Byte offsets of the window's blocks of 16 inputs from its first byte in the quantized input, when windows can be read in place; else null.</summary>
    internal readonly int[]? BlockOffsets;

    /// <summary>The geometry a convolution needs at prediction time, from a resolved layer.</summary>
    internal static ConvGeometry Geometry(LayerInfo layer)
    {
        var g = layer.Geometry;
        return new ConvGeometry(g.InHeight, g.InWidth, g.InChannels, g.OutHeight, g.OutWidth, g.OutChannels,
            g.WindowHeight, g.WindowWidth, g.StrideHeight, g.StrideWidth, g.PadTop, g.PadLeft, layer.Padding);
    }

    // Keras's kernel [kh, kw, cin, filters] as dense rows [filters][kh, kw, cin]; no bias (use_bias=False) is a bias of 0.
    private static QuantizedDenseLayer Quantize(LayerInfo layer, ReadOnlySpan<float> parameters, float inputMin, float inputMax)
    {
        ConvGeometry g = Geometry(layer);
        float[] rows = DenseRows(parameters.Slice(layer.ParameterOffset, layer.WeightCount), g);
        float[] bias = layer.UseBias ? parameters.Slice(layer.ParameterOffset + layer.WeightCount, g.Filters).ToArray() : new float[g.Filters];
        return new QuantizedDenseLayer(rows, bias, g.WindowSize, g.Filters, layer.Activation, inputMin, inputMax);
    }

    /// <summary>Keras's kernel [kh, kw, cin, filters] as row-major [filters x window] rows.</summary>
    internal static float[] DenseRows(ReadOnlySpan<float> kernel, ConvGeometry g)
    {
        int window = g.WindowSize, filters = g.Filters;
        if (kernel.Length != window * filters)
            throw new ArgumentException($"Expected {window * filters} kernel weights; got {kernel.Length}.", nameof(kernel));
        var rows = new float[filters * window];
        for (int i = 0; i < window; i++)
            for (int f = 0; f < filters; f++)
                rows[f * window + i] = kernel[i * filters + f];
        return rows;
    }

    internal ConvGeometry Shape { get; }

    /// <summary>The input's (height, width, channels); height 1 for Conv1D.</summary>
    public (int Height, int Width, int Channels) InputShape => (Shape.InHeight, Shape.InWidth, Shape.InChannels);

    /// <summary>The output's (height, width, filters).</summary>
    public (int Height, int Width, int Channels) OutputShape => (Shape.OutHeight, Shape.OutWidth, Shape.Filters);

    /// <summary>The filters (output channels).</summary>
    public int Filters => Shape.Filters;

    /// <summary>The kernel's (height, width).</summary>
    public (int Height, int Width) Window => (Shape.WindowHeight, Shape.WindowWidth);

    /// <summary>The strides (height, width).</summary>
    public (int Height, int Width) Strides => (Shape.StrideHeight, Shape.StrideWidth);

    /// <summary>The border rule: 'valid' or 'same' (zeros around the input).</summary>
    public Padding Padding => Shape.Padding;

    /// <summary>The activation applied (in float32) to the pre-activations; softmax over each position's filters.</summary>
    public Activation Activation { get; }

    /// <summary>s_x: the step between two input byte values.</summary>
    public float InputScale => Kernel.InputScale;

    /// <summary>z: the input byte that stands for 0 (and fills the 'same' padding).</summary>
    public int InputZeroPoint => Kernel.InputZeroPoint;

    /// <summary>The smallest input the bytes represent; smaller inputs saturate to it.</summary>
    public float InputMin => Kernel.InputMin;

    /// <summary>The largest input the bytes represent; larger inputs saturate to it.</summary>
    public float InputMax => Kernel.InputMax;

    /// <summary>s_w[f] for each filter.</summary>
    public ReadOnlySpan<float> WeightScales => Kernel.WeightScales;

    /// <summary>The float32 biases (zeros for a layer without biases).</summary>
    public ReadOnlySpan<float> Bias => Kernel.Bias;

    /// <summary>The int8 weights, row-major [filters x kernel height x kernel width x input channels].</summary>
    public ReadOnlySpan<sbyte> QuantizedWeights => Kernel.QuantizedWeights;

    /// <summary>The bytes of the int8 weights.</summary>
    public int WeightBytes => Kernel.WeightBytes;

    /// <summary>
    /// The documented bound on |ẑ − z| for every output value (output height x width x filters,
    /// channels last) of one input <paramref name="input"/> (height x width x channels): the bound of
    /// <see cref="QuantizedDenseLayer.PreActivationErrorBound"/> for each position's window, where
    /// padding is exact. <paramref name="kernel"/> is the layer's float32 kernel in Keras's
    /// [kernel height, kernel width, input channels, filters] order (the one quantized).
    /// </summary>
    public void PreActivationErrorBound(ReadOnlySpan<float> kernel, ReadOnlySpan<float> input, Span<float> bound)
    {
        ConvGeometry g = Shape;
        if (input.Length != g.InputSize) throw new ArgumentException($"Expected {g.InputSize} inputs; got {input.Length}.", nameof(input));
        if (bound.Length != g.OutputSize) throw new ArgumentException($"Expected room for {g.OutputSize} bounds; got {bound.Length}.", nameof(bound));
        float[] rows = DenseRows(kernel, g);
        var window = new float[g.WindowSize];
        for (int p = 0; p < g.Positions; p++)
        {
            g.Window(input, p, window, 0f);
            Kernel.PreActivationErrorBound(rows, window, bound.Slice(p * g.Filters, g.Filters));
        }
    }
}
