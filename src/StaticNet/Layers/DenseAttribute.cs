using System;

namespace StaticNet;

/// <summary>A fully connected layer in a <see cref="SequentialAttribute"/> network (Keras <c>Dense(units, activation)</c>); its input must be 1-D.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>A layer of <paramref name="units"/> outputs.</summary>
    public DenseAttribute(int units) => Units = units;

    /// <summary>The number of outputs.</summary>
    public int Units { get; }

    /// <summary>The activation; <see cref="StaticNet.Activation.Linear"/> by default, as in Keras.</summary>
    public Activation Activation { get; set; }

    /// <summary>L2 regularization of the weights (Keras <c>kernel_regularizer=L2(factor)</c>); 0 for none.</summary>
    public float L2 { get; set; }
}
