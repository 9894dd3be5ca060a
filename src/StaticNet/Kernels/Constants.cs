using System.ComponentModel;

namespace StaticNet.Kernels;

/// <summary>
/// A size known at compile time. The generator emits one empty struct per layer size; because the
/// JIT compiles a separate body for each struct type argument and inlines
/// <see cref="Value"/>, every kernel instantiated with it runs with constant loop bounds.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IConstant
{
    /// <summary>The constant.</summary>
    static abstract int Value { get; }
}

/// <summary>A float known at compile time (the leaky ReLU slope); see <see cref="IConstant"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IFloatConstant
{
    /// <summary>The constant.</summary>
    static abstract float Value { get; }
}
