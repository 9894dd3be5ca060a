using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace StaticNet;

/// <summary>
/// Python's number formatting, digit for digit, for the text Keras prints: <c>f"{v:.4f}"</c>,
/// <c>f"{v:.4e}"</c> and <c>f"{v:.0f}"</c> round the exact binary value half-to-even (where
/// .NET rounds ties away from zero), print <c>nan</c>/<c>inf</c>, keep the sign of −0, and give
/// the exponent at least two digits. Runs only when text is printed, never per training step.
/// </summary>
internal static class PyFormat
{
    /// <summary>Python's <c>format(value, f".{decimals}f")</c>.</summary>
    public static string Fixed(double value, int decimals)
    {
        if (!double.IsFinite(value)) return NonFinite(value);
        bool negative = double.IsNegative(value);
        Rational(Math.Abs(value), out BigInteger num, out BigInteger den);
        BigInteger q = RoundHalfEven(num * BigInteger.Pow(10, decimals), den);
        string digits = q.ToString(CultureInfo.InvariantCulture);
        if (decimals > 0)
        {
            if (digits.Length <= decimals) digits = new string('0', decimals + 1 - digits.Length) + digits;
            digits = digits.Insert(digits.Length - decimals, ".");
        }
        return negative ? "-" + digits : digits;
    }

