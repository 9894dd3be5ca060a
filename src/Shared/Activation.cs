// Shared source (src/Shared): compiled into the runtime, where this is the public StaticNet.Activation
// users write in [Network(...)], and into the generator (STATICNET_GENERATOR), where it is an internal
// copy in its own namespace (the generator cannot reference the runtime and reads the attribute's enum
// arguments as these integers). One list, so the two cannot disagree; netstandard2.0 C#.
#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet;
#endif

/// <summary>The activation function applied after a dense layer's weighted sum.</summary>
/// <remarks>Names follow Keras (<c>'linear'</c>, <c>'sigmoid'</c>, <c>'tanh'</c>, <c>'relu'</c>,
/// <c>'leaky_relu'</c>, <c>'softmax'</c>).</remarks>
#if STATICNET_GENERATOR
internal
#else
public
#endif
enum Activation
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

/// <summary>Facts about <see cref="Activation"/> that both the generator and the runtime use.</summary>
internal static class ActivationFacts
{
    /// <summary>The first and last defined values: the generator rejects attribute arguments outside them.</summary>
    public const Activation First = Activation.Linear, Last = Activation.Softmax;

    /// <summary>Whether <paramref name="raw"/> names an activation (the generator reads attribute arguments as integers).</summary>
    public static bool IsDefined(int raw) => raw >= (int)First && raw <= (int)Last;

    /// <summary>Keras's name for the activation (<c>'leaky_relu'</c>, <c>'softmax'</c>, ...).</summary>
    public static string KerasName(Activation activation) => activation switch
    {
        Activation.Linear => "linear",
        Activation.Sigmoid => "sigmoid",
        Activation.Tanh => "tanh",
        Activation.Relu => "relu",
        Activation.LeakyRelu => "leaky_relu",
        Activation.Softmax => "softmax",
        _ => ((int)activation).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
