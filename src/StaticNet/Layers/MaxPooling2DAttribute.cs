using System;

namespace StaticNet;

/// <summary>The largest value of each window of each channel of a (height, width, channels) input (Keras <c>MaxPooling2D(pool_size, strides, padding)</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPooling2DAttribute : Attribute
{
    /// <summary>Square windows of <paramref name="poolSize"/> (Keras's default is 2).</summary>
    public MaxPooling2DAttribute(int poolSize = 2) : this(poolSize, poolSize) { }

    /// <summary>Windows of <paramref name="poolHeight"/> x <paramref name="poolWidth"/>.</summary>
    public MaxPooling2DAttribute(int poolHeight, int poolWidth)
    {
        PoolHeight = poolHeight;
        PoolWidth = poolWidth;
    }

    /// <summary>The window's height.</summary>
    public int PoolHeight { get; }

    /// <summary>The window's width.</summary>
    public int PoolWidth { get; }

    /// <summary>The step between windows; 0 (the default) means the pool size, as Keras's <c>strides=None</c>.</summary>
    public int Strides { get; set; }

    /// <summary><see cref="StaticNet.Padding.Valid"/> (the default) or <see cref="StaticNet.Padding.Same"/> (padded positions take no part).</summary>
    public Padding Padding { get; set; }
}
