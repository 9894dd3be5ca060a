using System;

namespace StaticNet;

/// <summary>
/// Keras's short names for what StaticNet logs under the long ones: <c>acc</c> for
/// <c>accuracy</c>, <c>mae</c> for <c>mean_absolute_error</c>, <c>mse</c> for
/// <c>mean_squared_error</c>, each also with the <c>val_</c> prefix. Metrics are typed objects
/// here, so the short names are accepted where a name is looked up (<see cref="History"/>,
/// <see cref="Evaluation"/>, <see cref="Logs"/> and so the callbacks' <c>monitor</c>), and the
/// logs keep the long name.
/// </summary>
internal static class MetricNames
{
    private static readonly (string Short, string Long)[] Aliases =
    {
        ("acc", "accuracy"),
        ("mae", "mean_absolute_error"),
        ("mse", "mean_squared_error"),
    };

    /// <summary>The long name for a short one (<c>val_acc</c> → <c>val_accuracy</c>), or null when <paramref name="key"/> is no alias.</summary>
    public static string? Expand(string? key)
    {
        if (key is null) return null;
        string prefix = key.StartsWith("val_", StringComparison.Ordinal) ? "val_" : "";
        ReadOnlySpan<char> name = key.AsSpan(prefix.Length);
        foreach (var (shortName, longName) in Aliases)
            if (name.SequenceEqual(shortName)) return prefix + longName;
        return null;
    }
}
