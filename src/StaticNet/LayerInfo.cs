using System;
using System.Collections.Generic;
using System.Globalization;

namespace StaticNet;

/// <summary>
/// One layer of a network: its kind and settings as Keras names them, and, once part of a
/// <see cref="NetworkShape"/> (<see cref="NetworkShape.Layers"/>), its input and output shapes and where its
/// parameters are. The generator creates these for <c>[Sequential]</c> classes; the factory methods
/// (<see cref="Dense"/>, <see cref="Conv2D"/>, ...) build the same description at run time.
/// </summary>
public sealed class LayerInfo : IEquatable<LayerInfo>
{
    private readonly int[] _window, _strides;
    private readonly LayerGeometry? _geometry;
    private readonly int _parameterOffset;

    private LayerInfo(LayerKind kind, int units, int[] window, int[] strides, Padding padding, Activation activation,
        bool useBias, float rate, float momentum, float epsilon, float l2)
    {
        Kind = kind;
        Units = units;
        _window = window;
        _strides = strides;
        Padding = padding;
        Activation = activation;
        UseBias = useBias;
        Rate = rate;
        Momentum = momentum;
        Epsilon = epsilon;
        L2 = l2;
    }

    private LayerInfo(LayerInfo settings, LayerGeometry geometry, int parameterOffset, string name)
        : this(settings.Kind, settings.Units, settings._window, settings._strides, settings.Padding, settings.Activation,
               settings.UseBias, settings.Rate, settings.Momentum, settings.Epsilon, settings.L2)
    {
        _geometry = geometry;
        _parameterOffset = parameterOffset;
        Name = name;
    }

    // ---------------------------------------------------------------- factories (Keras's layer constructors)

    /// <summary>A fully connected layer (Keras <c>Dense(units, activation)</c>); L2 regularizes its weights (<c>kernel_regularizer</c>).</summary>
    public static LayerInfo Dense(int units, Activation activation = Activation.Linear, float l2 = 0) =>
        new(LayerKind.Dense, units, new[] { 1, 1 }, new[] { 1, 1 }, Padding.Valid, activation, true, 0, 0, 0, l2);

    /// <summary>A 2-D convolution (Keras <c>Conv2D(filters, kernel_size, strides, padding, activation, use_bias)</c>).</summary>
    public static LayerInfo Conv2D(int filters, int kernelHeight, int kernelWidth, int strideHeight = 1, int strideWidth = 1,
        Padding padding = Padding.Valid, Activation activation = Activation.Linear, bool useBias = true, float l2 = 0) =>
        new(LayerKind.Conv2D, filters, new[] { kernelHeight, kernelWidth }, new[] { strideHeight, strideWidth }, padding, activation, useBias, 0, 0, 0, l2);

