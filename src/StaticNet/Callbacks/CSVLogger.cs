using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace StaticNet;

/// <summary>
/// Writes one line per epoch to a CSV file: Keras's <c>keras.callbacks.CSVLogger</c>. The header is
/// <c>epoch</c> followed by the first epoch's log keys in ordinal (Python's <c>sorted</c>) order,
/// such as <c>epoch,accuracy,loss,val_accuracy,val_loss</c>; each row holds the epoch (from 0) and
/// the values as Python prints them (<c>0.6931471805599453</c>; <c>nan</c>, <c>inf</c>), in the
/// invariant culture, with <c>NA</c> for a key missing from an epoch's logs.
/// </summary>
/// <remarks>
/// <para>When training begins the file is emptied (created, with its folder, if missing), or with
/// <c>append: true</c> kept, and then the header is written only if the file is empty: continuing a
/// run with <see cref="BackupAndRestore"/> or <c>initialEpoch</c> adds rows under the same header.
/// Every row is written and the file closed at once, so the file is complete after each epoch even
/// if the process is killed. Fields are quoted as Python's <c>csv</c> module quotes them (when they
/// hold the separator, a quote or a line break); lines end with <c>\r\n</c> as in Keras's files.</para>
/// </remarks>
public sealed class CSVLogger : Callback
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private string[]? _keys;
    private bool _writeHeader;

    /// <summary>Creates the callback.</summary>
    /// <param name="path">The CSV file, e.g. <c>"run/log.csv"</c>.</param>
    /// <param name="separator">The field separator (Keras's <c>separator</c>), one character such as <c>','</c> or <c>';'</c>.</param>
    /// <param name="append">Keep the file's rows and add to them (for a continued run), rather than starting it afresh.</param>
    public CSVLogger(string path, char separator = ',', bool append = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (separator is '"' or '\r' or '\n')
            throw new ArgumentException($"The separator cannot be a quote or a line break; got {(int)separator:X4}.", nameof(separator));
        Path = path;
        Separator = separator;
        Append = append;
    }

    /// <summary>The CSV file.</summary>
    public string Path { get; }

    /// <summary>The field separator.</summary>
    public char Separator { get; }

    /// <summary>Whether rows are added to an existing file.</summary>
    public bool Append { get; }

    /// <inheritdoc/>
    public override void OnTrainBegin()
    {
        _keys = null;
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        if (Append && File.Exists(Path))
        {
            _writeHeader = new FileInfo(Path).Length == 0;
        }
        else
        {
            File.WriteAllBytes(Path, Array.Empty<byte>());
            _writeHeader = true;
        }
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, Logs logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        if (_keys is null)
        {
            var keys = new List<string>(logs.Keys);
            keys.Sort(StringComparer.Ordinal);
            _keys = keys.ToArray();
        }
        var line = new StringBuilder();
        if (_writeHeader)
        {
            line.Append("epoch");
            foreach (string key in _keys) line.Append(Separator).Append(Quoted(key));
            line.Append("\r\n");
            _writeHeader = false;
        }
        line.Append(epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (string key in _keys)
            line.Append(Separator).Append(logs.TryGetValue(key, out double value) ? Quoted(PyFormat.Repr(value)) : "NA");
        line.Append("\r\n");
        using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(s_utf8.GetBytes(line.ToString()));
    }

    /// <summary>Python's csv QUOTE_MINIMAL: quoted (with doubled quotes) when the field holds the separator, a quote or a line break.</summary>
    private string Quoted(string field)
    {
        if (field.IndexOf(Separator) < 0 && field.IndexOfAny(['"', '\r', '\n']) < 0) return field;
        return "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
