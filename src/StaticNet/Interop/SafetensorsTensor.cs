using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticNet.Interop;

/// <summary>One tensor of a safetensors file as 32-bit floats: its shape and its values in row-major order.</summary>
public sealed class SafetensorsTensor
{
    private readonly int[] _shape;

    /// <summary>Creates a tensor; the number of values must be the product of the dimensions.</summary>
    /// <param name="shape">The dimensions (empty for a scalar); each ≥ 0.</param>
    /// <param name="data">The values in row-major order (kept, not copied).</param>
    /// <exception cref="ArgumentException">A dimension is negative or <paramref name="data"/> has the wrong length.</exception>
    public SafetensorsTensor(int[] shape, float[] data)
        : this(shape, data, "F32")
    {
    }

    internal SafetensorsTensor(int[] shape, float[] data, string storedDType)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"Tensor dimensions must be >= 0; got {FormatShape(shape)}.", nameof(shape));
        long count = ElementCount(shape);
        if (count != data.Length)
            throw new ArgumentException(
                $"A tensor of shape {FormatShape(shape)} holds {(count < 0 ? "more than " + long.MaxValue : count)} values; got {data.Length}.", nameof(data));
        _shape = (int[])shape.Clone();
        Data = data;
        StoredDType = storedDType;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The values in row-major order.</summary>
    public float[] Data { get; }

    /// <summary>The dtype the values had in the file (<c>"F32"</c>, or <c>"F16"</c>, <c>"BF16"</c>, <c>"F64"</c> converted to float).</summary>
    public string StoredDType { get; }

    /// <summary>For example <c>[8, 10]</c>.</summary>
    public override string ToString() => $"{StoredDType} {FormatShape(_shape)}";

    /// <summary>The product of non-negative dimensions, or -1 when it does not fit in a long.</summary>
    internal static long ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
            if (d == 0) return 0;
        foreach (int d in shape)
        {
            if (count > long.MaxValue / d) return -1;
            count *= d;
        }
        return count;
    }

    internal static string FormatShape(IReadOnlyList<int> shape)
    {
        var parts = new string[shape.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", parts) + "]";
    }
}
