using System;
using System.Text;

namespace StaticNet.Generator.Emit;

/// <summary>A StringBuilder that tracks indentation, so the emitter reads like the code it writes.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    /// <summary>Lines longer than this are wrapped after a generic call's opening parenthesis, if they are calls.</summary>
    private const int MaxLineLength = 150;

    public void Line(string line = "")
    {
        // A long kernel call reads better with its type arguments on one line and its arguments on the next.
        int split = line.IndexOf(">(", StringComparison.Ordinal);
        if (_indent * 4 + line.Length > MaxLineLength && split > 0 && line.EndsWith(");", StringComparison.Ordinal) && line.IndexOf('"') < 0)
        {
            string head = line.Substring(0, split + 2), rest = line.Substring(split + 2);
            // Keep the leading spaces of a line that continues a statement (the body of an unbraced if).
            int lead = line.Length - line.TrimStart(' ').Length;
            Line(head);
            Line(new string(' ', lead + 4) + rest);
            return;
        }
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
    }

    public void Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    public override string ToString()
    {
        if (_indent != 0) throw new InvalidOperationException($"Unbalanced braces in generated code (indent {_indent}).");
        return _text.ToString();
    }
}
