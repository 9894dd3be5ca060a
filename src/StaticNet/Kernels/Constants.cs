namespace StaticNet.Kernels;

/// <summary>
/// A size known at compile time. The generator emits one empty struct per layer size; because the
/// JIT compiles a separate body for each struct type argument and inlines
/// <see cref="Value"/>, every kernel instantiated with it runs with constant loop bounds.
/// </summary>
public interface IConstant
{
    /// <summary>The constant.</summary>
    static abstract int Value { get; }
}

/// <summary>A float known at compile time (the leaky ReLU slope); see <see cref="IConstant"/>.</summary>
public interface IFloatConstant
{
    /// <summary>The constant.</summary>
    static abstract float Value { get; }
}

/// <summary>The default leaky ReLU slope, 0.2 (Keras's <c>'leaky_relu'</c>).</summary>
public readonly struct DefaultLeakySlope : IFloatConstant
{
    /// <inheritdoc/>
    public static float Value => 0.2f;
}
