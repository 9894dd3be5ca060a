using System.ComponentModel;

namespace StaticNet.Kernels;

/// <summary>
/// The sizes of one Conv2D (or Conv1D, with height 1) layer as compile-time constants: the generator
/// emits one struct per layer implementing this interface, and the JIT compiles a separate body of each
/// <see cref="Conv2D"/> kernel for it, so every size below is a constant in the compiled loops.
/// Output position (oy, ox) reads input rows oy * <see cref="StrideHeight"/> - <see cref="PadTop"/> + ky
/// and columns ox * <see cref="StrideWidth"/> - <see cref="PadLeft"/> + kx; positions outside the input
/// read zero.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IConv2DGeometry
{
    /// <summary>Input rows.</summary>
    static abstract int InHeight { get; }

    /// <summary>Input columns.</summary>
    static abstract int InWidth { get; }

    /// <summary>Input channels (the innermost index of the channels-last input).</summary>
    static abstract int InChannels { get; }

    /// <summary>Output rows.</summary>
    static abstract int OutHeight { get; }

    /// <summary>Output columns.</summary>
    static abstract int OutWidth { get; }

    /// <summary>Output channels, one per filter.</summary>
    static abstract int Filters { get; }

    /// <summary>Kernel rows.</summary>
    static abstract int KernelHeight { get; }

    /// <summary>Kernel columns.</summary>
    static abstract int KernelWidth { get; }

    /// <summary>Rows between the windows of two consecutive output rows.</summary>
    static abstract int StrideHeight { get; }

    /// <summary>Columns between the windows of two consecutive output columns.</summary>
    static abstract int StrideWidth { get; }

    /// <summary>Zero rows above the input (the rows below follow from the output height).</summary>
    static abstract int PadTop { get; }

    /// <summary>Zero columns left of the input (the columns on the right follow from the output width).</summary>
    static abstract int PadLeft { get; }
}
