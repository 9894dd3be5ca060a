using System.ComponentModel;

namespace StaticNet.Kernels;

/// <summary>
/// The compile-time geometry of one 2-D pooling layer (a 1-D layer is height 1: pool height 1,
/// stride 1, no vertical padding). The generator emits one struct per layer implementing it; the
/// JIT compiles a separate kernel body for each struct, so every size is a constant there.
/// Tensors are channels-last: a sample is InHeight x InWidth x Channels floats.
/// Output position (oy, ox) reads input rows oy * StrideHeight - PadTop + ky for ky &lt; PoolHeight,
/// and likewise for columns; positions outside the input are excluded (not zeros).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IPool2DGeometry
{
    /// <summary>Input rows.</summary>
    static abstract int InHeight { get; }

    /// <summary>Input columns.</summary>
    static abstract int InWidth { get; }

    /// <summary>Channels of input and output (pooling is per channel).</summary>
    static abstract int Channels { get; }

    /// <summary>Output rows.</summary>
    static abstract int OutHeight { get; }

    /// <summary>Output columns.</summary>
    static abstract int OutWidth { get; }

    /// <summary>Rows of the pooling window.</summary>
    static abstract int PoolHeight { get; }

    /// <summary>Columns of the pooling window.</summary>
    static abstract int PoolWidth { get; }

    /// <summary>Rows between consecutive windows.</summary>
    static abstract int StrideHeight { get; }

    /// <summary>Columns between consecutive windows.</summary>
    static abstract int StrideWidth { get; }

    /// <summary>Rows of padding above the input (Keras 'same': half the total padding, rounded down).</summary>
    static abstract int PadTop { get; }

    /// <summary>Columns of padding left of the input (Keras 'same': half the total padding, rounded down).</summary>
    static abstract int PadLeft { get; }
}
