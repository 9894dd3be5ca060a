using System;
using System.Collections.Generic;

namespace StaticNet;

/// <summary>
/// What <see cref="NeuralNetwork.Fit(float[,], float[], int, int, bool, int)"/> recorded: one value per
/// epoch for the loss and each metric, keyed by Keras's names (<c>loss</c>, <c>accuracy</c>, ...),
/// like Keras's <c>history.history</c>.
/// </summary>
public sealed class History
{
    private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);
    private readonly List<string> _keys = new();
    private readonly List<int> _epochs = new();

    /// <summary>The epoch numbers recorded, counting from 0 as Keras's <c>history.epoch</c>.</summary>
    public IReadOnlyList<int> Epoch => _epochs;

    /// <summary>The recorded quantities in the order they were first reported.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>The per-epoch values of one quantity, such as <c>history["loss"]</c>.</summary>
    /// <exception cref="KeyNotFoundException">Nothing was recorded under <paramref name="key"/>.</exception>
    public IReadOnlyList<double> this[string key] => _values.TryGetValue(key, out var list)
        ? list
        : throw new KeyNotFoundException($"The history has no '{key}'; it has: {string.Join(", ", _keys)}.");

    /// <summary>Whether a quantity was recorded.</summary>
    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>Appends one epoch's values.</summary>
    internal void Add(int epoch, IReadOnlyList<KeyValuePair<string, double>> logs)
    {
        _epochs.Add(epoch);
        foreach (var (key, value) in logs)
        {
            if (!_values.TryGetValue(key, out var list))
            {
                _values[key] = list = new List<double>();
                _keys.Add(key);
            }
            list.Add(value);
        }
    }
}
