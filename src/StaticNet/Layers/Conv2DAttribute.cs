using System;

namespace StaticNet;

/// <summary>
/// A 2-D convolution over a (height, width, channels) input (Keras <c>Conv2D(filters, kernel_size, strides,
/// padding, activation, use_bias)</c>). Its kernel is stored as Keras stores it, [height, width, in, filters].
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : Attribute
{
    /// <summary><paramref name="filters"/> output channels, each from a <paramref name="kernelSize"/> x <paramref name="kernelSize"/> window.</summary>
    public Conv2DAttribute(int filters, int kernelSize) : this(filters, kernelSize, kernelSize) { }

    /// <summary><paramref name="filters"/> output channels, each from a <paramref name="kernelHeight"/> x <paramref name="kernelWidth"/> window.</summary>
    public Conv2DAttribute(int filters, int kernelHeight, int kernelWidth)
    {
        Filters = filters;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }

    /// <summary>The number of output channels.</summary>
    public int Filters { get; }

    /// <summary>The window's height.</summary>
    public int KernelHeight { get; }

    /// <summary>The window's width.</summary>
    public int KernelWidth { get; }

    /// <summary>The step between windows (Keras <c>strides</c>); 1 by default.</summary>
    public int Strides { get; set; } = 1;

    /// <summary><see cref="StaticNet.Padding.Valid"/> (the default) or <see cref="StaticNet.Padding.Same"/>.</summary>
    public Padding Padding { get; set; }

    /// <summary>The activation; <see cref="StaticNet.Activation.Linear"/> by default, as in Keras.</summary>
    public Activation Activation { get; set; }

    /// <summary>Whether the layer adds a bias per filter; true by default (false before BatchNormalization, which has its own).</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>L2 regularization of the kernel (Keras <c>kernel_regularizer=L2(factor)</c>); 0 for none.</summary>
    public float L2 { get; set; }
}
