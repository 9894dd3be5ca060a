using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;

namespace StaticNet;

/// <summary>
/// The layer sizes and activations of a network, and where each layer's weights and biases live
/// in the contiguous parameter buffer. The generator creates one per <c>[Network]</c> class; its
/// constant offsets in the generated code are the same numbers this type computes.
/// </summary>
/// <remarks>
/// Layout: for each dense layer in order, its weights as a row-major [outputs x inputs] matrix
/// (PyTorch's <c>nn.Linear.weight</c> layout), then its biases [outputs]; the arithmetic is
/// shared with the generator (<c>src/Shared/ParameterLayout.cs</c>).
/// </remarks>
public sealed class NetworkShape : IEquatable<NetworkShape>
{
    private readonly int[] _sizes;
    private readonly Activation[] _activations;
    private readonly int[] _weightOffsets;
    private readonly float[] _dropout;
    private readonly float[] _l2;
    private readonly int[] _activationOffsets;

    /// <summary>Creates a shape; validates the same rules the generator's diagnostics enforce.</summary>
    /// <param name="layerSizes">The input size, then each dense layer's size.</param>
    /// <param name="activations">One activation per dense layer.</param>
    /// <param name="leakyReluSlope">Leaky ReLU's negative-side slope.</param>
    /// <param name="dropoutRates">One dropout rate per dense layer (the output layer's must be 0), or null for none.</param>
    /// <param name="l2">One L2 factor per dense layer, or null for none.</param>
    public NetworkShape(int[] layerSizes, Activation[] activations, float leakyReluSlope = 0.2f, float[]? dropoutRates = null, float[]? l2 = null)
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        ArgumentNullException.ThrowIfNull(activations);
        if (layerSizes.Length < 2)
            throw new ArgumentException($"A network needs at least two layer sizes (input and output); got {layerSizes.Length}.", nameof(layerSizes));
        if (activations.Length != layerSizes.Length - 1)
            throw new ArgumentException($"Expected {layerSizes.Length - 1} activations (one per dense layer); got {activations.Length}.", nameof(activations));
        if (!float.IsFinite(leakyReluSlope) || leakyReluSlope < 0)
            throw new ArgumentOutOfRangeException(nameof(leakyReluSlope), leakyReluSlope, "The leaky ReLU slope must be a finite number >= 0.");

