using System;

namespace StaticNet;

/// <summary>
/// Declares a network layer by layer, as Keras's <c>Sequential</c>: this attribute gives the input's shape,
/// and the layer attributes that follow it on the same declaration (<see cref="DenseAttribute"/>,
/// <see cref="Conv2DAttribute"/>, <see cref="MaxPooling2DAttribute"/>, ...) give the layers in order. The
/// StaticNet generator computes every layer's shape at compile time (an impossible one is a compiler error at
/// that layer) and emits the class's forward, backward and prediction code with every size a constant.
/// </summary>
/// <example>
/// <code>
/// [Sequential(28, 28, 1)]                              // height, width, channels (channels last, as Keras)
/// [Conv2D(16, 3, Activation = Activation.Relu)]
/// [MaxPooling2D(2)]
/// [Conv2D(32, 3, Activation = Activation.Relu)]
/// [MaxPooling2D(2)]
/// [Flatten]
/// [Dense(64, Activation = Activation.Relu)]
/// [Dropout(0.2f)]
/// [Dense(10, Activation = Activation.Softmax)]
/// public partial class DigitCnn;
/// </code>
/// </example>
/// <remarks>The last layer must be <see cref="DenseAttribute"/>: the output layer, whose weighted sums the loss reads.
/// A network of Dense and Dropout layers on a 1-D input is the same network as the <see cref="NetworkAttribute"/> shorthand declares.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SequentialAttribute : Attribute
{
    /// <summary>Declares the input's shape without the batch: (units), (steps, channels) or (height, width, channels).</summary>
    public SequentialAttribute(params int[] inputShape) => InputShape = inputShape;

    /// <summary>The input's shape without the batch.</summary>
    public int[] InputShape { get; }

    /// <summary>The slope for negative inputs of <see cref="StaticNet.Activation.LeakyRelu"/>; 0.2 by default.</summary>
    public float LeakyReluSlope { get; set; } = 0.2f;

    /// <summary>A safetensors file (StaticNet's <c>Safetensors.Save</c> layout) whose weights the generator bakes into the
    /// class, as <see cref="NetworkAttribute.Weights"/>; an <c>AdditionalFiles</c> item of the project.</summary>
    public string? Weights { get; set; }

    /// <summary>The number format, as <see cref="NetworkAttribute.Precision"/> (Int8: Dense and Dropout layers only).</summary>
    public Precision Precision { get; set; }
}
