using System;

namespace StaticNet.Quantization;

/// <summary>
/// The shape of a convolution or pooling window over a channels-last input (height 1 for 1-D layers), as
/// <see cref="Int8Network"/> runs it: sizes known at run time, from a resolved <see cref="LayerInfo"/>.
/// For pooling, <see cref="Filters"/> is the channel count.
/// </summary>
internal readonly record struct ConvGeometry(int InHeight, int InWidth, int InChannels, int OutHeight, int OutWidth, int Filters,
    int WindowHeight, int WindowWidth, int StrideHeight, int StrideWidth, int PadTop, int PadLeft, Padding Padding)
{
    public int InputSize => InHeight * InWidth * InChannels;
    public int OutputSize => Positions * Filters;
    public int Positions => OutHeight * OutWidth;

    /// <summary>The input rows [iy0, iy1) and columns [ix0, ix1) of output position (<paramref name="oy"/>, <paramref name="ox"/>)'s window that lie inside the input.</summary>
    public (int Iy0, int Iy1, int Ix0, int Ix1) Inside(int oy, int ox)
    {
        int top = oy * StrideHeight - PadTop, left = ox * StrideWidth - PadLeft;
        return (Math.Max(top, 0), Math.Min(top + WindowHeight, InHeight), Math.Max(left, 0), Math.Min(left + WindowWidth, InWidth));
    }

    /// <summary>Values in one window: kernel height x kernel width x input channels.</summary>
    public int WindowSize => WindowHeight * WindowWidth * InChannels;

    /// <summary>
    /// Copies the window of output position <paramref name="position"/> (row-major over the output) into
    /// <paramref name="row"/> in (row, column, channel) order, <paramref name="pad"/> where it lies outside the input.
    /// </summary>
    public void Window<T>(ReadOnlySpan<T> input, int position, Span<T> row, T pad)
    {
        int oy = position / OutWidth, ox = position - oy * OutWidth;
        int iy0 = oy * StrideHeight - PadTop, ix0 = ox * StrideWidth - PadLeft;
        int c = InChannels, run = WindowWidth * c;
        bool columnsInside = ix0 >= 0 && ix0 + WindowWidth <= InWidth;
        for (int ky = 0; ky < WindowHeight; ky++)
        {
            Span<T> dst = row.Slice(ky * run, run);
            int iy = iy0 + ky;
            if (iy < 0 || iy >= InHeight)
            {
                dst.Fill(pad);
                continue;
            }
            if (columnsInside)
            {
                // The common case: the window's row is one contiguous run of the input.
                input.Slice((iy * InWidth + ix0) * c, run).CopyTo(dst);
                continue;
            }
            for (int kx = 0; kx < WindowWidth; kx++)
            {
                int ix = ix0 + kx;
                if (ix < 0 || ix >= InWidth) dst.Slice(kx * c, c).Fill(pad);
                else input.Slice((iy * InWidth + ix) * c, c).CopyTo(dst.Slice(kx * c, c));
            }
        }
    }
}
