using System;
using System.Globalization;

namespace StaticNet.Import;

/// <summary>
/// One layer read from a model file while its activation may still join it: the settings of a
/// <see cref="LayerInfo"/> factory, and its parameters in StaticNet's layout (<see cref="Weights"/> then
/// <see cref="Bias"/>: Dense [units x inputs] and biases; convolution kernel [kh, kw, in, filters] and biases;
/// BatchNormalization gamma, beta, moving mean, moving variance).
/// </summary>
internal sealed class LayerSpec
{
    public LayerSpec(LayerKind kind, string name, float[] weights, float[] bias)
    {
        Kind = kind;
        Name = name;
        Weights = weights;
        Bias = bias;
    }

    public LayerKind Kind { get; }
    public string Name { get; }
    public float[] Weights { get; set; }
    public float[] Bias { get; }
    public int Units { get; init; }
    public int WindowHeight { get; init; } = 1;
    public int WindowWidth { get; init; } = 1;
    /// <summary>0 for pooling means "the window" (Keras's default).</summary>
    public int StrideHeight { get; init; } = 1;
    public int StrideWidth { get; init; } = 1;
    public Padding Padding { get; init; }
    public bool UseBias { get; init; } = true;
    public float Momentum { get; init; } = 0.99f;
    public float Epsilon { get; init; } = 0.001f;
    public Activation Activation { get; set; }
    public bool HasActivation { get; set; }

    public int ParameterCount => Weights.Length + Bias.Length;

    private bool DefaultStrides => StrideWidth == 0 || (StrideHeight == WindowHeight && StrideWidth == WindowWidth);

    public LayerInfo ToLayerInfo() => Kind switch
    {
        LayerKind.Dense => LayerInfo.Dense(Units, Activation),
        LayerKind.Conv2D => LayerInfo.Conv2D(Units, WindowHeight, WindowWidth, StrideHeight, StrideWidth, Padding, Activation, UseBias),
        LayerKind.Conv1D => LayerInfo.Conv1D(Units, WindowWidth, StrideWidth, Padding, Activation, UseBias),
        // Pooling strides equal to the window are written as Keras's default (0), as a declaration without Strides gives.
        LayerKind.MaxPooling2D => LayerInfo.MaxPooling2D(WindowHeight, WindowWidth, DefaultStrides ? 0 : StrideHeight, DefaultStrides ? 0 : StrideWidth, Padding),
        LayerKind.AveragePooling2D => LayerInfo.AveragePooling2D(WindowHeight, WindowWidth, DefaultStrides ? 0 : StrideHeight, DefaultStrides ? 0 : StrideWidth, Padding),
        LayerKind.MaxPooling1D => LayerInfo.MaxPooling1D(WindowWidth, DefaultStrides ? 0 : StrideWidth, Padding),
        LayerKind.AveragePooling1D => LayerInfo.AveragePooling1D(WindowWidth, DefaultStrides ? 0 : StrideWidth, Padding),
        LayerKind.GlobalAveragePooling2D => LayerInfo.GlobalAveragePooling2D(),
        LayerKind.GlobalAveragePooling1D => LayerInfo.GlobalAveragePooling1D(),
        LayerKind.Flatten => LayerInfo.Flatten(),
        LayerKind.BatchNormalization => LayerInfo.BatchNormalization(Momentum, Epsilon),
        _ => throw new InvalidOperationException($"No import for {Kind}."),
    };

    /// <summary>The layer as a C# attribute of README's "Layer by layer" syntax, e.g. <c>[Conv2D(16, 3, Padding = Padding.Same, Activation = Activation.Relu)]</c>.</summary>
    public string ToAttribute()
    {
        string act = Activation == Activation.Linear ? "" : ", Activation = Activation." + Activation;
        string pad = Padding == Padding.Same ? ", Padding = Padding.Same" : "";
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        string F(float v) => v.ToString("R", CultureInfo.InvariantCulture) + "f";
        string window = WindowHeight == WindowWidth ? I(WindowHeight) : $"{I(WindowHeight)}, {I(WindowWidth)}";
        switch (Kind)
        {
            case LayerKind.Dense: return $"[Dense({I(Units)}{act})]";
            case LayerKind.Conv2D:
                return $"[Conv2D({I(Units)}, {window}{(StrideWidth != 1 ? ", Strides = " + I(StrideWidth) : "")}{pad}{(UseBias ? "" : ", UseBias = false")}{act})]";
            case LayerKind.Conv1D:
                return $"[Conv1D({I(Units)}, {I(WindowWidth)}{(StrideWidth != 1 ? ", Strides = " + I(StrideWidth) : "")}{pad}{(UseBias ? "" : ", UseBias = false")}{act})]";
            case LayerKind.MaxPooling2D or LayerKind.AveragePooling2D:
            {
                bool defaultStrides = StrideWidth == 0 || (StrideHeight == WindowHeight && StrideWidth == WindowWidth);
                return $"[{Kind}({window}{(defaultStrides ? "" : ", Strides = " + I(StrideWidth))}{pad})]";
            }
            case LayerKind.MaxPooling1D or LayerKind.AveragePooling1D:
            {
                bool defaultStrides = StrideWidth == 0 || StrideWidth == WindowWidth;
                return $"[{Kind}({I(WindowWidth)}{(defaultStrides ? "" : ", Strides = " + I(StrideWidth))}{pad})]";
            }
            case LayerKind.BatchNormalization:
                return $"[BatchNormalization({(Momentum != 0.99f ? "Momentum = " + F(Momentum) : "")}{(Momentum != 0.99f && Epsilon != 0.001f ? ", " : "")}{(Epsilon != 0.001f ? "Epsilon = " + F(Epsilon) : "")})]".Replace("()", "");
            default: return $"[{Kind}]";
        }
    }
}
