using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace StaticNet.Generator.Weights;

/// <summary>
/// Just enough JSON for a safetensors header (objects, arrays, strings, numbers, literals):
/// System.Text.Json is not available to a netstandard2.0 analyzer without shipping it.
/// Objects become <see cref="Dictionary{TKey,TValue}"/>, arrays <see cref="List{T}"/>,
/// numbers <see cref="double"/>. Malformed input throws <see cref="FormatException"/>.
/// </summary>
internal sealed class MiniJson
{
    private const int MaxDepth = 16;
    private readonly string _text;
    private int _position;

    private MiniJson(string text) => _text = text;

    public static object? Parse(string text)
    {
        var parser = new MiniJson(text);
        object? value = parser.Value(0);
        parser.SkipWhitespace();
        if (parser._position != text.Length) throw parser.Error("unexpected text after the JSON value");
        return value;
    }

    private object? Value(int depth)
    {
        if (depth > MaxDepth) throw Error("nested too deeply");
        SkipWhitespace();
        if (_position >= _text.Length) throw Error("unexpected end");
        char c = _text[_position];
        switch (c)
        {
            case '{':
                _position++;
                var obj = new Dictionary<string, object?>(StringComparer.Ordinal);
                SkipWhitespace();
                if (Peek('}')) return obj;
                while (true)
                {
                    SkipWhitespace();
                    string key = String();
                    SkipWhitespace();
                    Expect(':');
                    if (obj.ContainsKey(key)) throw Error($"duplicate key \"{key}\"");
                    obj[key] = Value(depth + 1);
                    SkipWhitespace();
                    if (Peek('}')) return obj;
                    Expect(',');
                }
            case '[':
                _position++;
                var list = new List<object?>();
                SkipWhitespace();
                if (Peek(']')) return list;
                while (true)
                {
                    list.Add(Value(depth + 1));
                    SkipWhitespace();
                    if (Peek(']')) return list;
                    Expect(',');
                }
            case '"':
                return String();
            case 't': Literal("true"); return true;
            case 'f': Literal("false"); return false;
            case 'n': Literal("null"); return null;
            default:
                return Number();
        }
    }

    private string String()
    {
        Expect('"');
        var result = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length) throw Error("unterminated string");
            char c = _text[_position++];
            if (c == '"') return result.ToString();
            if (c != '\\')
            {
                result.Append(c);
                continue;
            }
            if (_position >= _text.Length) throw Error("unterminated escape");
            char e = _text[_position++];
            switch (e)
            {
                case '"': case '\\': case '/': result.Append(e); break;
                case 'b': result.Append('\b'); break;
                case 'f': result.Append('\f'); break;
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                case 't': result.Append('\t'); break;
                case 'u':
                    if (_position + 4 > _text.Length ||
                        !int.TryParse(_text.Substring(_position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code))
                        throw Error("bad \\u escape");
                    result.Append((char)code);
                    _position += 4;
                    break;
                default: throw Error($"bad escape \\{e}");
            }
        }
    }

    private double Number()
    {
        int start = _position;
        while (_position < _text.Length && "+-0123456789.eE".IndexOf(_text[_position]) >= 0) _position++;
        if (start == _position ||
            !double.TryParse(_text.Substring(start, _position - start), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            throw Error("expected a value");
        return value;
    }

    private void Literal(string word)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0) throw Error("expected a value");
        _position += word.Length;
    }

    private bool Peek(char c)
    {
        if (_position < _text.Length && _text[_position] == c)
        {
            _position++;
            return true;
        }
        return false;
    }

    private void Expect(char c)
    {
        if (!Peek(c)) throw Error($"expected '{c}'");
    }

    private void SkipWhitespace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position])) _position++;
    }

    private FormatException Error(string what) => new($"invalid JSON header at character {_position}: {what}");
}
