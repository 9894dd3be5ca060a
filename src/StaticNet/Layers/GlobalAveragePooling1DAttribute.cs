using System;

namespace StaticNet;

/// <summary>The mean of each channel over steps: (steps, channels) to (channels) (Keras <c>GlobalAveragePooling1D</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAveragePooling1DAttribute : Attribute
{
}
