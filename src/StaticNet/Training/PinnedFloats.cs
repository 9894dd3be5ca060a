using System;

namespace StaticNet;

/// <summary>
/// A caller's span of floats, pinned by a <c>fixed</c> statement around a call, as an object that the call's second thread can
/// read (a span cannot leave its thread). Valid only inside that statement: <c>Fit</c>'s span overload creates one and drops it
/// (with the worker that reads it) before returning.
/// </summary>
internal sealed unsafe class PinnedFloats(float* address, int length)
{
    public ReadOnlySpan<float> Span => new(address, length);
}
