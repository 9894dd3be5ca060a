using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using CsvHelper;

namespace StaticNet.Data;

/// <summary>
/// Reads CSV tables with a header row into the arrays <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c>
/// take: chosen feature columns as <c>float[rows, features]</c>, and a label column as class indices
/// (with the class names) or as numeric targets.
/// </summary>
/// <remarks>
/// Parsing is CsvHelper's (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes,
/// a UTF-8 BOM, CRLF or LF; empty lines are skipped). Numbers are read with the invariant culture
/// whatever the machine's locale: <c>.</c> as the decimal point, an optional exponent (<c>1e-3</c>),
/// no thousands separators. Spaces around values are ignored.
/// Every problem is reported with the file, the 1-based line and, for a cell, the 1-based column
/// and its header: a cell that is not a finite number or is empty (missing values must be filled
/// or dropped first), a row with another number of fields than the header, an empty file or a file
/// with a header but no rows (<see cref="InvalidDataException"/>), and a column that is not in the
/// header (<see cref="ArgumentException"/>, listing the columns there are).
/// </remarks>
public static class Csv
{
    /// <summary>Reads a table for classification: the features, and the label column's values mapped
    /// to class indices 0, 1, ... (<see cref="CsvClassificationData.ClassNames"/> gives the mapping).</summary>
    /// <param name="path">The CSV file; the first line is the header.</param>
    /// <param name="label">The label column, by header text or 0-based position. Labels may be text
    /// (<c>setosa</c>) or numbers (<c>0</c>, <c>7</c>).</param>
    /// <param name="features">The feature columns, in the order wanted; null (the default) takes every
    /// column except the label, in file order.</param>
    /// <param name="separator">The field separator: <c>','</c> by default, <c>';'</c> or <c>'\t'</c> for other dialects.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ArgumentException">A column is not in the header, or is named twice.</exception>
    /// <exception cref="InvalidDataException">The content is bad; the message names the line and column.</exception>
    public static CsvClassificationData LoadClassification(string path, CsvColumn label, IReadOnlyList<CsvColumn>? features = null, char separator = ',')
    {
        using CsvReader reader = Open(path, separator);
        return ReadClassification(reader, $"'{path}'", label, features);
    }

    /// <summary>Reads a table for classification from text (a <see cref="StringReader"/>, a stream reader).</summary>
    /// <param name="text">The CSV text, header first; left open.</param>
    /// <param name="label">The label column, by header text or 0-based position.</param>
    /// <param name="features">The feature columns; null takes every column except the label.</param>
    /// <param name="separator">The field separator, <c>','</c> by default.</param>
    /// <param name="source">How errors name the input, e.g. a file name.</param>
    /// <inheritdoc cref="LoadClassification(string, CsvColumn, IReadOnlyList{CsvColumn}?, char)"/>
    public static CsvClassificationData ReadClassification(TextReader text, CsvColumn label, IReadOnlyList<CsvColumn>? features = null,
        char separator = ',', string source = "the CSV text")
    {
        using CsvReader reader = Open(text, separator);
        return ReadClassification(reader, source, label, features);
    }

    /// <summary>Reads a table for regression: the features and one numeric target per row.</summary>
    /// <param name="path">The CSV file; the first line is the header.</param>
    /// <param name="target">The target column, by header text or 0-based position.</param>
    /// <param name="features">The feature columns; null takes every column except the target.</param>
    /// <param name="separator">The field separator, <c>','</c> by default.</param>
    /// <inheritdoc cref="LoadClassification(string, CsvColumn, IReadOnlyList{CsvColumn}?, char)"/>
    public static CsvRegressionData LoadRegression(string path, CsvColumn target, IReadOnlyList<CsvColumn>? features = null, char separator = ',')
    {
        using CsvReader reader = Open(path, separator);
        return ReadRegression(reader, $"'{path}'", target, features);
    }

    /// <summary>Reads a table for regression from text.</summary>
    /// <param name="text">The CSV text, header first; left open.</param>
    /// <param name="target">The target column, by header text or 0-based position.</param>
    /// <param name="features">The feature columns; null takes every column except the target.</param>
    /// <param name="separator">The field separator, <c>','</c> by default.</param>
    /// <param name="source">How errors name the input.</param>
    /// <inheritdoc cref="LoadRegression(string, CsvColumn, IReadOnlyList{CsvColumn}?, char)"/>
    public static CsvRegressionData ReadRegression(TextReader text, CsvColumn target, IReadOnlyList<CsvColumn>? features = null,
        char separator = ',', string source = "the CSV text")
    {
        using CsvReader reader = Open(text, separator);
        return ReadRegression(reader, source, target, features);
    }

