using System;
using System.Collections.Generic;
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
/// (PyTorch's <c>nn.Linear.weight</c> layout), then its biases [outputs].
/// </remarks>
public sealed class NetworkShape : IEquatable<NetworkShape>
{
    private readonly int[] _sizes;
    private readonly Activation[] _activations;
    private readonly int[] _weightOffsets;

    /// <summary>Creates a shape; validates the same rules the generator's diagnostics enforce.</summary>
    public NetworkShape(int[] layerSizes, Activation[] activations, float leakyReluSlope = 0.2f)
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
        _weightOffsets = new int[activations.Length];
        long offset = 0;
        int maxHidden = 0;
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
            _weightOffsets[l] = checked((int)offset);
            offset += (long)fanIn * fanOut + fanOut;
            if (!isOutput) maxHidden = Math.Max(maxHidden, fanOut);
            ActivationsPerSample = checked(ActivationsPerSample + fanOut);
        }
        if (offset > Array.MaxLength)
            throw new ArgumentException($"The network has {offset} parameters; at most {Array.MaxLength} fit in one buffer.", nameof(layerSizes));
        ParameterCount = (int)offset;
        MaxHiddenSize = maxHidden;
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

    /// <summary>Sum of the dense layers' sizes: the activations one sample keeps during training.</summary>
    public int ActivationsPerSample { get; }

    /// <summary>The widest hidden layer (0 when there is none).</summary>
    public int MaxHiddenSize { get; }

    /// <summary>Offset of dense layer <paramref name="layer"/>'s weights (0-based layer index).</summary>
    public int WeightOffset(int layer) => _weightOffsets[layer];

    /// <summary>Offset of dense layer <paramref name="layer"/>'s biases (0-based layer index).</summary>
    public int BiasOffset(int layer) => _weightOffsets[layer] + _sizes[layer] * _sizes[layer + 1];

    /// <summary>Number of inputs of dense layer <paramref name="layer"/>.</summary>
    public int FanIn(int layer) => _sizes[layer];

    /// <summary>Number of outputs of dense layer <paramref name="layer"/>.</summary>
    public int FanOut(int layer) => _sizes[layer + 1];

    /// <summary>For example <c>784-25(sigmoid)-15(sigmoid)-1(sigmoid)</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string> { _sizes[0].ToString(CultureInfo.InvariantCulture) };
        for (int l = 0; l < _activations.Length; l++)
            parts.Add($"{_sizes[l + 1].ToString(CultureInfo.InvariantCulture)}({_activations[l].ToString().ToLowerInvariant()})");
        return string.Join("-", parts);
    }

    /// <inheritdoc/>
    public bool Equals(NetworkShape? other) =>
        other is not null && _sizes.AsSpan().SequenceEqual(other._sizes) &&
        _activations.SequenceEqual(other._activations) && LeakyReluSlope.Equals(other.LeakyReluSlope);

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