    /// <summary>Python's <c>format(value, f".{decimals}e")</c>, such as <c>1.2346e-05</c>.</summary>
    public static string Exponent(double value, int decimals)
    {
        if (!double.IsFinite(value)) return NonFinite(value);
        bool negative = double.IsNegative(value);
        double magnitude = Math.Abs(value);
        string mantissa;
        int exponent = 0;
        if (magnitude == 0)
        {
            mantissa = decimals > 0 ? "0." + new string('0', decimals) : "0";
        }
        else
        {
            Rational(magnitude, out BigInteger num, out BigInteger den);
            BigInteger low = BigInteger.Pow(10, decimals), high = low * 10;
            exponent = (int)Math.Floor(Math.Log10(magnitude));
            BigInteger q;
            while (true)
            {
                int shift = decimals - exponent;
                q = shift >= 0
                    ? RoundHalfEven(num * BigInteger.Pow(10, shift), den)
                    : RoundHalfEven(num, den * BigInteger.Pow(10, -shift));
                if (q >= high) exponent++;
                else if (q < low) exponent--;
                else break;
            }
            string digits = q.ToString(CultureInfo.InvariantCulture);
            mantissa = decimals > 0 ? digits[..1] + "." + digits[1..] : digits;
        }
        string exp = (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        return (negative ? "-" : "") + mantissa + "e" + exp;
    }

    /// <summary>
    /// Python's <c>str(float)</c>/<c>repr(float)</c>: the shortest digits that round-trip, in fixed
    /// notation (with <c>.0</c> on whole numbers) when the decimal exponent is in [-4, 16), else as
    /// <c>1e+16</c> / <c>1.5e-05</c>.
    /// </summary>
    public static string Repr(double value)
    {
        if (!double.IsFinite(value)) return NonFinite(value);
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";
        // "E16" is not shortest; "R" is (since .NET Core 3.0) but picks its own notation: read its digits.
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int exp10 = 0;
        int e = r.IndexOfAny(new[] { 'E', 'e' });
        if (e >= 0)
        {
            exp10 = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        int point = r.IndexOf('.');
        string intPart = point < 0 ? r : r[..point], fracPart = point < 0 ? "" : r[(point + 1)..];
        string digits = (intPart + fracPart).TrimStart('0');
        int leadingZeros = (intPart + fracPart).Length - digits.Length;
        // Position of the decimal point relative to the first significant digit.
        int decimalPoint = intPart.Length - leadingZeros + exp10;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        int sciExp = decimalPoint - 1;
        string body;
        if (sciExp >= -4 && sciExp < 16)
        {
            if (decimalPoint <= 0) body = "0." + new string('0', -decimalPoint) + digits;
            else if (decimalPoint >= digits.Length) body = digits + new string('0', decimalPoint - digits.Length) + ".0";
            else body = digits[..decimalPoint] + "." + digits[decimalPoint..];
        }
        else
        {
            string mant = digits.Length == 1 ? digits : digits[..1] + "." + digits[1..];
            body = mant + "e" + (sciExp < 0 ? "-" : "+") + Math.Abs(sciExp).ToString("00", CultureInfo.InvariantCulture);
        }
        return value < 0 ? "-" + body : body;
    }

    /// <summary>Python's <c>"%d" % value</c> for a float: truncates toward zero.</summary>
    public static string Truncated(double value) => ((long)value).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Python's <c>str.format</c> for the named fields of a path template, as Keras's
    /// <c>ModelCheckpoint</c> fills <c>"weights.{epoch:02d}-{val_loss:.2f}.bin"</c>: fields are
    /// <c>{name}</c> or <c>{name:spec}</c> with the spec <c>[[fill]align][sign][0][width][.precision][type]</c>,
    /// type one of <c>d f F e E g G %</c> or none; <c>{{</c> and <c>}}</c> are literal braces.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A field names a value that is not there.</exception>
    /// <exception cref="FormatException">The template or a spec is malformed, or <c>d</c> is applied to a fractional value.</exception>
    public static string FormatFields(string template, Func<string, (bool Found, double Value, bool IsInteger)> lookup)
    {
        var sb = new StringBuilder(template.Length + 16);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c == '}')
            {
                if (i + 1 < template.Length && template[i + 1] == '}') { sb.Append('}'); i++; continue; }
                throw new FormatException($"Single '}}' at position {i} of \"{template}\"; write '}}}}' for a literal brace.");
            }
            if (c != '{') { sb.Append(c); continue; }
            if (i + 1 < template.Length && template[i + 1] == '{') { sb.Append('{'); i++; continue; }
            int close = template.IndexOf('}', i + 1);
            if (close < 0) throw new FormatException($"Unclosed '{{' at position {i} of \"{template}\".");
            string field = template.Substring(i + 1, close - i - 1);
            int colon = field.IndexOf(':');
            string name = colon < 0 ? field : field[..colon];
            string spec = colon < 0 ? "" : field[(colon + 1)..];
            var (found, value, isInteger) = lookup(name);
            if (!found) throw new KeyNotFoundException($"The path \"{template}\" names '{{{name}}}', which is not among the values available.");
            sb.Append(FormatSpec(value, isInteger, spec, template));
            i = close;
        }
        return sb.ToString();
    }

