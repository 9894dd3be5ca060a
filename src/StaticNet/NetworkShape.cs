using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;

namespace StaticNet;

/// <summary>
/// A network's layers, their shapes, and where each layer's parameters live in the contiguous
/// parameter buffer. The generator creates one per <c>[Network]</c> or <c>[Sequential]</c> class; its
/// constant offsets in the generated code are the same numbers this type computes.
/// </summary>
/// <remarks>
/// <para>Layout: each layer's parameters in layer order (<see cref="LayerInfo.WeightCount"/>): a dense
/// layer's weights as a row-major [outputs x inputs] matrix (PyTorch's <c>nn.Linear.weight</c>) then its
/// biases; a convolution's kernel [height, width, in, filters] (Keras's) then its biases; BatchNormalization's
/// gamma, beta, moving mean, moving variance. The arithmetic is shared with the generator
/// (<c>src/Shared/LayerGeometry.cs</c>, <c>NetworkLayout.cs</c>).</para>
/// <para>A network of Dense layers (with Dropout after hidden ones) on a 1-D input is a <em>dense stack</em>
/// (<see cref="IsDenseStack"/>), whatever attribute declared it; the per-dense-layer members
/// (<see cref="LayerSizes"/>, <see cref="FanIn"/>, <see cref="WeightOffset"/>, ...) describe such networks and
/// throw for others, whose layers <see cref="Layers"/> describes.</para>
/// </remarks>
public sealed class NetworkShape : IEquatable<NetworkShape>
{
    private readonly int[] _inputShape;
    private readonly LayerInfo[] _layers;
    private readonly int[] _activationOffsets;
    private readonly LayerInfo _outputLayer;

    // Dense stacks only: per dense layer.
    private readonly int[] _sizes = Array.Empty<int>();
    private readonly Activation[] _activations = Array.Empty<Activation>();
    private readonly int[] _denseLayers = Array.Empty<int>();
    private readonly float[] _dropout = Array.Empty<float>();
    private readonly float[] _l2 = Array.Empty<float>();

    /// <summary>Creates the shape of a dense stack; validates the same rules the generator's diagnostics enforce.</summary>
    /// <param name="layerSizes">The input size, then each dense layer's size.</param>
    /// <param name="activations">One activation per dense layer.</param>
    /// <param name="leakyReluSlope">Leaky ReLU's negative-side slope.</param>
    /// <param name="dropoutRates">One dropout rate per dense layer (the output layer's must be 0), or null for none.</param>
    /// <param name="l2">One L2 factor per dense layer, or null for none.</param>
    public NetworkShape(int[] layerSizes, Activation[] activations, float leakyReluSlope = 0.2f, float[]? dropoutRates = null, float[]? l2 = null)
        : this(layerSizes is null ? null! : new[] { layerSizes.Length > 0 ? layerSizes[0] : 0 },
               DenseLayers(layerSizes!, activations, dropoutRates, l2), leakyReluSlope, validatedInput: layerSizes)
    {
    }

    /// <summary>Creates the shape of a layer list, as Keras's <c>Sequential</c>: the input's shape without the batch, then the layers.</summary>
    /// <param name="inputShape">(units), (steps, channels) or (height, width, channels).</param>
    /// <param name="layers">The layers in order (from <see cref="LayerInfo.Dense"/>, <see cref="LayerInfo.Conv2D"/>, ...); the last must be Dense: the output layer.</param>
    /// <param name="leakyReluSlope">Leaky ReLU's negative-side slope.</param>
    /// <exception cref="ArgumentException">A layer cannot take its input's shape, or a setting is out of range; the message names the layer and shows the shapes.</exception>
    public NetworkShape(int[] inputShape, IReadOnlyList<LayerInfo> layers, float leakyReluSlope = 0.2f)
        : this(inputShape, layers, leakyReluSlope, validatedInput: null)
    {
    }

    private NetworkShape(int[] inputShape, IReadOnlyList<LayerInfo> layers, float leakyReluSlope, int[]? validatedInput)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(layers);
        if (inputShape.Length is < 1 or > 3)
            throw new ArgumentException($"The input shape has {inputShape.Length} dimensions; expected 1 (units), 2 (steps, channels) or 3 (height, width, channels).", nameof(inputShape));
        for (int d = 0; d < inputShape.Length; d++)
            if (inputShape[d] <= 0)
                throw new ArgumentException($"Input dimension {d} must be positive; got {inputShape[d]}.", nameof(inputShape));
        if (layers.Count == 0)
            throw new ArgumentException("A network needs at least one layer (the output layer).", nameof(layers));
        if (!float.IsFinite(leakyReluSlope) || leakyReluSlope < 0)
            throw new ArgumentOutOfRangeException(nameof(leakyReluSlope), leakyReluSlope, "The leaky ReLU slope must be a finite number >= 0.");
        _inputShape = (int[])inputShape.Clone();
        LeakyReluSlope = leakyReluSlope;
        if (LayerGeometry.LongProduct(_inputShape) > int.MaxValue / 3)
            throw new ArgumentException($"The input shape {LayerGeometry.Format(_inputShape)} has too many values per sample.", nameof(inputShape));
        InputSize = LayerGeometry.Product(_inputShape);

