using System;
using System.Globalization;

namespace StaticNet.Data;

/// <summary>
/// A column of a CSV table, named by its header text or by its 0-based position. Strings and
/// integers convert to it, so <c>label: "species"</c> and <c>label: 4</c> both work, and so does a
/// mixed list such as <c>features: ["sepal_length", 1]</c>.
/// </summary>
public readonly record struct CsvColumn
{
    private CsvColumn(string? name, int index)
    {
        Name = name;
        Index = index;
    }

    /// <summary>The header text, or null when the column is given by position.</summary>
    public string? Name { get; }

    /// <summary>The 0-based position, or -1 when the column is given by name.</summary>
    public int Index { get; }

    /// <summary>The column whose header is <paramref name="name"/> (compared exactly, after trimming spaces).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public static CsvColumn Named(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new CsvColumn(name.Trim(), -1);
    }

    /// <summary>The column at 0-based position <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative.</exception>
    public static CsvColumn At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new CsvColumn(null, index);
    }

    /// <summary>Same as <see cref="Named"/>.</summary>
    public static implicit operator CsvColumn(string name) => Named(name);

    /// <summary>Same as <see cref="At"/>.</summary>
    public static implicit operator CsvColumn(int index) => At(index);

    /// <inheritdoc/>
    public override string ToString() => Name is null ? "#" + Index.ToString(CultureInfo.InvariantCulture) : $"'{Name}'";
}
