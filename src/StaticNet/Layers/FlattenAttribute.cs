using System;

namespace StaticNet;

/// <summary>Reshapes its input to one dimension in channels-last order, as Keras <c>Flatten</c> (no arithmetic: the values stay where they are).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : Attribute
{
}
