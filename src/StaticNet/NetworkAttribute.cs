using System;

namespace StaticNet;

/// <summary>
/// Declares a fully connected network on a <c>partial class</c>; the StaticNet source generator
/// emits its forward, backward and prediction code with every size fixed at compile time.
/// </summary>
/// <example>
/// <code>
/// [Network(784, 25, 15, 1, Activation = Activation.Sigmoid)]
/// public partial class DigitNet;
///
/// [Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
/// public partial class MnistNet;
/// </code>
/// </example>
/// <remarks>
/// Activations are chosen, from the most general to the most specific, by
/// <see cref="Activation"/> (every layer), then <see cref="Hidden"/> and <see cref="Output"/>;
/// or all at once by <see cref="Activations"/>, one per dense layer. With none of them the
/// hidden layers use <see cref="StaticNet.Activation.Relu"/> and the output layer
/// <see cref="StaticNet.Activation.Linear"/>, as in a typical modern multilayer perceptron.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>Declares a network with the given layer sizes: the input size first, then the
    /// size of each dense layer; the last is the output size.</summary>
    public NetworkAttribute(params int[] layerSizes) => LayerSizes = layerSizes;

    /// <summary>The input size followed by the size of each dense layer.</summary>
    public int[] LayerSizes { get; }

    /// <summary>The activation of every layer, unless <see cref="Hidden"/> or <see cref="Output"/> say otherwise.</summary>
    public Activation Activation { get; set; }

    /// <summary>The activation of every hidden layer (all dense layers but the last).</summary>
    public Activation Hidden { get; set; }

    /// <summary>The activation of the output layer.</summary>
    public Activation Output { get; set; }

    /// <summary>One activation per dense layer (one fewer than the layer sizes); cannot be combined
    /// with <see cref="Activation"/>, <see cref="Hidden"/> or <see cref="Output"/>.</summary>
    public Activation[]? Activations { get; set; }

    /// <summary>The slope for negative inputs of <see cref="StaticNet.Activation.LeakyRelu"/>; 0.2 by default.</summary>
    public float LeakyReluSlope { get; set; } = 0.2f;

    /// <summary>
    /// The dropout rate after every hidden layer, in [0, 1): during training each hidden output is
    /// zeroed with this probability and the rest scaled by 1 / (1 − rate), as Keras's <c>Dropout</c>
    /// layer does; prediction and evaluation use every unit. 0 (the default) means no dropout.
    /// </summary>
    public float Dropout { get; set; }

    /// <summary>One dropout rate per hidden layer (one fewer than the dense layers); cannot be combined with <see cref="Dropout"/>.</summary>
    public float[]? DropoutPerLayer { get; set; }

    /// <summary>
    /// L2 regularization of every dense layer's weights (not biases): the loss gains
    /// factor · Σ w², as Keras's <c>kernel_regularizer=L2(factor)</c>. 0 (the default) means none.
    /// </summary>
    public float L2 { get; set; }

    /// <summary>One L2 factor per dense layer; cannot be combined with <see cref="L2"/>.</summary>
    public float[]? L2PerLayer { get; set; }

    /// <summary>
    /// A safetensors file (PyTorch <c>nn.Sequential</c> layout: <c>"0.weight"</c> [out, in],
    /// <c>"0.bias"</c>, ...) whose weights the generator bakes into the class as static data, so
    /// that a new instance predicts with them without reading any file. The file must be an
    /// <c>AdditionalFiles</c> item of the project; it is matched by file name (or by the end of its path).
    /// </summary>
    public string? Weights { get; set; }

    /// <summary>
    /// <see cref="Precision.Int8"/>: the class becomes a prediction-only <see cref="Quantization.Int8Model"/>
    /// with the int8 weights of <see cref="Weights"/> (a file written by <see cref="Quantization.Int8Network.Save(string)"/>)
    /// baked in. <see cref="Precision.Float32"/> (the default): a trainable float32 network.
    /// </summary>
    public Precision Precision { get; set; }
}
