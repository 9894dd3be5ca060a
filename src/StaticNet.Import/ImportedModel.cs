using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace StaticNet.Import;

/// <summary>
/// A dense network read from a model file: its input size and its dense layers (weights
/// [outputs x inputs], biases, activations), ready to become a <c>[Network]</c> declaration and a
/// safetensors file, or to be loaded into a declared network.
/// </summary>
public sealed class ImportedModel
{
    internal ImportedModel(string path, string format, int inputSize, IReadOnlyList<ImportedLayer> layers, float leakyReluSlope, bool hasArchitecture)
    {
        Path = path;
        Format = format;
        InputSize = inputSize;
        Layers = layers;
        LeakyReluSlope = leakyReluSlope;
        HasArchitecture = hasArchitecture;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The file's format, for messages.</summary>
    public string Format { get; }

    /// <summary>Values per input sample.</summary>
    public int InputSize { get; }

    /// <summary>The dense layers, input to output.</summary>
    public IReadOnlyList<ImportedLayer> Layers { get; }

    /// <summary>Leaky ReLU's negative-side slope (0.2, StaticNet's default, when no layer uses it).</summary>
    public float LeakyReluSlope { get; }

    /// <summary>
    /// False for a weights-only file (Keras's <c>.weights.h5</c>): the sizes are known, the
    /// activations are not, so it can only be loaded into a declared network.
    /// </summary>
    public bool HasArchitecture { get; }

    /// <summary>All weights and biases.</summary>
    public int ParameterCount => Layers.Sum(l => l.Inputs * l.Outputs + l.Outputs);

    /// <summary>The input size, then each layer's units.</summary>
    public int[] LayerSizes => new[] { InputSize }.Concat(Layers.Select(l => l.Outputs)).ToArray();

    /// <summary>The StaticNet network this model is (sizes, activations, leaky slope).</summary>
    /// <exception cref="InvalidOperationException">The file holds weights only.</exception>
    public NetworkShape ToShape()
    {
        if (!HasArchitecture)
            throw new InvalidOperationException($"{Path} holds weights only ({Format}); it names no activations. Declare the network and load the weights into it.");
        return new NetworkShape(LayerSizes, Layers.Select(l => l.Activation).ToArray(), LeakyReluSlope);
    }

    /// <summary>The parameters in the order of <c>model.Parameters</c>: per layer, weights then biases.</summary>
    public float[] GetParameters()
    {
        var parameters = new float[ParameterCount];
        int offset = 0;
        foreach (ImportedLayer layer in Layers)
        {
            layer.Weights.CopyTo(parameters.AsSpan(offset));
            offset += layer.Weights.Length;
            layer.Bias.CopyTo(parameters.AsSpan(offset));
            offset += layer.Bias.Length;
        }
        return parameters;
    }

    /// <summary><c>784-16(relu)-10(softmax)</c>, or <c>784-16(?)-10(?)</c> for a weights-only file.</summary>
    public override string ToString() =>
        string.Join("-", new[] { InputSize.ToString(CultureInfo.InvariantCulture) }.Concat(Layers.Select(l =>
            $"{l.Outputs.ToString(CultureInfo.InvariantCulture)}({(HasArchitecture ? l.Activation.ToString().ToLowerInvariant() : "?")})")));
}
