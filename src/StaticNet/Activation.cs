namespace StaticNet;

/// <summary>The activation function applied after a dense layer's weighted sum.</summary>
/// <remarks>Names follow Keras (<c>'linear'</c>, <c>'sigmoid'</c>, <c>'tanh'</c>, <c>'relu'</c>,
/// <c>'leaky_relu'</c>, <c>'softmax'</c>).</remarks>
public enum Activation
{
    /// <summary>The identity, f(z) = z (Keras <c>'linear'</c>): regression outputs and logits.</summary>
    Linear = 0,
    /// <summary>f(z) = 1 / (1 + e^-z): binary outputs and the course's hidden layers.</summary>
    Sigmoid = 1,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh = 2,
    /// <summary>f(z) = max(0, z).</summary>
    Relu = 3,
    /// <summary>f(z) = z for z &gt; 0, otherwise slope * z; the slope is
    /// <see cref="NetworkAttribute.LeakyReluSlope"/> (0.2 by default, as Keras's <c>'leaky_relu'</c>).</summary>
    LeakyRelu = 4,
    /// <summary>Normalized exponentials over the output units (output layer only).</summary>
    Softmax = 5,
}