        _sizes = (int[])layerSizes.Clone();
        _activations = (Activation[])activations.Clone();
        _dropout = dropoutRates is null ? new float[activations.Length] : (float[])dropoutRates.Clone();
        _l2 = l2 is null ? new float[activations.Length] : (float[])l2.Clone();
        if (_dropout.Length != activations.Length)
            throw new ArgumentException($"Expected {activations.Length} dropout rates (one per dense layer); got {_dropout.Length}.", nameof(dropoutRates));
        if (_l2.Length != activations.Length)
            throw new ArgumentException($"Expected {activations.Length} L2 factors (one per dense layer); got {_l2.Length}.", nameof(l2));
        for (int l = 0; l < _activations.Length; l++)
        {
            int fanIn = _sizes[l], fanOut = _sizes[l + 1];
            if (fanIn <= 0 || fanOut <= 0)
                throw new ArgumentException($"Layer size {l} must be positive; got {(fanIn <= 0 ? fanIn : fanOut)}.", nameof(layerSizes));
            if (!Enum.IsDefined(_activations[l]))
                throw new ArgumentException($"Activation {l} has the undefined value {(int)_activations[l]}.", nameof(activations));
            bool isOutput = l == _activations.Length - 1;
            if (_activations[l] == Activation.Softmax && !isOutput)
                throw new ArgumentException($"Softmax is only supported on the output layer; layer {l + 1} is hidden.", nameof(activations));
            if (_activations[l] == Activation.Softmax && fanOut == 1)
                throw new ArgumentException("Softmax over a single output unit is always 1; use Sigmoid.", nameof(activations));
            if (!(_dropout[l] >= 0 && _dropout[l] < 1) || (isOutput && _dropout[l] != 0))
                throw new ArgumentException($"Dropout rate {l} must be in [0, 1) on hidden layers and 0 on the output layer; got {_dropout[l]}.", nameof(dropoutRates));
            if (!(float.IsFinite(_l2[l]) && _l2[l] >= 0))
                throw new ArgumentException($"L2 factor {l} must be a finite number >= 0; got {_l2[l]}.", nameof(l2));
            HasDropout |= _dropout[l] > 0;
            HasL2 |= _l2[l] > 0;
        }
        // The layout arithmetic is shared with the generator (src/Shared/ParameterLayout.cs): the generated
        // code's constant offsets are these numbers.
        long[] weightOffsets = ParameterLayout.WeightOffsets(_sizes, out long offset);
        if (offset > Array.MaxLength)
            throw new ArgumentException($"The network has {offset} parameters; at most {Array.MaxLength} fit in one buffer.", nameof(layerSizes));
        _weightOffsets = Array.ConvertAll(weightOffsets, o => (int)o);
        _activationOffsets = ParameterLayout.ActivationOffsets(_sizes, _dropout, out int perSample);
        ActivationsPerSample = perSample;
        ParameterCount = (int)offset;
        MaxHiddenSize = ParameterLayout.MaxHiddenSize(_sizes);
        LeakyReluSlope = leakyReluSlope;
    }

    /// <summary>The input size followed by every dense layer's size.</summary>
    public IReadOnlyList<int> LayerSizes => _sizes;

    /// <summary>The activation of each dense layer.</summary>
    public IReadOnlyList<Activation> Activations => _activations;

    /// <summary>The number of dense layers (one fewer than <see cref="LayerSizes"/>).</summary>
    public int LayerCount => _activations.Length;

    /// <summary>Values per input sample.</summary>
    public int InputSize => _sizes[0];

    /// <summary>Values per output sample.</summary>
    public int OutputSize => _sizes[^1];

    /// <summary>The activation of the output layer.</summary>
    public Activation OutputActivation => _activations[^1];

    /// <summary>All weights and biases.</summary>
    public int ParameterCount { get; }

    /// <summary>The negative-side slope of <see cref="Activation.LeakyRelu"/>.</summary>
    public float LeakyReluSlope { get; }

    /// <summary>Whether any hidden layer has dropout.</summary>
    public bool HasDropout { get; }

    /// <summary>Whether any layer has L2 regularization.</summary>
    public bool HasL2 { get; }

    /// <summary>The dropout rate after dense layer <paramref name="layer"/> (0 for none).</summary>
    public float DropoutRate(int layer) => _dropout[layer];

    /// <summary>The L2 factor of dense layer <paramref name="layer"/>'s weights (0 for none).</summary>
    public float L2(int layer) => _l2[layer];

    /// <summary>
    /// Where dense layer <paramref name="layer"/>'s outputs start in the training activations, per
    /// sample (multiply by the batch size). A layer with dropout is followed by its dropped outputs
    /// and its mask, each as large; the output layer's block comes last.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)] // the training workspace's layout: for generated code and tests, not for users
    public int ActivationOffset(int layer) => _activationOffsets[layer];

    /// <summary>Values one sample keeps during training: each dense layer's outputs (three blocks for a layer with dropout).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)] // the training workspace's layout: for generated code and tests, not for users
    public int ActivationsPerSample { get; }

    /// <summary>The widest hidden layer (0 when there is none).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)] // the training workspace's layout: for generated code and tests, not for users
    public int MaxHiddenSize { get; }

    /// <summary>Offset of dense layer <paramref name="layer"/>'s weights (0-based layer index).</summary>
    public int WeightOffset(int layer) => _weightOffsets[layer];

    /// <summary>Offset of dense layer <paramref name="layer"/>'s biases (0-based layer index).</summary>
    public int BiasOffset(int layer) => (int)ParameterLayout.BiasOffset(_weightOffsets[layer], _sizes[layer], _sizes[layer + 1]);

    /// <summary>Number of inputs of dense layer <paramref name="layer"/>.</summary>
    public int FanIn(int layer) => _sizes[layer];

    /// <summary>Number of outputs of dense layer <paramref name="layer"/>.</summary>
    public int FanOut(int layer) => _sizes[layer + 1];

    /// <summary>For example <c>784-25(sigmoid)-15(sigmoid)-1(sigmoid)</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string> { _sizes[0].ToString(CultureInfo.InvariantCulture) };
        for (int l = 0; l < _activations.Length; l++)
        {
            parts.Add($"{_sizes[l + 1].ToString(CultureInfo.InvariantCulture)}({_activations[l].ToString().ToLowerInvariant()})");
            if (_dropout[l] > 0) parts[^1] += $"+dropout({_dropout[l].ToString(CultureInfo.InvariantCulture)})";
        }
        return string.Join("-", parts);
    }

    /// <inheritdoc/>
    public bool Equals(NetworkShape? other) =>
        other is not null && _sizes.AsSpan().SequenceEqual(other._sizes) &&
        _activations.SequenceEqual(other._activations) && LeakyReluSlope.Equals(other.LeakyReluSlope) &&
        _dropout.AsSpan().SequenceEqual(other._dropout) && _l2.AsSpan().SequenceEqual(other._l2);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as NetworkShape);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int s in _sizes) hash.Add(s);
        foreach (var a in _activations) hash.Add(a);
        return hash.ToHashCode();
    }
}
