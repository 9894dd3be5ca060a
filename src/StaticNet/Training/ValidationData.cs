using System;

namespace StaticNet;

/// <summary>
/// Held-out samples that <c>Fit</c> evaluates at the end of every epoch (Keras's
/// <c>validation_data=(x_val, y_val)</c>), reported as <c>val_loss</c> and <c>val_&lt;metric&gt;</c>.
/// A tuple <c>(xVal, yVal)</c> converts implicitly for x as <c>float[,]</c>, <c>float[][]</c>,
/// <c>double[,]</c> or <c>double[][]</c> and y as <c>float[]</c>, <c>int[]</c> or <c>float[,]</c>;
/// <c>new(xVal, yVal)</c> takes every form <c>Fit</c> accepts, and sample weights
/// (Keras's <c>(x_val, y_val, val_sample_weight)</c>).
/// </summary>
/// <remarks>The arrays are referenced, not copied; they are validated (and converted to float) when <c>Fit</c> starts.</remarks>
public sealed class ValidationData
{
    /// <summary>Inputs (samples x input size) with one target value per sample.</summary>
    public ValidationData(float[,] x, float[] y) : this((InputData)Require(x, nameof(x)), (TargetData)Require(y, nameof(y))) { }

    /// <summary>Inputs with integer class labels (or 0/1 labels).</summary>
    public ValidationData(float[,] x, int[] y) : this((InputData)Require(x, nameof(x)), (TargetData)Require(y, nameof(y))) { }

    /// <summary>Inputs with one target row per sample (one-hot classes or several regression outputs).</summary>
    public ValidationData(float[,] x, float[,] y) : this((InputData)Require(x, nameof(x)), (TargetData)Require(y, nameof(y))) { }

    /// <summary>Inputs and targets in any form <c>Fit</c> accepts, optionally with one weight per sample for <c>val_loss</c>.</summary>
    public ValidationData(InputData x, TargetData y, float[]? sampleWeight = null)
    {
        Inputs = x;
        Targets = y;
        SampleWeight = sampleWeight;
    }

    /// <summary>The number of samples.</summary>
    public int Count => Inputs.Count;

    internal InputData Inputs { get; }

    internal TargetData Targets { get; }

    /// <summary>One weight per sample (weighting <c>val_loss</c>), or null.</summary>
    public float[]? SampleWeight { get; }

    private static T Require<T>(T value, string name) where T : class =>
        value ?? throw new ArgumentNullException(name);

    /// <summary><c>(xVal, yVal)</c> with one target value per sample.</summary>
    public static implicit operator ValidationData((float[,] X, float[] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c> with integer labels.</summary>
    public static implicit operator ValidationData((float[,] X, int[] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c> with one target row per sample.</summary>
    public static implicit operator ValidationData((float[,] X, float[,] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c>, one array per sample.</summary>
    public static implicit operator ValidationData((float[][] X, float[] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c>, one array per sample, integer labels.</summary>
    public static implicit operator ValidationData((float[][] X, int[] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c>, one array per sample, target rows.</summary>
    public static implicit operator ValidationData((float[][] X, float[,] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c> in double precision.</summary>
    public static implicit operator ValidationData((double[,] X, float[] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c> in double precision, integer labels.</summary>
    public static implicit operator ValidationData((double[,] X, int[] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c> in double precision, target rows.</summary>
    public static implicit operator ValidationData((double[,] X, float[,] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c>, one double array per sample.</summary>
    public static implicit operator ValidationData((double[][] X, float[] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c>, one double array per sample, integer labels.</summary>
    public static implicit operator ValidationData((double[][] X, int[] Y) data) => new(data.X, data.Y);

    /// <summary><c>(xVal, yVal)</c>, one double array per sample, target rows.</summary>
    public static implicit operator ValidationData((double[][] X, float[,] Y) data) => new(data.X, data.Y);
}