    /// <summary>Reads feature columns only, for prediction on new samples (a file without labels).</summary>
    /// <param name="path">The CSV file; the first line is the header.</param>
    /// <param name="features">The feature columns, in the order the model was trained on; null takes every column.</param>
    /// <param name="separator">The field separator, <c>','</c> by default.</param>
    /// <inheritdoc cref="LoadClassification(string, CsvColumn, IReadOnlyList{CsvColumn}?, char)"/>
    public static float[,] LoadFeatures(string path, IReadOnlyList<CsvColumn>? features = null, char separator = ',')
    {
        using CsvReader reader = Open(path, separator);
        return ReadTable(reader, $"'{path}'", null, features, numericLabel: false).Features;
    }

    /// <summary>Reads feature columns only from text.</summary>
    /// <param name="text">The CSV text, header first; left open.</param>
    /// <param name="features">The feature columns; null takes every column.</param>
    /// <param name="separator">The field separator, <c>','</c> by default.</param>
    /// <param name="source">How errors name the input.</param>
    /// <inheritdoc cref="LoadFeatures(string, IReadOnlyList{CsvColumn}?, char)"/>
    public static float[,] ReadFeatures(TextReader text, IReadOnlyList<CsvColumn>? features = null, char separator = ',', string source = "the CSV text")
    {
        using CsvReader reader = Open(text, separator);
        return ReadTable(reader, source, null, features, numericLabel: false).Features;
    }