    private static string FormatSpec(double value, bool isInteger, string spec, string template)
    {
        int p = 0;
        char fill = ' ';
        char align = '\0';
        if (spec.Length >= 2 && spec[1] is '<' or '>' or '^' or '=') { fill = spec[0]; align = spec[1]; p = 2; }
        else if (spec.Length >= 1 && spec[0] is '<' or '>' or '^' or '=') { align = spec[0]; p = 1; }
        char sign = '-';
        if (p < spec.Length && spec[p] is '+' or '-' or ' ') sign = spec[p++];
        if (p < spec.Length && spec[p] == '0' && align == '\0') { fill = '0'; align = '='; p++; }
        int width = 0;
        while (p < spec.Length && char.IsAsciiDigit(spec[p])) width = width * 10 + (spec[p++] - '0');
        int precision = -1;
        if (p < spec.Length && spec[p] == '.')
        {
            p++;
            precision = 0;
            int start = p;
            while (p < spec.Length && char.IsAsciiDigit(spec[p])) precision = precision * 10 + (spec[p++] - '0');
            if (p == start) throw new FormatException($"Format specifier missing precision in \"{template}\".");
        }
        char type = p < spec.Length ? spec[p++] : '\0';
        if (p != spec.Length) throw new FormatException($"Invalid format specifier '{spec}' in \"{template}\".");

        string body;
        switch (type)
        {
            case 'd':
                if (!isInteger) throw new FormatException($"Unknown format code 'd' for a fractional value in \"{template}\" (Python raises the same).");
                if (precision >= 0) throw new FormatException($"Precision not allowed in integer format specifier in \"{template}\".");
                body = ((long)Math.Abs(value)).ToString(CultureInfo.InvariantCulture);
                break;
            case 'f': case 'F':
                body = Fixed(Math.Abs(value), precision < 0 ? 6 : precision);
                if (type == 'F') body = body.ToUpperInvariant();
                break;
            case 'e': case 'E':
                body = Exponent(Math.Abs(value), precision < 0 ? 6 : precision);
                if (type == 'E') body = body.ToUpperInvariant();
                break;
            case 'g': case 'G':
                body = General(Math.Abs(value), precision < 0 ? 6 : Math.Max(precision, 1));
                if (type == 'G') body = body.ToUpperInvariant();
                break;
            case '%':
                body = Fixed(Math.Abs(value) * 100, precision < 0 ? 6 : precision) + "%";
                break;
            case '\0':
                if (isInteger && precision < 0) body = ((long)Math.Abs(value)).ToString(CultureInfo.InvariantCulture);
                else if (precision < 0) body = Repr(Math.Abs(value));
                else body = General(Math.Abs(value), Math.Max(precision, 1), keepPoint: true);
                break;
            default:
                throw new FormatException($"Unknown format code '{type}' in \"{template}\".");
        }
        bool negative = double.IsNegative(value) && !(isInteger && value == 0);
        string prefix = negative ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
        if (body.Length + prefix.Length >= width) return prefix + body;
        int pad = width - body.Length - prefix.Length;
        return align switch
        {
            '<' => prefix + body + new string(fill, pad),
            '^' => new string(fill, pad / 2) + prefix + body + new string(fill, pad - pad / 2),
            '=' => prefix + new string(fill, pad) + body,
            _ => new string(fill, pad) + prefix + body, // numbers align right by default
        };
    }

    /// <summary>Python's <c>g</c> presentation for a non-negative value.</summary>
    private static string General(double value, int precision, bool keepPoint = false)
    {
        if (!double.IsFinite(value)) return NonFinite(value);
        if (value == 0) return keepPoint ? "0.0" : "0";
        // The exponent after rounding to `precision` significant digits decides the form.
        string e = Exponent(value, precision - 1);
        int exp = int.Parse(e[(e.IndexOf('e') + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string s;
        if (exp >= -4 && exp < precision)
        {
            s = Fixed(value, precision - 1 - exp);
            if (s.Contains('.')) s = s.TrimEnd('0').TrimEnd('.');
            if (keepPoint && !s.Contains('.')) s += ".0";
        }
        else
        {
            int ei = e.IndexOf('e');
            string mant = e[..ei];
            if (mant.Contains('.')) mant = mant.TrimEnd('0').TrimEnd('.');
            s = mant + e[ei..];
        }
        return s;
    }

    private static string NonFinite(double value) => double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";

    /// <summary>The exact value of a finite non-negative double as num / den.</summary>
    private static void Rational(double value, out BigInteger num, out BigInteger den)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        int biased = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        if (biased == 0) biased = 1; else mantissa |= 1L << 52;
        int exp2 = biased - 1075;
        num = mantissa;
        den = BigInteger.One;
        if (exp2 >= 0) num <<= exp2; else den <<= -exp2;
    }

    private static BigInteger RoundHalfEven(BigInteger num, BigInteger den)
    {
        BigInteger q = BigInteger.DivRem(num, den, out BigInteger r);
        int cmp = (r * 2).CompareTo(den);
        if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
        return q;
    }
}
