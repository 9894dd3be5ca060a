using System.Text;

namespace StaticNet.Generator.Weights;

/// <summary>
/// Writes baked parameters as C# regular string literals whose UTF-16 code units are the floats'
/// little-endian bytes. The compiler lexes them in tens of milliseconds per million parameters (one
/// float literal per parameter took tens of seconds) and stores them in the assembly's user-string
/// heap; at run time <c>MemoryMarshal.Cast&lt;char, float&gt;</c> reads them in place.
/// </summary>
internal static class BakedLiteral
{
    /// <summary>
    /// Floats per literal. Compilers before Roslyn 4.8 (.NET 7 SDKs) lex one very long literal in
    /// more than linear time (2M chars: 2-5 s with Roslyn 4.3.1 and 4.5, against 40 ms in pieces of
    /// 32K chars); newer ones take either in the same time.
    /// </summary>
    public const int ChunkFloats = 16384;

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
    public static void Append(StringBuilder builder, string bits) => Append(builder, bits, 0, bits.Length);

    /// <summary>Appends <c>"..."</c> holding exactly <paramref name="length"/> code units of <paramref name="bits"/> from <paramref name="start"/>.</summary>
    public static void Append(StringBuilder builder, string bits, int start, int length)
    {
        builder.EnsureCapacity(builder.Length + length + length / 16 + 2);
        builder.Append('"');
        const string hex = "0123456789ABCDEF";
        int run = start; // start of the current run of characters written as they are
        for (int i = start; i < start + length; i++)
        {
            char c = bits[i];
            if (!MustEscape(c)) continue;
            builder.Append(bits, run, i - run);
            builder.Append('\\').Append('u')
                .Append(hex[c >> 12]).Append(hex[(c >> 8) & 0xF]).Append(hex[(c >> 4) & 0xF]).Append(hex[c & 0xF]);
            run = i + 1;
        }
        builder.Append(bits, run, start + length - run);
        builder.Append('"');
    }
}
