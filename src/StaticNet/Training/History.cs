using System;
using System.Collections.Generic;

namespace StaticNet;

/// <summary>
/// What <c>Fit</c> recorded, like Keras's <c>History</c>: one value per epoch for the loss and each
/// metric, then (with validation data) <c>val_loss</c> and each <c>val_</c> metric, keyed by Keras's
/// names (<c>loss</c>, <c>accuracy</c>, <c>val_loss</c>, <c>val_accuracy</c>, ...) in that order, plus
/// anything callbacks added to the epoch logs (such as <see cref="ReduceLROnPlateau"/>'s <c>learning_rate</c>).
/// </summary>
public sealed class History
{
    private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);
    private readonly List<string> _keys = new();
    private readonly List<int> _epochs;
    private readonly int _capacity;

    internal History(int capacity = 0)
    {
        _capacity = Math.Max(capacity, 0);
        _epochs = new List<int>(_capacity);
    }

    /// <summary>
    /// The epoch numbers recorded, counting from 0 as Keras's <c>history.epoch</c>; a run started
    /// with <c>initialEpoch: 3</c> records 3, 4, ...
    /// </summary>
    public IReadOnlyList<int> Epoch => _epochs;

    /// <summary>The recorded quantities in the order they were first reported.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>The per-epoch values of one quantity, such as <c>history["loss"]</c>; Keras's short names (<c>history["val_acc"]</c>) find the long ones.</summary>
    /// <exception cref="KeyNotFoundException">Nothing was recorded under <paramref name="key"/>.</exception>
    public IReadOnlyList<double> this[string key] => _values.TryGetValue(key, out var list) || _values.TryGetValue(MetricNames.Expand(key) ?? key, out list)
        ? list
        : throw new KeyNotFoundException($"The history has no '{key}'; it has: {string.Join(", ", _keys)}.");

    /// <summary>Whether a quantity was recorded.</summary>
    public bool Contains(string key) => _values.ContainsKey(key) || _values.ContainsKey(MetricNames.Expand(key) ?? key);

    /// <summary>
    /// A table with a row per epoch (numbered from 1, as <c>Fit</c> prints them) and a column per
    /// quantity, values as Keras's progress bar shows them:
    /// <code>
    /// epoch    loss  accuracy  val_loss  val_accuracy
    ///     1  0.6523    0.6250    0.5987        0.7000
    /// </code>
    /// </summary>
    public override string ToString()
    {
        if (_epochs.Count == 0) return "History: no epochs";
        var columns = new List<string[]>();
        var epochColumn = new string[_epochs.Count + 1];
        epochColumn[0] = "epoch";
        for (int e = 0; e < _epochs.Count; e++) epochColumn[e + 1] = (_epochs[e] + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        columns.Add(epochColumn);
        foreach (string key in _keys)
        {
            var column = new string[_epochs.Count + 1];
            column[0] = key;
            List<double> values = _values[key];
            // A key a callback did not report every epoch has fewer values (read from the start, as Concat does).
            for (int e = 0; e < _epochs.Count; e++) column[e + 1] = e < values.Count ? ProgressBar.FormatValue(values[e]) : "-";
            columns.Add(column);
        }
        var sb = new System.Text.StringBuilder();
        for (int row = 0; row <= _epochs.Count; row++)
        {
            for (int c = 0; c < columns.Count; c++)
            {
                int width = 0;
                foreach (string cell in columns[c]) width = Math.Max(width, cell.Length);
                if (c > 0) sb.Append("  ");
                sb.Append(columns[c][row].PadLeft(width));
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>
    /// A history holding this run's epochs followed by <paramref name="later"/>'s, such as a run
    /// continued with <c>initialEpoch</c>: one curve for the whole training in a chart.
    /// </summary>
    /// <exception cref="ArgumentException">The later run does not start after this one ends.</exception>
    public History Concat(History later)
    {
        ArgumentNullException.ThrowIfNull(later);
        if (_epochs.Count > 0 && later._epochs.Count > 0 && later._epochs[0] <= _epochs[^1])
            throw new ArgumentException($"The later history starts at epoch {later._epochs[0]}, not after this one's last epoch {_epochs[^1]}.", nameof(later));
        var result = new History(_epochs.Count + later._epochs.Count);
        foreach (History part in new[] { this, later })
        {
            for (int e = 0; e < part._epochs.Count; e++)
            {
                var logs = new Logs();
                foreach (string key in part._keys)
                    if (e < part._values[key].Count) logs[key] = part._values[key][e];
                result.Add(part._epochs[e], logs);
            }
        }
        return result;
    }

    /// <summary>Appends one epoch's values (allocates nothing once each key's list exists, within the capacity).</summary>
    internal void Add(int epoch, Logs logs)
    {
        _epochs.Add(epoch);
        for (int i = 0; i < logs.Count; i++)
        {
            string key = logs.Keys[i];
            if (!_values.TryGetValue(key, out var list))
            {
                _values[key] = list = new List<double>(_capacity);
                _keys.Add(key);
            }
            list.Add(logs.Values[i]);
        }
    }
}
