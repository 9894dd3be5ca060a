using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Quantization;

/// <summary>
/// A convolution that an <see cref="Int8Network"/> keeps in float32 (the pre-activations), and the float32
/// convolution its calibration runs. A window of few values (a first layer over one channel: 9 for 3x3) makes
/// int8 cost more than it saves: each output position's bytes must be gathered and its sums rescaled, for
/// one or two multiply-adds of 32 lanes; float32 reads the input where it lies, one broadcast per value.
/// </summary>
internal sealed class Float32Convolution
{
    private readonly float[] _kernel;   // Keras's [kh, kw, cin, filters]: the filters of one input value are contiguous
    private readonly float[] _rows;     // the same as [filters x window] rows (the general path)
    private readonly float[] _bias;
    private readonly nint[] _offsets;   // byte offset of each window value (kernel order) from the window's first input

    public Float32Convolution(ConvGeometry shape, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Activation activation)
    {
        Shape = shape;
        _kernel = kernel.ToArray();
        _rows = QuantizedConv2DLayer.DenseRows(kernel, shape);
        _bias = bias.IsEmpty ? new float[shape.Filters] : bias.Slice(0, shape.Filters).ToArray();
        Activation = activation;
        _offsets = new nint[shape.WindowSize];
        for (int ky = 0, i = 0; ky < shape.WindowHeight; ky++)
            for (int kx = 0; kx < shape.WindowWidth; kx++)
                for (int c = 0; c < shape.InChannels; c++)
                    _offsets[i++] = ((ky * shape.InWidth + kx) * shape.InChannels + c) * sizeof(float);
    }

    public ConvGeometry Shape { get; }

    /// <summary>The kernel in Keras's [kh, kw, cin, filters] order (what <see cref="Int8Network.Save(string)"/> writes).</summary>
    public ReadOnlySpan<float> Kernel => _kernel;

    /// <summary>The biases (zeros for a layer without them).</summary>
    public ReadOnlySpan<float> Bias => _bias;

    public Activation Activation { get; }

    /// <summary>
    /// The window size below which <see cref="Int8Network"/> keeps a convolution in float32: two of the int8 kernel's
    /// 16-input blocks. Measured on the digit CNN: its first layer (9-value windows) took 16 us in int8 against 2.3-2.5 us
    /// in float32, its second (144 values) was faster in int8; the line between them is a choice, not a measurement.
    /// </summary>
    public const int Int8MinimumWindow = Kernels.Int8Layout.MinimumConvolutionWindow;

