namespace StaticNet.Import;

/// <summary>One Dense layer read from a model file, in StaticNet's layout.</summary>
public sealed class ImportedLayer
{
    private readonly float[] _weights, _bias;

    internal ImportedLayer(string name, int inputs, int outputs, float[] weights, float[] bias, Activation activation)
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        _weights = weights;
        _bias = bias;
        Activation = activation;
    }

    /// <summary>Where the layer came from: the ONNX node or the Keras layer name.</summary>
    public string Name { get; }

    /// <summary>Inputs of the layer.</summary>
    public int Inputs { get; }

    /// <summary>Units of the layer.</summary>
    public int Outputs { get; }

    /// <summary>The activation after the weighted sum (<see cref="Activation.Linear"/> when none follows it).</summary>
    public Activation Activation { get; }

    /// <summary>Weights, row-major [outputs x inputs] as StaticNet (and PyTorch's <c>nn.Linear.weight</c>) stores them.</summary>
    public System.ReadOnlySpan<float> Weights => _weights;

    /// <summary>Biases, one per output.</summary>
    public System.ReadOnlySpan<float> Bias => _bias;

    internal float[] BiasArray => _bias;

    internal float[] WeightsArray => _weights;
}
