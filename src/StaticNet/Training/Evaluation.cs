using System.Collections.Generic;

namespace StaticNet;

/// <summary>The loss and metrics of a model on a data set, as Keras's <c>evaluate(..., return_dict=True)</c>.</summary>
public sealed class Evaluation
{
    private readonly Dictionary<string, double> _values = new();
    private readonly List<string> _keys = new();

    internal Evaluation(IReadOnlyList<KeyValuePair<string, double>> values)
    {
        foreach (var (key, value) in values)
        {
            _values[key] = value;
            _keys.Add(key);
        }
    }

    /// <summary>The mean loss.</summary>
    public double Loss => _values["loss"];

    /// <summary><c>loss</c> first, then each compiled metric.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>One value by its name, such as <c>evaluation["accuracy"]</c> (or Keras's short name, <c>evaluation["acc"]</c>).</summary>
    public double this[string key] => _values.TryGetValue(key, out double v) || _values.TryGetValue(MetricNames.Expand(key) ?? key, out v)
        ? v
        : throw new KeyNotFoundException($"The evaluation has no '{key}'; it has: {string.Join(", ", _keys)}.");

    /// <summary>For example <c>loss: 0.0123 - accuracy: 0.9990</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        foreach (string key in _keys) parts.Add($"{key}: {_values[key].ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)}");
        return string.Join(" - ", parts);
    }
}
