using System;

namespace StaticNet;

/// <summary>The largest value of each window of steps of each channel of a (steps, channels) input (Keras <c>MaxPooling1D(pool_size, strides, padding)</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPooling1DAttribute : Attribute
{
    /// <summary>Windows of <paramref name="poolSize"/> steps (Keras's default is 2).</summary>
    public MaxPooling1DAttribute(int poolSize = 2) => PoolSize = poolSize;

    /// <summary>The window's length.</summary>
    public int PoolSize { get; }

    /// <summary>The step between windows; 0 (the default) means the pool size, as Keras's <c>strides=None</c>.</summary>
    public int Strides { get; set; }

    /// <summary><see cref="StaticNet.Padding.Valid"/> (the default) or <see cref="StaticNet.Padding.Same"/> (padded positions take no part).</summary>
    public Padding Padding { get; set; }
}