        // Resolve each layer against its input's shape; name it as Keras would in a fresh session.
        _layers = new LayerInfo[layers.Count];
        var geometries = new LayerGeometry[layers.Count];
        var counts = new Dictionary<LayerKind, int>();
        int[] shape = _inputShape;
        long offset = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerInfo layer = layers[i] ?? throw new ArgumentException($"Layer {i} is null.", nameof(layers));
            CheckSettings(layer, i, isOutput: i == layers.Count - 1);
            LayerGeometry geometry = layer.Resolve(shape, out string? error)
                ?? throw new ArgumentException($"Layer {i + 1} ({layer}): {error}.", nameof(layers));
            counts.TryGetValue(layer.Kind, out int n);
            counts[layer.Kind] = n + 1;
            string name = Interop.TensorMapping.KerasName(layer.Kind) + (n == 0 ? "" : "_" + n.ToString(CultureInfo.InvariantCulture));
            geometries[i] = geometry;
            _layers[i] = layer.Resolved(geometry, (int)Math.Min(offset, int.MaxValue), name);
            offset += geometry.ParameterCount;
            shape = geometry.OutputShape;
        }
        if (offset > Array.MaxLength)
            throw new ArgumentException($"The network has {offset} parameters; at most {Array.MaxLength} fit in one buffer.", validatedInput is null ? nameof(layers) : "layerSizes");
        _outputLayer = _layers[^1];
        MultiplyAddsPerSample = geometries.Sum(g => g.MultiplyAdds);
        NetworkLayout layout = NetworkLayout.Create(geometries)
            ?? throw new ArgumentException("A sample's training values do not fit one buffer: the layers' outputs are too large.", nameof(layers));
        _activationOffsets = layout.ActivationOffsets;
        ActivationsPerSample = layout.ActivationsPerSample;
        MaxHiddenSize = layout.MaxDeltaSize;
        ParameterCount = (int)layout.ParameterCount;
        HasDropout = _layers.Any(l => l.Kind == LayerKind.Dropout && l.Rate > 0);
        HasL2 = _layers.Any(l => l.L2 > 0);
        HasBatchNormalization = _layers.Any(l => l.Kind == LayerKind.BatchNormalization);

        // A dense stack keeps its per-dense-layer view (sizes, activations, dropout after each).
        IsDenseStack = _inputShape.Length == 1 && DenseStackView(out _sizes, out _activations, out _denseLayers, out _dropout, out _l2);
    }

    private static IReadOnlyList<LayerInfo> DenseLayers(int[] layerSizes, Activation[] activations, float[]? dropoutRates, float[]? l2)
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        ArgumentNullException.ThrowIfNull(activations);
        if (layerSizes.Length < 2)
            throw new ArgumentException($"A network needs at least two layer sizes (input and output); got {layerSizes.Length}.", nameof(layerSizes));
        if (activations.Length != layerSizes.Length - 1)
            throw new ArgumentException($"Expected {layerSizes.Length - 1} activations (one per dense layer); got {activations.Length}.", nameof(activations));
        if (dropoutRates is not null && dropoutRates.Length != activations.Length)
            throw new ArgumentException($"Expected {activations.Length} dropout rates (one per dense layer); got {dropoutRates.Length}.", nameof(dropoutRates));
        if (l2 is not null && l2.Length != activations.Length)
            throw new ArgumentException($"Expected {activations.Length} L2 factors (one per dense layer); got {l2.Length}.", nameof(l2));
        var layers = new List<LayerInfo>();
        for (int l = 0; l < activations.Length; l++)
        {
            int fanIn = layerSizes[l], fanOut = layerSizes[l + 1];
            if (fanIn <= 0 || fanOut <= 0)
                throw new ArgumentException($"Layer size {l} must be positive; got {(fanIn <= 0 ? fanIn : fanOut)}.", nameof(layerSizes));
            float rate = dropoutRates?[l] ?? 0;
            bool isOutput = l == activations.Length - 1;
            if (!(rate >= 0 && rate < 1) || (isOutput && rate != 0))
                throw new ArgumentException($"Dropout rate {l} must be in [0, 1) on hidden layers and 0 on the output layer; got {rate}.", nameof(dropoutRates));
            float factor = l2?[l] ?? 0;
            if (!(float.IsFinite(factor) && factor >= 0))
                throw new ArgumentException($"L2 factor {l} must be a finite number >= 0; got {factor}.", nameof(l2));
            layers.Add(LayerInfo.Dense(fanOut, activations[l], factor));
            if (rate > 0) layers.Add(LayerInfo.Dropout(rate));
        }
        return layers;
    }

    private static void CheckSettings(LayerInfo layer, int index, bool isOutput)
    {
        string where = $"Layer {index + 1} ({layer.Kind})";
        if (!Enum.IsDefined(layer.Kind))
            throw new ArgumentException($"Layer {index + 1} has the undefined kind {(int)layer.Kind}.", "layers");
        if (!Enum.IsDefined(layer.Activation))
            throw new ArgumentException($"{where} has the undefined activation {(int)layer.Activation}.", "activations");
        if (!Enum.IsDefined(layer.Padding))
            throw new ArgumentException($"{where} has the undefined padding {(int)layer.Padding}.", "layers");
        if (layer.Activation == Activation.Softmax && !isOutput)
            throw new ArgumentException($"Softmax is only supported on the output layer; layer {index + 1} is hidden.", "activations");
        if (layer.Activation == Activation.Softmax && layer.Units == 1)
            throw new ArgumentException("Softmax over a single output unit is always 1; use Sigmoid.", "activations");
        if (isOutput && layer.Kind != LayerKind.Dense)
            throw new ArgumentException($"The last layer is {layer.Kind}, but it must be Dense: the output layer, whose weighted sums the loss reads. Add a Dense layer with the output's size and activation.", "layers");
        if (layer.Kind == LayerKind.Dropout && !(layer.Rate >= 0 && layer.Rate < 1))
            throw new ArgumentException($"{where}: the dropout rate must be in [0, 1); got {layer.Rate}.", "dropoutRates");
        if (!(float.IsFinite(layer.L2) && layer.L2 >= 0))
            throw new ArgumentException($"{where}: the L2 factor must be a finite number >= 0; got {layer.L2}.", "l2");
        if (layer.Kind == LayerKind.BatchNormalization)
        {
            if (!(layer.Momentum >= 0 && layer.Momentum <= 1))
                throw new ArgumentException($"{where}: the momentum must be in [0, 1]; got {layer.Momentum}.", "layers");
            if (!(float.IsFinite(layer.Epsilon) && layer.Epsilon > 0))
                throw new ArgumentException($"{where}: epsilon must be a finite number > 0; got {layer.Epsilon}.", "layers");
        }
    }

    /// <summary>The per-dense-layer view when the layers are Dense ones, each hidden one followed by at most one Dropout.</summary>
    private bool DenseStackView(out int[] sizes, out Activation[] activations, out int[] denseLayers, out float[] dropout, out float[] l2)
    {
        var s = new List<int> { _inputShape[0] };
        var a = new List<Activation>();
        var d = new List<int>();
        var rates = new List<float>();
        var factors = new List<float>();
        sizes = Array.Empty<int>(); activations = Array.Empty<Activation>(); denseLayers = Array.Empty<int>(); dropout = Array.Empty<float>(); l2 = Array.Empty<float>();
        for (int i = 0; i < _layers.Length; i++)
        {
            LayerInfo layer = _layers[i];
            if (layer.Kind == LayerKind.Dense)
            {
                s.Add(layer.Units); a.Add(layer.Activation); d.Add(i); rates.Add(0); factors.Add(layer.L2);
            }
            else if (layer.Kind == LayerKind.Dropout && i > 0 && _layers[i - 1].Kind == LayerKind.Dense && layer.Rate > 0)
            {
                rates[^1] = layer.Rate;
            }
            else
            {
                return false;
            }
        }
        sizes = s.ToArray(); activations = a.ToArray(); denseLayers = d.ToArray(); dropout = rates.ToArray(); l2 = factors.ToArray();
        return true;
    }


    // ---------------------------------------------------------------- every network

    /// <summary>The layers in order, with their shapes and parameter offsets.</summary>
    public IReadOnlyList<LayerInfo> Layers => _layers;

    /// <summary>The input's shape without the batch: (units), (steps, channels) or (height, width, channels).</summary>
    public IReadOnlyList<int> InputShape => _inputShape;

    /// <summary>Values per input sample (the product of <see cref="InputShape"/>).</summary>
    public int InputSize { get; }

    /// <summary>Values per output sample.</summary>
    public int OutputSize => _outputLayer.Units;

    /// <summary>The activation of the output layer.</summary>
    public Activation OutputActivation => _outputLayer.Activation;

    /// <summary>All weights, biases and state (BatchNormalization's moving statistics).</summary>
    public int ParameterCount { get; }

    /// <summary>The negative-side slope of <see cref="Activation.LeakyRelu"/>.</summary>
    public float LeakyReluSlope { get; }

    /// <summary>The forward pass's multiply-adds per sample (a convolution's over every output position): how the step engine sizes work.</summary>
    internal long MultiplyAddsPerSample { get; }

    /// <summary>Whether any layer is a dropout with a rate above 0.</summary>
    public bool HasDropout { get; }

    /// <summary>Whether any layer has L2 regularization.</summary>
    public bool HasL2 { get; }

    /// <summary>Whether any layer is BatchNormalization: training then differs from inference even without dropout, and steps run on one thread (the batch statistics span the whole batch).</summary>
    public bool HasBatchNormalization { get; }

    /// <summary>Whether the network is Dense layers (each hidden one optionally followed by Dropout) on a 1-D input: the per-dense-layer members describe it.</summary>
    public bool IsDenseStack { get; }

    /// <summary>Where layer <paramref name="layer"/>'s (an index into <see cref="Layers"/>) training values start, per sample.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)] // the training workspace's layout: for generated code and tests, not for users
    public int LayerActivationOffset(int layer) => _activationOffsets[layer];

    /// <summary>Values one sample keeps during training (see <see cref="LayerGeometry.TrainingBlock"/>).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)] // the training workspace's layout: for generated code and tests, not for users
    public int ActivationsPerSample { get; }

    /// <summary>The largest input of any layer but the first (for a dense stack: the widest hidden layer; 0 when there is none).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)] // the training workspace's layout: for generated code and tests, not for users
    public int MaxHiddenSize { get; }

    // ---------------------------------------------------------------- dense stacks

    /// <summary>The input size followed by every dense layer's size (dense stacks only).</summary>
    public IReadOnlyList<int> LayerSizes => Dense(_sizes);

    /// <summary>The activation of each dense layer (dense stacks only).</summary>
    public IReadOnlyList<Activation> Activations => Dense(_activations);

    /// <summary>The number of dense layers (dense stacks only; one fewer than <see cref="LayerSizes"/>).</summary>
    public int LayerCount => Dense(_activations).Length;

    /// <summary>The dropout rate after dense layer <paramref name="layer"/> (0 for none; dense stacks only).</summary>
    public float DropoutRate(int layer) => Dense(_dropout)[layer];

    /// <summary>The L2 factor of dense layer <paramref name="layer"/>'s weights (0 for none; dense stacks only).</summary>
    public float L2(int layer) => Dense(_l2)[layer];

    /// <summary>
    /// Where dense layer <paramref name="layer"/>'s outputs start in the training activations, per
    /// sample (multiply by the batch size). A layer with dropout is followed by its dropped outputs
    /// and its mask, each as large; the output layer's block comes last. Dense stacks only.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)] // the training workspace's layout: for generated code and tests, not for users
    public int ActivationOffset(int layer) => _activationOffsets[Dense(_denseLayers)[layer]];

    /// <summary>Offset of dense layer <paramref name="layer"/>'s weights (0-based dense layer index; dense stacks only).</summary>
    public int WeightOffset(int layer) => _layers[Dense(_denseLayers)[layer]].ParameterOffset;

    /// <summary>Offset of dense layer <paramref name="layer"/>'s biases (dense stacks only).</summary>
    public int BiasOffset(int layer) => WeightOffset(layer) + _sizes[layer] * _sizes[layer + 1];

    /// <summary>Number of inputs of dense layer <paramref name="layer"/> (dense stacks only).</summary>
    public int FanIn(int layer) => Dense(_sizes)[layer];

    /// <summary>Number of outputs of dense layer <paramref name="layer"/> (dense stacks only).</summary>
    public int FanOut(int layer) => Dense(_sizes)[layer + 1];

    private T[] Dense<T>(T[] values) => IsDenseStack ? values : throw new InvalidOperationException(
        $"This member describes networks of Dense layers; {this} has other layers: use NetworkShape.Layers.");

    /// <summary>For example <c>784-25(sigmoid)-15(sigmoid)-1(sigmoid)</c>, or for other networks the layers: <c>(28, 28, 1)-Conv2D(16, 3x3, relu)-...</c>.</summary>
    public override string ToString()
    {
        if (!IsDenseStack)
            return LayerGeometry.Format(_inputShape) + string.Concat(_layers.Select(l => "-" + l));
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
        other is not null && _inputShape.AsSpan().SequenceEqual(other._inputShape) &&
        LeakyReluSlope.Equals(other.LeakyReluSlope) && _layers.SequenceEqual(other._layers);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as NetworkShape);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int s in _inputShape) hash.Add(s);
        foreach (LayerInfo layer in _layers) hash.Add(layer);
        return hash.ToHashCode();
    }
}