    /// <summary>y = the convolution of <paramref name="x"/> plus the bias, before the activation.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        ConvGeometry g = Shape;
        if (x.Length < g.InputSize || y.Length < g.OutputSize) throw new ArgumentException($"Expected {g.InputSize} inputs and room for {g.OutputSize} outputs.");
        if (Avx512F.IsSupported && g.Filters % Vector512<float>.Count == 0)
        {
            // The common first layers' column steps as constants (one or three channels at stride 1): the JIT then
            // addresses the eight columns with fixed displacements instead of eight offset registers.
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float yr = ref MemoryMarshal.GetReference(y);
            switch (g.StrideWidth * g.InChannels)
            {
                case 1: Tiled<OneFloat>(g, ref xr, ref yr); break;
                case 3: Tiled<ThreeFloats>(g, ref xr, ref yr); break;
                default: Tiled<AnyStep>(g, ref xr, ref yr); break;
            }
            return;
        }
        int window = g.WindowSize;
        Span<float> row = window <= 4096 ? stackalloc float[window] : new float[window];
        for (int p = 0; p < g.Positions; p++)
        {
            g.Window(x, p, row, 0f);
            for (int f = 0; f < g.Filters; f++)
                y[p * g.Filters + f] = TensorPrimitives.Dot(_rows.AsSpan(f * window, window), row) + _bias[f];
        }
    }

    /// <summary>
    /// 16 filters at a time: eight neighbouring output columns whose windows lie inside the input share each
    /// weight vector (eight multiply-add chains hide the latency); other positions one at a time, skipping the
    /// window's values outside the input (zeros).
    /// </summary>
    /// <summary>The byte offset of column k of a tile from its first column, for a step of <c>step</c> bytes between columns.</summary>
    private interface IColumnStep
    {
        static abstract nint Offset(nint step, int k);
    }

    private readonly struct OneFloat : IColumnStep
    {
        public static nint Offset(nint step, int k) => k * sizeof(float);
    }

    private readonly struct ThreeFloats : IColumnStep
    {
        public static nint Offset(nint step, int k) => k * 3 * sizeof(float);
    }

    private readonly struct AnyStep : IColumnStep
    {
        public static nint Offset(nint step, int k) => k * step;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tiled<TStep>(ConvGeometry g, ref float x, ref float y) where TStep : IColumnStep
    {
        const int Tile = 8;
        int cin = g.InChannels, filters = g.Filters, kh = g.WindowHeight, kw = g.WindowWidth;
        ref float k = ref MemoryMarshal.GetArrayDataReference(_kernel);
        ref float b = ref MemoryMarshal.GetArrayDataReference(_bias);
        ref nint offsets = ref MemoryMarshal.GetArrayDataReference(_offsets);
        int window = g.WindowSize;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int iy0 = oy * g.StrideHeight - g.PadTop;
            bool rowsInside = iy0 >= 0 && iy0 + kh <= g.InHeight;
            int ox = 0;
            while (ox < g.OutWidth)
            {
                int ix0 = ox * g.StrideWidth - g.PadLeft;
                // The last columns of a row: a tile shifted left to end at the row's end, when it lies inside (it
                // recomputes a few columns with the same operations in the same order, so the values are the same).
                int start = ox + Tile <= g.OutWidth ? ox : Math.Max(g.OutWidth - Tile, 0);
                int startIx = start * g.StrideWidth - g.PadLeft;
                if (rowsInside && start + Tile <= g.OutWidth && startIx >= 0 && (start + Tile - 1) * g.StrideWidth - g.PadLeft + kw <= g.InWidth)
                {
                    ox = start;
                    ix0 = startIx;
                    nint step = g.StrideWidth * cin * sizeof(float);
                    nint wStep = filters * sizeof(float);
                    for (int f = 0; f < filters; f += Vector512<float>.Count)
                    {
                        Vector512<float> bias = Vector512.LoadUnsafe(ref b, (nuint)f);
                        Vector512<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
                        // One loop over the window's values (offsets from its first input, in kernel order): fewer loop
                        // counters and branches than rows, columns and channels for the small windows this class serves.
                        ref byte x0 = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref x, (iy0 * g.InWidth + ix0) * cin));
                        ref byte wi = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref k, f));
                        for (int i = 0; i < window; i++)
                        {
                            ref byte xi = ref Unsafe.AddByteOffset(ref x0, Unsafe.Add(ref offsets, i));
                            Vector512<float> w = Vector512.LoadUnsafe(ref Unsafe.As<byte, float>(ref wi));
                            EightColumns<TStep>(ref xi, step, w, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                            wi = ref Unsafe.AddByteOffset(ref wi, wStep);
                        }
                        ref float yo = ref Unsafe.Add(ref y, (oy * g.OutWidth + ox) * filters + f);
                        a0.StoreUnsafe(ref yo, 0);
                        a1.StoreUnsafe(ref yo, (nuint)filters);
                        a2.StoreUnsafe(ref yo, (nuint)(2 * filters));
                        a3.StoreUnsafe(ref yo, (nuint)(3 * filters));
                        a4.StoreUnsafe(ref yo, (nuint)(4 * filters));
                        a5.StoreUnsafe(ref yo, (nuint)(5 * filters));
                        a6.StoreUnsafe(ref yo, (nuint)(6 * filters));
                        a7.StoreUnsafe(ref yo, (nuint)(7 * filters));
                    }
                    ox += Tile;
                    continue;
                }
                // One position: the kernel rows and columns inside the input.
                int ky0 = Math.Max(0, -iy0), ky1 = Math.Min(kh, g.InHeight - iy0);
                int kx0 = Math.Max(0, -ix0), kx1 = Math.Min(kw, g.InWidth - ix0);
                for (int f = 0; f < filters; f += Vector512<float>.Count)
                {
                    Vector512<float> a = Vector512.LoadUnsafe(ref b, (nuint)f);
                    for (int ky = ky0; ky < ky1; ky++)
                    {
                        int run = (kx1 - kx0) * cin;
                        ref float xr = ref Unsafe.Add(ref x, ((iy0 + ky) * g.InWidth + ix0 + kx0) * cin);
                        ref float kr = ref Unsafe.Add(ref k, ((ky * kw + kx0) * cin) * filters + f);
                        for (int i = 0; i < run; i++)
                            a = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xr, i)), Vector512.LoadUnsafe(ref kr, (nuint)(i * filters)), a);
                    }
                    a.StoreUnsafe(ref y, (nuint)((oy * g.OutWidth + ox) * filters + f));
                }
                ox++;
            }
        }
    }

    /// <summary>
    /// Whether <see cref="ForwardPooled"/> can run this convolution followed by <paramref name="pool"/>: a 2x2 max
    /// pooling at stride 2 over an even number of columns, every window inside the input, 16 filters at a time.
    /// </summary>
    public bool CanFusePooling(ConvGeometry pool)
    {
        ConvGeometry g = Shape;
        return Avx512F.IsSupported && g.Filters % Vector512<float>.Count == 0 && g.Padding == Padding.Valid && g.PadTop == 0 && g.PadLeft == 0
            && g.OutWidth >= 8 && g.OutWidth % 2 == 0 && (g.StrideWidth * g.InChannels is 1 or 3)
            && pool.WindowHeight == 2 && pool.WindowWidth == 2 && pool.StrideHeight == 2 && pool.StrideWidth == 2 && pool.PadTop == 0 && pool.PadLeft == 0
            && pool.InHeight == g.OutHeight && pool.InWidth == g.OutWidth && pool.OutWidth == g.OutWidth / 2 && pool.OutHeight == g.OutHeight / 2;
    }

    /// <summary>
    /// The convolution (plus the bias, before the activation) and the 2x2 max pooling after it in one pass: two output
    /// rows of eight columns are computed in registers and pooled there, so the convolution's output is never stored
    /// (for the digit CNN's first layer, 43 KB that the pooling read back from L2). The pooled values are the bits
    /// <see cref="Forward"/> and the pooling give: the same multiply-adds in the same order, and the pooling's rule
    /// (the window's values in scan order, each replacing the best only when greater).
    /// </summary>
    public void ForwardPooled(ConvGeometry pool, ReadOnlySpan<float> x, Span<float> pooled)
    {
        if (!CanFusePooling(pool)) throw new ArgumentException("This pooling cannot be fused with the convolution.", nameof(pool));
        ConvGeometry g = Shape;
        if (x.Length < g.InputSize || pooled.Length < pool.OutputSize) throw new ArgumentException($"Expected {g.InputSize} inputs and room for {pool.OutputSize} outputs.");
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(pooled);
        if (g.StrideWidth * g.InChannels == 1) TiledPooled<OneFloat>(g, pool, ref xr, ref yr);
        else TiledPooled<ThreeFloats>(g, pool, ref xr, ref yr);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TiledPooled<TStep>(ConvGeometry g, ConvGeometry pool, ref float x, ref float y) where TStep : IColumnStep
    {
        const int Tile = 8;
        int cin = g.InChannels, filters = g.Filters, window = g.WindowSize;
        ref float k = ref MemoryMarshal.GetArrayDataReference(_kernel);
        ref float b = ref MemoryMarshal.GetArrayDataReference(_bias);
        ref nint offsets = ref MemoryMarshal.GetArrayDataReference(_offsets);
        nint step = g.StrideWidth * cin * sizeof(float), wStep = filters * sizeof(float);
        nint nextRow = g.StrideHeight * g.InWidth * cin * sizeof(float);   // from output row 2r's inputs to row 2r + 1's
        for (int py = 0; py < pool.OutHeight; py++)
        {
            int iy0 = 2 * py * g.StrideHeight;
            for (int ox = 0; ox < g.OutWidth; ox += Tile)
            {
                int start = Math.Min(ox, g.OutWidth - Tile);   // even: the last tile shifted to end at the row's end
                for (int f = 0; f < filters; f += Vector512<float>.Count)
                {
                    Vector512<float> bias = Vector512.LoadUnsafe(ref b, (nuint)f);
                    Vector512<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
                    Vector512<float> c0 = bias, c1 = bias, c2 = bias, c3 = bias, c4 = bias, c5 = bias, c6 = bias, c7 = bias;
                    ref byte x0 = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref x, (iy0 * g.InWidth + start * g.StrideWidth) * cin));
                    ref byte wi = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref k, f));
                    for (int i = 0; i < window; i++)
                    {
                        ref byte xi = ref Unsafe.AddByteOffset(ref x0, Unsafe.Add(ref offsets, i));
                        ref byte xj = ref Unsafe.AddByteOffset(ref xi, nextRow);
                        Vector512<float> w = Vector512.LoadUnsafe(ref Unsafe.As<byte, float>(ref wi));
                        EightColumns<TStep>(ref xi, step, w, ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
                        EightColumns<TStep>(ref xj, step, w, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                        wi = ref Unsafe.AddByteOffset(ref wi, wStep);
                    }
                    ref float yo = ref Unsafe.Add(ref y, (py * pool.OutWidth + start / 2) * filters + f);
                    Pool(a0, a1, c0, c1).StoreUnsafe(ref yo, 0);
                    Pool(a2, a3, c2, c3).StoreUnsafe(ref yo, (nuint)filters);
                    Pool(a4, a5, c4, c5).StoreUnsafe(ref yo, (nuint)(2 * filters));
                    Pool(a6, a7, c6, c7).StoreUnsafe(ref yo, (nuint)(3 * filters));
                }
            }
        }
    }

    /// <summary>One window value's weights <paramref name="w"/> into eight neighbouring columns' accumulators: column k's input
    /// at <c>TStep.Offset(step, k)</c> bytes from <paramref name="xi"/> (a fixed displacement for the constant steps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EightColumns<TStep>(ref byte xi, nint step, Vector512<float> w, ref Vector512<float> a0, ref Vector512<float> a1, ref Vector512<float> a2,
        ref Vector512<float> a3, ref Vector512<float> a4, ref Vector512<float> a5, ref Vector512<float> a6, ref Vector512<float> a7) where TStep : IColumnStep
    {
        a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.As<byte, float>(ref xi)), w, a0);
        a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.As<byte, float>(ref Unsafe.AddByteOffset(ref xi, TStep.Offset(step, 1)))), w, a1);
        a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.As<byte, float>(ref Unsafe.AddByteOffset(ref xi, TStep.Offset(step, 2)))), w, a2);
        a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.As<byte, float>(ref Unsafe.AddByteOffset(ref xi, TStep.Offset(step, 3)))), w, a3);
        a4 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.As<byte, float>(ref Unsafe.AddByteOffset(ref xi, TStep.Offset(step, 4)))), w, a4);
        a5 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.As<byte, float>(ref Unsafe.AddByteOffset(ref xi, TStep.Offset(step, 5)))), w, a5);
        a6 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.As<byte, float>(ref Unsafe.AddByteOffset(ref xi, TStep.Offset(step, 6)))), w, a6);
        a7 = Avx512F.FusedMultiplyAdd(Vector512.Create(Unsafe.As<byte, float>(ref Unsafe.AddByteOffset(ref xi, TStep.Offset(step, 7)))), w, a7);
    }

    /// <summary>The pooling's rule over a 2x2 window in scan order (top left, top right, bottom left, bottom right).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pool(Vector512<float> topLeft, Vector512<float> topRight, Vector512<float> bottomLeft, Vector512<float> bottomRight)
    {
        Vector512<float> best = topLeft;
        best = Vector512.ConditionalSelect(Vector512.GreaterThan(topRight, best), topRight, best);
        best = Vector512.ConditionalSelect(Vector512.GreaterThan(bottomLeft, best), bottomLeft, best);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(bottomRight, best), bottomRight, best);
    }
}
