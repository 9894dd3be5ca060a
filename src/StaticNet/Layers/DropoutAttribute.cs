using System;

namespace StaticNet;

/// <summary>
/// Inverted dropout (Keras <c>Dropout(rate)</c>): in training each input is zeroed with probability <see cref="Rate"/> and
/// the others scaled by 1 / (1 − rate); prediction and evaluation pass every input through.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Drops each input with probability <paramref name="rate"/>, in [0, 1).</summary>
    public DropoutAttribute(float rate) => Rate = rate;

    /// <summary>The fraction of inputs dropped in training.</summary>
    public float Rate { get; }
}
