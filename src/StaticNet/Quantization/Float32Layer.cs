using System;
using System.Runtime.InteropServices;

namespace StaticNet.Quantization;

/// <summary>
/// A layer an <see cref="Int8Network"/> runs in float32 between its int8 layers, with the runtime's inference
/// formulas: BatchNormalization (y = (x − moving mean) · γ / √(moving variance + ε) + β per channel), average
/// pooling over the valid positions of each window, and global average pooling. They have few or no weights and
/// do a few operations per value, so int8 would save nothing.
/// </summary>
internal sealed class Float32Layer
{
    private readonly float[]? _center, _scale, _offset;   // BatchNormalization, per channel

    private Float32Layer(LayerKind kind, ConvGeometry shape, float[]? center, float[]? scale, float[]? offset)
    {
        Kind = kind;
        Shape = shape;
        _center = center;
        _scale = scale;
        _offset = offset;
    }

    /// <summary>Whether layers of <paramref name="kind"/> run as this class: BatchNormalization and average and global average pooling.</summary>
    public static bool Handles(LayerKind kind) => kind is LayerKind.BatchNormalization or LayerKind.AveragePooling2D or LayerKind.AveragePooling1D
        or LayerKind.GlobalAveragePooling2D or LayerKind.GlobalAveragePooling1D;

    /// <summary>BatchNormalization, AveragePooling2D/1D or GlobalAveragePooling2D/1D from a resolved layer and the network's parameters.</summary>
    public static Float32Layer From(LayerInfo layer, ReadOnlySpan<float> parameters)
    {
        ConvGeometry shape = QuantizedConv2DLayer.Geometry(layer);
        if (layer.Kind != LayerKind.BatchNormalization)
            return new Float32Layer(layer.Kind, shape, null, null, null);
        int channels = shape.InChannels, at = layer.ParameterOffset;
        ReadOnlySpan<float> gamma = parameters.Slice(at, channels), beta = parameters.Slice(at + channels, channels);
        ReadOnlySpan<float> mean = parameters.Slice(at + 2 * channels, channels), variance = parameters.Slice(at + 3 * channels, channels);
        var scale = new float[channels];
        for (int c = 0; c < channels; c++)
            scale[c] = (float)(gamma[c] / Math.Sqrt((double)variance[c] + layer.Epsilon));   // as Kernels.BatchNormalization.ForwardInference
        return new Float32Layer(layer.Kind, shape, mean.ToArray(), scale, beta.ToArray());
    }

    /// <summary>A BatchNormalization from its stored form: y = (x − center) · scale + offset per channel.</summary>
    public static Float32Layer Normalization(LayerInfo layer, float[] center, float[] scale, float[] offset) =>
        new(LayerKind.BatchNormalization, QuantizedConv2DLayer.Geometry(layer), center, scale, offset);

    public LayerKind Kind { get; }

    /// <summary>The input's shape (height 1 for 1-D inputs, height and width 1 for a dense input) and, for pooling, the window.</summary>
    public ConvGeometry Shape { get; }

    /// <summary>BatchNormalization's per-channel center, scale and offset (what <see cref="Int8Network.Save(string)"/> writes).</summary>
    public ReadOnlySpan<float> Center => _center;
    public ReadOnlySpan<float> Scale => _scale;
    public ReadOnlySpan<float> Offset => _offset;

    public int OutputSize => Kind switch
    {
        LayerKind.BatchNormalization => Shape.InputSize,
        LayerKind.GlobalAveragePooling2D or LayerKind.GlobalAveragePooling1D => Shape.InChannels,
        _ => Shape.OutputSize,
    };

    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        ConvGeometry g = Shape;
        if (x.Length < g.InputSize || y.Length < OutputSize) throw new ArgumentException($"Expected {g.InputSize} inputs and room for {OutputSize} outputs.");
        int channels = g.InChannels;
        switch (Kind)
        {
            case LayerKind.BatchNormalization:
                Kernels.BatchNormalization.Normalize(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y), g.InputSize / channels, channels,
                    ref MemoryMarshal.GetArrayDataReference(_center!), ref MemoryMarshal.GetArrayDataReference(_scale!), ref MemoryMarshal.GetArrayDataReference(_offset!));
                break;
            case LayerKind.GlobalAveragePooling2D or LayerKind.GlobalAveragePooling1D:
            {
                int positions = g.InputSize / channels;
                Span<float> sum = y.Slice(0, channels);
                x.Slice(0, channels).CopyTo(sum);
                for (int p = 1; p < positions; p++) Add(x.Slice(p * channels, channels), sum);
                for (int c = 0; c < channels; c++) sum[c] /= positions;
                break;
            }
            default:   // average pooling over the window's positions inside the input (Keras's 'same' excludes the padding)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        var (iy0, iy1, ix0, ix1) = g.Inside(oy, ox);
                        Span<float> o = y.Slice((oy * g.OutWidth + ox) * channels, channels);
                        o.Clear();
                        for (int iy = iy0; iy < iy1; iy++)
                            for (int ix = ix0; ix < ix1; ix++)
                                Add(x.Slice((iy * g.InWidth + ix) * channels, channels), o);
                        float count = (iy1 - iy0) * (ix1 - ix0);
                        for (int c = 0; c < channels; c++) o[c] /= count;
                    }
                break;
        }
    }

    private static void Add(ReadOnlySpan<float> x, Span<float> sum)
    {
        for (int c = 0; c < sum.Length; c++) sum[c] += x[c];
    }
}
