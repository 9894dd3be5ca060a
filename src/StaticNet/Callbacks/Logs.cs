using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace StaticNet;

/// <summary>
/// The named values a callback receives, as Keras's <c>logs</c> dict: <c>loss</c>, then each
/// compiled metric, then (at the end of an epoch with validation data) <c>val_loss</c> and
/// <c>val_&lt;metric&gt;</c>. Keys keep the order they were added in. A callback may add or
/// change entries in the logs of <see cref="Callback.OnEpochEnd"/> (as Keras's
/// <c>ReduceLROnPlateau</c> adds <c>learning_rate</c>); <see cref="History"/> records what the
/// callbacks leave.
/// </summary>
/// <remarks>
/// The batch logs of <see cref="Callback.OnBatchEnd"/> are one object that <c>Fit</c> updates in
/// place for every batch (so that training allocates nothing per step): read it during the call,
/// and <see cref="Copy"/> it to keep it. Lookups compare keys ordinally and allocate nothing.
/// </remarks>
public sealed class Logs : IReadOnlyDictionary<string, double>
{
    private readonly List<string> _keys;
    private readonly List<double> _values;

    /// <summary>Creates empty logs.</summary>
    public Logs() : this(4) { }

    internal Logs(int capacity)
    {
        _keys = new List<string>(capacity);
        _values = new List<double>(capacity);
    }

    /// <summary>The number of entries.</summary>
    public int Count => _keys.Count;

    /// <summary>The keys in the order they were added.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>The values, in the order of <see cref="Keys"/>.</summary>
    public IReadOnlyList<double> Values => _values;

    IEnumerable<string> IReadOnlyDictionary<string, double>.Keys => _keys;
    IEnumerable<double> IReadOnlyDictionary<string, double>.Values => _values;

    /// <summary>Gets a value, or sets one (adding the key at the end when it is new).</summary>
    /// <exception cref="KeyNotFoundException">Getting a key that is not there.</exception>
    public double this[string key]
    {
        get
        {
            int i = Find(key);
            return i >= 0 ? _values[i] : throw new KeyNotFoundException($"The logs have no '{key}'; they have: {string.Join(", ", _keys)}.");
        }
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            int i = IndexOf(key);
            if (i >= 0) _values[i] = value;
            else { _keys.Add(key); _values.Add(value); }
        }
    }

    /// <summary>Whether <paramref name="key"/> is present (Keras's short names such as <c>acc</c> find their long name).</summary>
    public bool ContainsKey(string key) => Find(key) >= 0;

    /// <summary>Gets the value of <paramref name="key"/> if present.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out double value)
    {
        int i = Find(key);
        value = i >= 0 ? _values[i] : 0;
        return i >= 0;
    }

    /// <summary>A snapshot that later updates do not change.</summary>
    public Logs Copy()
    {
        var copy = new Logs(Math.Max(Count, 1));
        copy._keys.AddRange(_keys);
        copy._values.AddRange(_values);
        return copy;
    }

    /// <summary>Enumerates the entries in order without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<KeyValuePair<string, double>> IEnumerable<KeyValuePair<string, double>>.GetEnumerator() => GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>For example <c>loss: 0.1234 - accuracy: 0.9500</c> (Keras's progress-bar notation).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < _keys.Count; i++)
        {
            if (i > 0) sb.Append(" - ");
            sb.Append(_keys[i]).Append(": ").Append(ProgressBar.FormatValue(_values[i]));
        }
        return sb.ToString();
    }

    /// <summary>Looks a key up as given, then as the long name of a Keras short name (<c>val_acc</c> finds <c>val_accuracy</c>).</summary>
    private int Find(string key)
    {
        int i = IndexOf(key);
        return i >= 0 || MetricNames.Expand(key) is not string name ? i : IndexOf(name);
    }

    internal int IndexOf(string key)
    {
        for (int i = 0; i < _keys.Count; i++)
            if (string.Equals(_keys[i], key, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>Adds an entry without looking for an existing key (the training loop builds fresh logs).</summary>
    internal void Append(string key, double value)
    {
        _keys.Add(key);
        _values.Add(value);
    }

    /// <summary>Sets the value at a position already added (the training loop's fast path).</summary>
    internal void SetAt(int index, double value) => _values[index] = value;

    internal void Clear()
    {
        _keys.Clear();
        _values.Clear();
    }

    /// <summary>Enumerates <see cref="Logs"/> in order.</summary>
    public struct Enumerator : IEnumerator<KeyValuePair<string, double>>
    {
        private readonly Logs _logs;
        private int _index;

        internal Enumerator(Logs logs)
        {
            _logs = logs;
            _index = -1;
        }

        /// <inheritdoc/>
        public readonly KeyValuePair<string, double> Current => new(_logs._keys[_index], _logs._values[_index]);

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext() => ++_index < _logs._keys.Count;

        /// <inheritdoc/>
        public void Reset() => _index = -1;

        /// <inheritdoc/>
        public readonly void Dispose() { }
    }
}
