using System.Text;

namespace StaticNet.Generator.Weights;

/// <summary>
/// Writes baked parameters as one C# regular string literal whose UTF-16 code units are the floats'
/// little-endian bytes. The compiler lexes one literal in a few milliseconds per million parameters
/// (one float literal per parameter took seconds) and stores it in the assembly's user-string heap;
/// at run time <c>MemoryMarshal.Cast&lt;char, float&gt;</c> reads it in place.
/// </summary>
internal static class BakedLiteral
{
    /// <summary>
    /// Code units written as <c>\uXXXX</c>: those a regular string literal cannot hold or that the
    /// compiler reads differently (<c>"</c>, <c>\</c>, the new-line characters CR, LF, U+0085, U+2028,
    /// U+2029), lone surrogates (not encodable in the UTF-8 the generated file is written and
    /// embedded in), control characters, the byte-order mark and the non-characters U+FFFE/U+FFFF
    /// (tools strip or mangle them; U+FFFF is also the compiler lexer's end-of-text sentinel), and the
    /// bidirectional-text controls (so that editors and code review show no hidden-text warnings).
    /// A fixed list, independent of the host's Unicode tables, so the output is the same everywhere.
    /// </summary>
    public static bool MustEscape(char c) =>
        c < 0x20 || (c >= 0x7F && c <= 0x9F)
        || c == '"' || c == '\\'
        || c == '\u2028' || c == '\u2029'
        || (c >= 0xD800 && c <= 0xDFFF)
        || c == '\uFEFF' || c >= 0xFFFE
        || c == '\u061C' || c == '\u200E' || c == '\u200F'
        || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);

    /// <summary>Appends <c>"..."</c> holding exactly the code units of <paramref name="bits"/>.</summary>
    public static void Append(StringBuilder builder, string bits)
    {
        builder.EnsureCapacity(builder.Length + bits.Length + bits.Length / 16 + 2);
        builder.Append('"');
        const string hex = "0123456789ABCDEF";
        int run = 0; // start of the current run of characters written as they are
        for (int i = 0; i < bits.Length; i++)
        {
            char c = bits[i];
            if (!MustEscape(c)) continue;
            builder.Append(bits, run, i - run);
            builder.Append('\\').Append('u')
                .Append(hex[c >> 12]).Append(hex[(c >> 8) & 0xF]).Append(hex[(c >> 4) & 0xF]).Append(hex[c & 0xF]);
            run = i + 1;
        }
        builder.Append(bits, run, bits.Length - run);
        builder.Append('"');
    }
}
