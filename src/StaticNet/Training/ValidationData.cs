using System;

namespace StaticNet;

/// <summary>
/// Held-out samples that <c>Fit</c> evaluates at the end of every epoch (Keras's
/// <c>validation_data=(x_val, y_val)</c>), reported as <c>val_loss</c> and <c>val_&lt;metric&gt;</c>.
/// A tuple converts implicitly, so <c>Fit(x, y, validationData: (xVal, yVal))</c> works for each
/// target form <c>Fit</c> accepts.
/// </summary>
/// <remarks>The arrays are referenced, not copied; they are validated when <c>Fit</c> starts.</remarks>
public sealed class ValidationData
{
    /// <summary>Inputs (samples x input size) with one target value per sample.</summary>
    public ValidationData(float[,] x, float[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        X = x;
        Targets = y;
    }

    /// <summary>Inputs with integer class labels (or 0/1 labels).</summary>
    public ValidationData(float[,] x, int[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        X = x;
        var labels = new float[y.Length];
        for (int i = 0; i < y.Length; i++) labels[i] = y[i];
        Targets = labels;
    }

    /// <summary>Inputs with one target row per sample (one-hot classes or several regression outputs).</summary>
    public ValidationData(float[,] x, float[,] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        X = x;
        TargetRows = y;
    }

    /// <summary>The inputs, samples x input size.</summary>
    public float[,] X { get; }

    /// <summary>The number of samples in <see cref="X"/>.</summary>
    public int Count => X.GetLength(0);

    /// <summary>One target per sample, or null when the targets are rows.</summary>
    internal float[]? Targets { get; }

    /// <summary>One target row per sample, or null.</summary>
    internal float[,]? TargetRows { get; }

    /// <summary><c>(xVal, yVal)</c> with one target value per sample.</summary>
    public static implicit operator ValidationData((float[,] X, float[] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c> with integer labels.</summary>
    public static implicit operator ValidationData((float[,] X, int[] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c> with one target row per sample.</summary>
    public static implicit operator ValidationData((float[,] X, float[,] Y) data) => new(data.X, data.Y);
}
