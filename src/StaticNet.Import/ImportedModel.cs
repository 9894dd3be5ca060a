using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace StaticNet.Import;

/// <summary>
/// A network read from a model file: its input shape and its layers with their parameters in StaticNet's
/// layout, ready to become a <c>[Network]</c> (Dense stack) or <c>[Sequential]</c> (layer by layer)
/// declaration and a safetensors file, or to be loaded into a declared network. Shapes are channels-last
/// (height, width, channels) as in Keras and StaticNet, also for models from channels-first PyTorch.
/// </summary>
public sealed class ImportedModel
{
    private readonly LayerSpec[] _specs;
    private readonly int[] _inputShape;

    internal ImportedModel(string path, string format, int[] inputShape, IReadOnlyList<LayerSpec> specs, float leakyReluSlope, bool hasArchitecture,
        IReadOnlyList<WeightGroup>? weightGroups = null)
    {
        Path = path;
        Format = format;
        _inputShape = inputShape;
        _specs = specs.ToArray();
        LeakyReluSlope = leakyReluSlope;
        HasArchitecture = hasArchitecture;
        WeightGroups = weightGroups;
        Layers = _specs.Where(s => s.Kind == LayerKind.Dense)
            .Select(s => new ImportedLayer(s.Name, s.Weights.Length / s.Units, s.Units, s.Weights, s.Bias, s.Activation)).ToArray();
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The file's format, for messages.</summary>
    public string Format { get; }

    /// <summary>The input's shape without the batch, channels-last: (units), (steps, channels) or (height, width, channels).</summary>
    public IReadOnlyList<int> InputShape => _inputShape;

    /// <summary>Values per input sample.</summary>
    public int InputSize => _inputShape.Aggregate(1, (a, d) => a * d);

    /// <summary>The Dense layers, input to output (a Dense stack's whole network; see <see cref="ToShape"/> for every layer).</summary>
    public IReadOnlyList<ImportedLayer> Layers { get; }

    /// <summary>Leaky ReLU's negative-side slope (0.2, StaticNet's default, when no layer uses it).</summary>
    public float LeakyReluSlope { get; }

    /// <summary>
    /// False for a weights-only file (Keras's <c>.weights.h5</c>): the sizes are known, the
    /// activations are not, so it can only be loaded into a declared network.
    /// </summary>
    public bool HasArchitecture { get; }

    /// <summary>True when the network is Dense layers on a 1-D input: it becomes a <c>[Network(...)]</c> declaration; otherwise a <c>[Sequential(...)]</c> one.</summary>
    public bool IsDenseStack => _inputShape.Length == 1 && _specs.All(s => s.Kind == LayerKind.Dense) && WeightGroups is null;

    /// <summary>All parameters (weights, biases, batch-normalization statistics).</summary>
    public int ParameterCount => WeightGroups?.Sum(g => g.Tensors.Sum(t => t.Data.Length)) ?? _specs.Sum(s => s.ParameterCount);

    /// <summary>The input size, then each layer's units (Dense stacks only).</summary>
    /// <exception cref="InvalidOperationException">The network is not a Dense stack.</exception>
    public int[] LayerSizes => IsDenseStack
        ? new[] { InputSize }.Concat(Layers.Select(l => l.Outputs)).ToArray()
        : throw new InvalidOperationException($"{Path} holds {this}, not a Dense stack; its layers are ToShape().Layers.");

    internal IReadOnlyList<LayerSpec> Specs => _specs;

    /// <summary>A weights-only Keras file of a network that is not a Dense stack: the tensors per layer, matched to a declared network when loaded.</summary>
    internal IReadOnlyList<WeightGroup>? WeightGroups { get; }

    /// <summary>The StaticNet network this model is (layers, shapes, activations, leaky slope).</summary>
    /// <exception cref="InvalidOperationException">The file holds weights only.</exception>
    public NetworkShape ToShape()
    {
        if (!HasArchitecture)
            throw new InvalidOperationException($"{Path} holds weights only ({Format}); it names no activations. Declare the network and load the weights into it.");
        return IsDenseStack
            ? new NetworkShape(LayerSizes, Layers.Select(l => l.Activation).ToArray(), LeakyReluSlope)
            : new NetworkShape(_inputShape, _specs.Select(s => s.ToLayerInfo()).ToArray(), LeakyReluSlope);
    }

    /// <summary>The parameters in the order of <c>model.Parameters</c>: per layer, its weights then its biases (BatchNormalization: gamma, beta, moving mean, moving variance).</summary>
    public float[] GetParameters()
    {
        var parameters = new float[ParameterCount];
        int offset = 0;
        foreach (LayerSpec spec in _specs)
        {
            spec.Weights.CopyTo(parameters.AsSpan(offset));
            offset += spec.Weights.Length;
            spec.Bias.CopyTo(parameters.AsSpan(offset));
            offset += spec.Bias.Length;
        }
        return parameters;
    }

    /// <summary><c>784-16(relu)-10(softmax)</c>, <c>784-16(?)-10(?)</c> for a weights-only file, or for other networks the input shape and the layers.</summary>
    public override string ToString()
    {
        if (WeightGroups is not null)
            return "weights of " + string.Join(", ", WeightGroups.Select(g => $"{g.Name} {string.Join(" ", g.Tensors.Select(t => "[" + string.Join(", ", t.Shape) + "]"))}"));
        if (!IsDenseStack && HasArchitecture) return ToShape().ToString();
        return string.Join("-", new[] { InputSize.ToString(CultureInfo.InvariantCulture) }.Concat(Layers.Select(l =>
            $"{l.Outputs.ToString(CultureInfo.InvariantCulture)}({(HasArchitecture ? l.Activation.ToString().ToLowerInvariant() : "?")})")));
    }
}

/// <summary>The tensors of one layer of a weights-only file, in the file's layout and order.</summary>
internal sealed record WeightGroup(string Name, IReadOnlyList<(string Path, int[] Shape, float[] Data)> Tensors);
