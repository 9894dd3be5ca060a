using System;

namespace StaticNet;

/// <summary>The mean of each channel over height and width: (height, width, channels) to (channels) (Keras <c>GlobalAveragePooling2D</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAveragePooling2DAttribute : Attribute
{
}