    private static CsvClassificationData ReadClassification(CsvReader reader, string source, CsvColumn label, IReadOnlyList<CsvColumn>? features)
    {
        Table table = ReadTable(reader, source, label, features, numericLabel: false);
        string[] texts = table.LabelTexts!;

        // Numbers sort as numbers (2 before 10) and "1" and "1.0" are one class; text sorts ordinally.
        bool numeric = texts.All(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        string[] classNames;
        int[] labels = new int[texts.Length];
        if (numeric)
        {
            double[] values = texts.Select(t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
            double[] distinct = values.Distinct().Order().ToArray();
            classNames = distinct.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
            for (int i = 0; i < values.Length; i++) labels[i] = Array.BinarySearch(distinct, values[i]);
        }
        else
        {
            classNames = texts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            for (int i = 0; i < texts.Length; i++) labels[i] = Array.BinarySearch(classNames, texts[i], StringComparer.Ordinal);
        }
        return new CsvClassificationData(table.Features, labels, classNames, table.FeatureNames, table.LabelName!);
    }

    private static CsvRegressionData ReadRegression(CsvReader reader, string source, CsvColumn target, IReadOnlyList<CsvColumn>? features)
    {
        Table table = ReadTable(reader, source, target, features, numericLabel: true);
        return new CsvRegressionData(table.Features, table.Targets!, table.FeatureNames, table.LabelName!);
    }

    private sealed record Table(float[,] Features, string[] FeatureNames, string? LabelName, string[]? LabelTexts, float[]? Targets);

    private static Table ReadTable(CsvReader reader, string source, CsvColumn? label, IReadOnlyList<CsvColumn>? features, bool numericLabel)
    {
        string[] header;
        try
        {
            header = reader.Headers.Select(h => h.Trim()).ToArray();
        }
        catch (CsvFormatException e)
        {
            throw Malformed(source, e);
        }
        if (header.Length == 0 || (header.Length == 1 && header[0].Length == 0))
            throw new InvalidDataException($"{source} is empty: expected a header line with the column names, then one line per sample.");

        int labelIndex = label is CsvColumn l ? Resolve(l, header, source, label: true) : -1;
        int[] featureIndices;
        if (features is null)
        {
            featureIndices = Enumerable.Range(0, header.Length).Where(i => i != labelIndex).ToArray();
        }
        else
        {
            featureIndices = features.Select(c => Resolve(c, header, source, label: false)).ToArray();
            for (int k = 0; k < featureIndices.Length; k++)
            {
                if (featureIndices[k] == labelIndex)
                    throw new ArgumentException($"Column {Describe(header, labelIndex)} is the label; it cannot be a feature too.", nameof(features));
                if (Array.IndexOf(featureIndices, featureIndices[k]) != k)
                    throw new ArgumentException($"Column {Describe(header, featureIndices[k])} is listed twice in features.", nameof(features));
            }
        }
        if (featureIndices.Length == 0)
            throw new ArgumentException($"No feature columns: {source} has only the column(s) {string.Join(", ", header.Select(h => $"'{h}'"))}.", nameof(features));

        var rows = new List<float[]>();
        var labelTexts = new List<string>();
        var targets = new List<float>();
        try
        {
            while (reader.Read())
            {
                long line = reader.LineNumber;
                if (reader.FieldCount != header.Length)
                    throw new InvalidDataException(
                        $"{source}, line {line}: {reader.FieldCount} field(s), but the header has {header.Length} columns " +
                        $"({string.Join(", ", header.Select(h => $"'{h}'"))}).");

                var row = new float[featureIndices.Length];
                for (int k = 0; k < featureIndices.Length; k++) row[k] = ParseNumber(reader, featureIndices[k], header, source, line);
                rows.Add(row);

                if (labelIndex < 0) continue;
                if (numericLabel)
                {
                    targets.Add(ParseNumber(reader, labelIndex, header, source, line));
                }
                else
                {
                    string text = (reader.GetString(labelIndex) ?? "").Trim();
                    if (text.Length == 0)
                        throw new InvalidDataException($"{source}, line {line}, column {labelIndex + 1} ({Describe(header, labelIndex)}): the label is empty.");
                    labelTexts.Add(text);
                }
            }
        }
        catch (CsvFormatException e)
        {
            throw Malformed(source, e);
        }
        if (rows.Count == 0)
            throw new InvalidDataException($"{source} has a header ({string.Join(",", header)}) but no data lines.");

        var matrix = new float[rows.Count, featureIndices.Length];
        for (int i = 0; i < rows.Count; i++)
            for (int k = 0; k < featureIndices.Length; k++) matrix[i, k] = rows[i][k];
        return new Table(
            matrix,
            featureIndices.Select(i => header[i]).ToArray(),
            labelIndex < 0 ? null : header[labelIndex],
            numericLabel || labelIndex < 0 ? null : labelTexts.ToArray(),
            numericLabel && labelIndex >= 0 ? targets.ToArray() : null);
    }

    private static float ParseNumber(CsvReader reader, int index, string[] header, string source, long line)
    {
        string text = (reader.GetString(index) ?? "").Trim();
        if (text.Length == 0)
            throw new InvalidDataException(
                $"{source}, line {line}, column {index + 1} ({Describe(header, index)}): the cell is empty; missing values are not supported " +
                "(fill them in or drop the row first).");
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            throw new InvalidDataException(
                $"{source}, line {line}, column {index + 1} ({Describe(header, index)}): '{Shorten(text)}' is not a number " +
                "(numbers use '.' as the decimal point and no thousands separators, e.g. 5.1 or -2.5e-3).");
        if (!float.IsFinite(value))
            throw new InvalidDataException(
                $"{source}, line {line}, column {index + 1} ({Describe(header, index)}): '{Shorten(text)}' is not a finite number " +
                "(NaN, infinity or beyond the float range).");
        return value;
    }

    private static int Resolve(CsvColumn column, string[] header, string source, bool label)
    {
        string parameter = label ? "label" : "features";
        if (column.Name is null)
        {
            if (column.Index >= header.Length)
                throw new ArgumentException(
                    $"Column {column.Index} (0-based) is beyond the {header.Length} columns of {source}: {Columns(header)}.", parameter);
            return column.Index;
        }
        int first = Array.IndexOf(header, column.Name);
        if (first < 0)
            throw new ArgumentException($"Column '{column.Name}' is not in the header of {source}; its columns are {Columns(header)}.", parameter);
        if (Array.IndexOf(header, column.Name, first + 1) >= 0)
            throw new ArgumentException(
                $"Column '{column.Name}' appears more than once in the header of {source}; choose it by position (0-based) instead.", parameter);
        return first;
    }

    private static CsvReader Open(string path, char separator)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"The CSV file '{path}' does not exist.", path);
        return CsvReader.FromFile(path, Options(separator));
    }

    private static CsvReader Open(TextReader text, char separator)
    {
        ArgumentNullException.ThrowIfNull(text);
        return CsvReader.Create(text, Options(separator), leaveOpen: true);
    }

    private static CsvReaderOptions Options(char separator)
    {
        if (separator is '"' or '\r' or '\n' || separator > 127)
            throw new ArgumentException($"'{separator}' cannot separate fields; use an ASCII character such as ',', ';' or '\\t'.", nameof(separator));
        return CsvReaderOptions.Default with
        {
            Separator = separator,
            HasHeader = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            TrimWhitespace = true,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Allow, // checked here, with a clearer message
            FormatProvider = CultureInfo.InvariantCulture,
        };
    }

    private static InvalidDataException Malformed(string source, CsvFormatException e) =>
        new($"{source}{(e.LineNumber > 0 ? $", line {e.LineNumber}" : "")}: malformed CSV: {e.Message}", e);

    private static string Describe(string[] header, int index) => $"'{header[index]}'";

    private static string Columns(string[] header) =>
        string.Join(", ", header.Select((h, i) => $"{i}: '{h}'"));

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