    /// <summary>A 1-D convolution over (steps, channels) (Keras <c>Conv1D</c>).</summary>
    public static LayerInfo Conv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid,
        Activation activation = Activation.Linear, bool useBias = true, float l2 = 0) =>
        new(LayerKind.Conv1D, filters, new[] { 1, kernelSize }, new[] { 1, strides }, padding, activation, useBias, 0, 0, 0, l2);

    /// <summary>Max pooling (Keras <c>MaxPooling2D(pool_size, strides, padding)</c>); strides 0 means the pool size, Keras's default.</summary>
    public static LayerInfo MaxPooling2D(int poolHeight, int poolWidth, int strideHeight = 0, int strideWidth = 0, Padding padding = Padding.Valid) =>
        Pooling(LayerKind.MaxPooling2D, poolHeight, poolWidth, strideHeight, strideWidth, padding);

    /// <summary>Average pooling over the valid positions of each window (Keras <c>AveragePooling2D</c>).</summary>
    public static LayerInfo AveragePooling2D(int poolHeight, int poolWidth, int strideHeight = 0, int strideWidth = 0, Padding padding = Padding.Valid) =>
        Pooling(LayerKind.AveragePooling2D, poolHeight, poolWidth, strideHeight, strideWidth, padding);

    /// <summary>Max pooling over steps (Keras <c>MaxPooling1D</c>).</summary>
    public static LayerInfo MaxPooling1D(int poolSize, int strides = 0, Padding padding = Padding.Valid) =>
        Pooling(LayerKind.MaxPooling1D, 1, poolSize, strides == 0 ? 0 : 1, strides, padding);

    /// <summary>Average pooling over steps (Keras <c>AveragePooling1D</c>).</summary>
    public static LayerInfo AveragePooling1D(int poolSize, int strides = 0, Padding padding = Padding.Valid) =>
        Pooling(LayerKind.AveragePooling1D, 1, poolSize, strides == 0 ? 0 : 1, strides, padding);

    /// <summary>The mean of each channel over height and width (Keras <c>GlobalAveragePooling2D</c>).</summary>
    public static LayerInfo GlobalAveragePooling2D() => Simple(LayerKind.GlobalAveragePooling2D);

    /// <summary>The mean of each channel over steps (Keras <c>GlobalAveragePooling1D</c>).</summary>
    public static LayerInfo GlobalAveragePooling1D() => Simple(LayerKind.GlobalAveragePooling1D);

    /// <summary>Flattens to one dimension in channels-last order (Keras <c>Flatten</c>).</summary>
    public static LayerInfo Flatten() => Simple(LayerKind.Flatten);

    /// <summary>Inverted dropout of its inputs in training (Keras <c>Dropout(rate)</c>).</summary>
    public static LayerInfo Dropout(float rate) =>
        new(LayerKind.Dropout, 0, new[] { 1, 1 }, new[] { 1, 1 }, Padding.Valid, Activation.Linear, false, rate, 0, 0, 0);

    /// <summary>Batch normalization over the last axis (Keras <c>BatchNormalization(momentum, epsilon)</c>).</summary>
    public static LayerInfo BatchNormalization(float momentum = 0.99f, float epsilon = 0.001f) =>
        new(LayerKind.BatchNormalization, 0, new[] { 1, 1 }, new[] { 1, 1 }, Padding.Valid, Activation.Linear, false, 0, momentum, epsilon, 0);

    // Strides 0 (Keras's strides=None) become the pool size, so that MaxPooling2D(2) and MaxPooling2D(2, strides 2) are equal.
    private static LayerInfo Pooling(LayerKind kind, int h, int w, int sh, int sw, Padding padding) =>
        new(kind, 0, new[] { h, w }, sh == 0 && sw == 0 ? new[] { h, w } : new[] { sh, sw }, padding, Activation.Linear, false, 0, 0, 0, 0);

    private static LayerInfo Simple(LayerKind kind) =>
        new(kind, 0, new[] { 1, 1 }, new[] { 1, 1 }, Padding.Valid, Activation.Linear, false, 0, 0, 0, 0);

    // ---------------------------------------------------------------- settings

    /// <summary>The layer's kind.</summary>
    public LayerKind Kind { get; }

    /// <summary>Dense's units or a convolution's filters; 0 for other kinds.</summary>
    public int Units { get; }

    /// <summary>The convolution kernel's or the pool's (height, width); (1, size) for 1-D layers; (1, 1) for others.</summary>
    public (int Height, int Width) Window => (_window[0], _window[1]);

    /// <summary>The strides (for pooling given as 0: the pool size, as Keras's default); (1, 1) for layers without a window.</summary>
    public (int Height, int Width) Strides => (_strides[0], _strides[1]);

    /// <summary>The border rule of convolutions and pooling.</summary>
    public Padding Padding { get; }

    /// <summary>The activation of Dense and convolution layers (<see cref="Activation.Linear"/> for others).</summary>
    public Activation Activation { get; }

    /// <summary>Whether a convolution has biases (always true for Dense).</summary>
    public bool UseBias { get; }

    /// <summary>The dropout rate of a Dropout layer.</summary>
    public float Rate { get; }

    /// <summary>BatchNormalization's momentum of the moving statistics (Keras's meaning: moving = momentum · moving + (1 − momentum) · batch).</summary>
    public float Momentum { get; }

    /// <summary>BatchNormalization's epsilon, added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>The L2 factor on a Dense or convolution layer's weights (0 for none).</summary>
    public float L2 { get; }

    // ---------------------------------------------------------------- resolved in a NetworkShape

    /// <summary>Whether this is a layer of a <see cref="NetworkShape"/> (shapes and offsets known) rather than a bare description.</summary>
    public bool IsResolved => _geometry is not null;

    /// <summary>Keras's default name for the layer in a fresh session: <c>conv2d</c>, <c>conv2d_1</c>, <c>dense</c>, ...</summary>
    public string Name { get; } = "";

    /// <summary>The input's shape without the batch: (units), (steps, channels) or (height, width, channels).</summary>
    public IReadOnlyList<int> InputShape => Geometry.InputShape;

    /// <summary>The output's shape without the batch.</summary>
    public IReadOnlyList<int> OutputShape => Geometry.OutputShape;

    /// <summary>Where the layer's parameters start in <see cref="NeuralNetwork.Parameters"/>: weights, then biases, then state.</summary>
    public int ParameterOffset => Geometry is null ? 0 : _parameterOffset;

    /// <summary>
    /// Weights: Dense [units x inputs] row-major (PyTorch's <c>Linear.weight</c>); convolutions [kernel height,
    /// kernel width, input channels, filters] (Keras's kernel); BatchNormalization gamma then beta.
    /// </summary>
    public int WeightCount => (int)Geometry.WeightCount;

    /// <summary>Biases (after the weights).</summary>
    public int BiasCount => Geometry.BiasCount;

    /// <summary>Values not trained by gradient (after the biases): BatchNormalization's moving mean then moving variance.</summary>
    public int StateCount => Geometry.StateCount;

    /// <summary>All of the layer's values in the parameter buffer.</summary>
    public int ParameterCount => (int)Geometry.ParameterCount;

    internal LayerGeometry Geometry => _geometry ?? throw new InvalidOperationException(
        $"This {Kind} layer is a bare description: its shapes and offsets are known once it is part of a NetworkShape (see NetworkShape.Layers).");

    /// <summary>Applies the layer's shape rule to <paramref name="input"/>; null and a message when it cannot take it.</summary>
    internal LayerGeometry? Resolve(int[] input, out string? error) =>
        LayerGeometry.Create(Kind, input, Units, _window[0], _window[1], _strides[0], _strides[1], Padding, UseBias, out error);

    internal LayerInfo Resolved(LayerGeometry geometry, int parameterOffset, string name) => new(this, geometry, parameterOffset, name);

    /// <summary>Keras's class name and the main settings, e.g. <c>Conv2D(16, 3x3, relu)</c>.</summary>
    public override string ToString()
    {
        string act = Activation == Activation.Linear ? "" : ", " + ActivationFacts.KerasName(Activation);
        string F(float v) => v.ToString(CultureInfo.InvariantCulture);
        return Kind switch
        {
            LayerKind.Dense => $"Dense({Units}{act})",
            LayerKind.Conv2D => $"Conv2D({Units}, {_window[0]}x{_window[1]}{StrideText()}{PaddingText()}{(UseBias ? "" : ", no bias")}{act})",
            LayerKind.Conv1D => $"Conv1D({Units}, {_window[1]}{StrideText()}{PaddingText()}{(UseBias ? "" : ", no bias")}{act})",
            LayerKind.MaxPooling2D or LayerKind.AveragePooling2D => $"{Kind}({_window[0]}x{_window[1]}{StrideText()}{PaddingText()})",
            LayerKind.MaxPooling1D or LayerKind.AveragePooling1D => $"{Kind}({_window[1]}{StrideText()}{PaddingText()})",
            LayerKind.Dropout => $"Dropout({F(Rate)})",
            LayerKind.BatchNormalization => $"BatchNormalization(momentum {F(Momentum)}, epsilon {F(Epsilon)})",
            _ => Kind + "()",
        };

        string StrideText()
        {
            bool oneD = Kind is LayerKind.Conv1D or LayerKind.MaxPooling1D or LayerKind.AveragePooling1D;
            bool conv = Kind is LayerKind.Conv2D or LayerKind.Conv1D;
            if (conv ? _strides[0] == 1 && _strides[1] == 1 : _strides[0] == _window[0] && _strides[1] == _window[1]) return "";
            return oneD ? $", strides {_strides[1]}" : $", strides {_strides[0]}x{_strides[1]}";
        }

        string PaddingText() => Padding == Padding.Same ? ", same" : "";
    }

    /// <summary>Equal settings (shapes and offsets follow from the settings and the layers before).</summary>
    public bool Equals(LayerInfo? other) =>
        other is not null && Kind == other.Kind && Units == other.Units &&
        _window.AsSpan().SequenceEqual(other._window) && _strides.AsSpan().SequenceEqual(other._strides) &&
        Padding == other.Padding && Activation == other.Activation && UseBias == other.UseBias &&
        Rate.Equals(other.Rate) && Momentum.Equals(other.Momentum) && Epsilon.Equals(other.Epsilon) && L2.Equals(other.L2);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as LayerInfo);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Units, _window[0], _window[1], Activation);
}
