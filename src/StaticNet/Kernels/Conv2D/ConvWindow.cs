using System;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>Which output positions a kernel tap reads inside the input (the rest read padding zeros).</summary>
internal static class ConvWindow
{
    /// <summary>
    /// The outputs o in [lo, hi) whose tap <paramref name="tap"/> reads input index
    /// o * stride - pad + tap inside [0, inSize); lo == hi when there are none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Lo, int Hi) Valid(int tap, int stride, int pad, int inSize, int outSize)
    {
        int first = pad - tap; // o * stride >= first
        int lo = first <= 0 ? 0 : (first + stride - 1) / stride;
        int last = inSize - 1 + pad - tap; // o * stride <= last
        int hi = last < 0 ? 0 : Math.Min(outSize, last / stride + 1);
        lo = Math.Min(lo, outSize);
        return hi < lo ? (lo, lo) : (lo, hi);
    }
}
