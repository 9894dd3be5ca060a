using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticNet;

/// <summary>
/// Keras's <c>keras.optimizers.schedules.PiecewiseConstantDecay</c>: <c>values[0]</c> while
/// <c>step &lt;= boundaries[0]</c>, <c>values[i]</c> while <c>boundaries[i − 1] &lt; step &lt;= boundaries[i]</c>,
/// and <c>values[^1]</c> once <c>step &gt; boundaries[^1]</c>.
/// </summary>
/// <example><c>new PiecewiseConstantDecay([1000, 2000], [0.01, 0.005, 0.001])</c>: 0.01 for steps 0 to 1000, 0.005 up to 2000, then 0.001.</example>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] _boundaries;
    private readonly double[] _values;

    /// <summary>Creates the schedule.</summary>
    /// <param name="boundaries">Step counts, strictly increasing (at least one).</param>
    /// <param name="values">One more rate than there are boundaries, each finite and at least 0.</param>
    public PiecewiseConstantDecay(long[] boundaries, double[] values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (boundaries.Length == 0)
            throw new ArgumentException("Expected at least one boundary.", nameof(boundaries));
        if (boundaries.Length != values.Length - 1)
            throw new ArgumentException(
                $"The length of boundaries should be 1 less than the length of values. Received: boundaries of length {boundaries.Length}, and values of length {values.Length}.",
                nameof(values));
        for (int i = 1; i < boundaries.Length; i++)
            if (boundaries[i] <= boundaries[i - 1])
                throw new ArgumentException($"The boundaries must be strictly increasing; boundaries[{i}] = {boundaries[i]} follows {boundaries[i - 1]}.", nameof(boundaries));
        for (int i = 0; i < values.Length; i++) CheckRate(values[i], $"values[{i}]");
        _boundaries = (long[])boundaries.Clone();
        _values = (double[])values.Clone();
    }

    /// <summary>The step counts where the rate changes.</summary>
    public IReadOnlyList<long> Boundaries => _boundaries;

    /// <summary>The rates, one more than <see cref="Boundaries"/>.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <inheritdoc/>
    public override double GetLearningRate(long step)
    {
        for (int i = 0; i < _boundaries.Length; i++)
            if (step <= _boundaries[i]) return _values[i];
        return _values[^1];
    }

    internal override byte FormatCode => 3;

    internal override double[] Configuration()
    {
        var config = new double[_boundaries.Length + _values.Length];
        for (int i = 0; i < _boundaries.Length; i++) config[i] = _boundaries[i];
        _values.CopyTo(config, _boundaries.Length);
        return config;
    }

    /// <summary>For example <c>PiecewiseConstantDecay(boundaries: [1000, 2000], values: [0.01, 0.005, 0.001])</c>.</summary>
    public override string ToString() =>
        $"PiecewiseConstantDecay(boundaries: [{string.Join(", ", Array.ConvertAll(_boundaries, b => b.ToString(CultureInfo.InvariantCulture)))}], values: [{string.Join(", ", Array.ConvertAll(_values, Format))}])";
}
