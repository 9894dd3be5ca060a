using System;

namespace StaticNet;

/// <summary>
/// A 1-D convolution over a (steps, channels) input, for audio and time series (Keras <c>Conv1D(filters,
/// kernel_size, strides, padding, activation, use_bias)</c>). Its kernel is stored as Keras stores it, [size, in, filters].
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv1DAttribute : Attribute
{
    /// <summary><paramref name="filters"/> output channels, each from a window of <paramref name="kernelSize"/> steps.</summary>
    public Conv1DAttribute(int filters, int kernelSize)
    {
        Filters = filters;
        KernelSize = kernelSize;
    }

    /// <summary>The number of output channels.</summary>
    public int Filters { get; }

    /// <summary>The window's length in steps.</summary>
    public int KernelSize { get; }

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
