using System;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Weights;

/// <summary>
/// The parameters baked into a network as the generated string literal holds them: each float's
/// little-endian bytes as two UTF-16 code units, low half first (see <see cref="BakedLiteral"/>).
/// Held as one string so that the incremental model compares it with one ordinal string comparison
/// (a vectorized memory compare) instead of a million boxed-comparer calls, and keeps 2 bytes per char.
/// </summary>
internal readonly struct BakedParameters : IEquatable<BakedParameters>
{
    private readonly string? _bits;

    /// <param name="bits">Two code units per float: bits 0-15, then bits 16-31.</param>
    public BakedParameters(string bits) => _bits = bits;

    public static BakedParameters Empty => default;

    /// <summary>Two code units per float: bits 0-15, then bits 16-31.</summary>
    public string Bits => _bits ?? string.Empty;

    public int Count => Bits.Length / 2;

    public float this[int index] => BitConverterCompat.Int32BitsToSingle(Bits[2 * index] | Bits[2 * index + 1] << 16);

    public static BakedParameters FromFloats(float[] values)
    {
        var chars = new char[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            int bits = BitConverterCompat.SingleToInt32Bits(values[i]);
            chars[2 * i] = (char)(bits & 0xFFFF);
            chars[2 * i + 1] = (char)((bits >> 16) & 0xFFFF);
        }
        return new BakedParameters(new string(chars));
    }

    /// <summary>No parameters baked (as every pipeline step that fails answers), or the given values.</summary>
    public static implicit operator BakedParameters(EquatableArray<float> values)
    {
        var copy = new float[values.Count];
        for (int i = 0; i < copy.Length; i++) copy[i] = values[i];
        return FromFloats(copy);
    }

    public bool Equals(BakedParameters other) => string.Equals(Bits, other.Bits, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is BakedParameters other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Bits);

    public static bool operator ==(BakedParameters left, BakedParameters right) => left.Equals(right);

    public static bool operator !=(BakedParameters left, BakedParameters right) => !left.Equals(right);
}

/// <summary>
/// <c>BitConverter.SingleToInt32Bits</c> and <c>Int32BitsToSingle</c>, which netstandard2.0 lacks,
/// by value (the result does not depend on the compiler host's byte order).
/// </summary>
internal static class BitConverterCompat
{
    public static int SingleToInt32Bits(float value) => BitConverter.ToInt32(BitConverter.GetBytes(value), 0);

    public static float Int32BitsToSingle(int bits) => BitConverter.ToSingle(BitConverter.GetBytes(bits), 0);
}
