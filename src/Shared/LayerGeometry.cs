// Shared source (src/Shared): the shape rule and parameter arithmetic of every layer kind, compiled into the
// runtime (NetworkShape) and the generator (Parser, Emitter), which must agree: the generated code's constant
// sizes and offsets index the buffers the runtime allocates, and the generator's diagnostics say what the
// runtime would throw. netstandard2.0 C#.
using System.Collections.Generic;
using System.Globalization;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Model;
#else
namespace StaticNet;
#endif

/// <summary>
/// One layer's output shape, padding and sizes, computed from its settings and its input's shape with
/// Keras's rules. Tensors are channels-last: a 1-D tensor is (units), a 2-D one (steps, channels), a 3-D one
/// (height, width, channels), stored in that order; 1-D convolution and pooling are the 2-D ones with height 1.
/// </summary>
internal sealed class LayerGeometry
{
    private LayerGeometry(LayerKind kind, int[] input, int[] output)
    {
        Kind = kind;
        InputShape = input;
        OutputShape = output;
    }

    public LayerKind Kind { get; }

    /// <summary>The input's shape (rank 1 to 3, channels last).</summary>
    public int[] InputShape { get; }

    /// <summary>The output's shape.</summary>
    public int[] OutputShape { get; }

    /// <summary>Values per sample in and out.</summary>
    public int InputSize => Product(InputShape);
    public int OutputSize => Product(OutputShape);

    // As a (height, width, channels) tensor: a 2-D (steps, channels) one has height 1, a 1-D one height and width 1.
    public int InHeight => Height(InputShape);
    public int InWidth => Width(InputShape);
    public int InChannels => InputShape[InputShape.Length - 1];
    public int OutHeight => Height(OutputShape);
    public int OutWidth => Width(OutputShape);
    public int OutChannels => OutputShape[OutputShape.Length - 1];

    /// <summary>Window (kernel or pool) and strides as 2-D values (height 1 for 1-D layers).</summary>
    public int WindowHeight { get; private set; } = 1;
    public int WindowWidth { get; private set; } = 1;
    public int StrideHeight { get; private set; } = 1;
    public int StrideWidth { get; private set; } = 1;

    /// <summary>Rows and columns of padding before the input (Keras's 'same' puts the odd one after).</summary>
    public int PadTop { get; private set; }
    public int PadLeft { get; private set; }

    /// <summary>Weights (Dense: [units x inputs]; convolutions: [kh, kw, in, filters]; BatchNormalization: gamma and beta) and biases.</summary>
    public long WeightCount { get; private set; }
    public int BiasCount { get; private set; }

    /// <summary>Values kept per channel that training does not change by gradient (BatchNormalization's moving mean and variance).</summary>
    public int StateCount { get; private set; }

    /// <summary>All of the layer's values in the parameter buffer: weights, biases, then state.</summary>
    public long ParameterCount => WeightCount + BiasCount + StateCount;

    /// <summary>
    /// Values per sample the layer keeps for the backward pass in training: its output; for Dropout the
    /// dropped values and the mask; for BatchNormalization the output and the normalized input; none for
    /// Flatten (its output is its input's memory).
    /// </summary>
    public long TrainingBlock => Kind switch
    {
        LayerKind.Flatten => 0,
        LayerKind.Dropout or LayerKind.BatchNormalization => 2L * OutputSize,
        _ => OutputSize,
    };

    /// <summary>Multiply-adds (or comparable element operations) per sample in the forward pass: the measure of a layer's work.</summary>
    public long MultiplyAdds => Kind switch
    {
        LayerKind.Dense => WeightCount,
        LayerKind.Conv2D or LayerKind.Conv1D => (long)OutHeight * OutWidth * WeightCount,
        LayerKind.MaxPooling2D or LayerKind.AveragePooling2D or LayerKind.MaxPooling1D or LayerKind.AveragePooling1D => (long)OutputSize * WindowHeight * WindowWidth,
        LayerKind.Flatten => 0,
        _ => InputSize,
    };

    /// <summary>Whether the layer's output is its input's memory (Flatten; Dropout outside training).</summary>
    public bool IsReshape => Kind == LayerKind.Flatten;

    /// <summary>
    /// Applies <paramref name="kind"/>'s shape rule to <paramref name="input"/>. <paramref name="units"/> is
    /// Dense's units or a convolution's filters; the window and strides are
    /// (height, width) for 2-D layers and (1, size) for 1-D ones (strides 0: the window, as Keras's pooling
    /// default). Returns null and a message that shows the shapes when the layer cannot take this input.
    /// </summary>
    public static LayerGeometry? Create(LayerKind kind, int[] input, int units, int windowHeight, int windowWidth,
        int strideHeight, int strideWidth, Padding padding, bool useBias, out string? error)
    {
        LayerGeometry? g = CreateCore(kind, input, units, windowHeight, windowWidth, strideHeight, strideWidth, padding, useBias, out error);
        // A sample's values (three blocks of them in training) and a layer's parameters must fit one buffer.
        if (g is not null && (LongProduct(g.OutputShape) > int.MaxValue || g.ParameterCount > int.MaxValue))
        {
            error = $"{kind}'s output {Format(g.OutputShape)} or its {g.ParameterCount} parameters are too large for one buffer";
            return null;
        }
        return g;
    }

    private static LayerGeometry? CreateCore(LayerKind kind, int[] input, int units, int windowHeight, int windowWidth,
        int strideHeight, int strideWidth, Padding padding, bool useBias, out string? error)
    {
        error = null;
        string name = kind.ToString();
        int rank = input.Length;
        switch (kind)
        {
            case LayerKind.Dense:
            {
                if (rank != 1)
                {
                    error = $"Dense takes a 1-D input, but its input is {Format(input)}; add Flatten (or a global pooling layer) before it";
                    return null;
                }
                if (units < 1) { error = $"Dense needs at least 1 unit; got {units}"; return null; }
                var g = new LayerGeometry(kind, input, new[] { units }) { WeightCount = (long)input[0] * units, BiasCount = units };
                return g;
            }
            case LayerKind.Conv2D:
            case LayerKind.Conv1D:
            case LayerKind.MaxPooling2D:
            case LayerKind.AveragePooling2D:
            case LayerKind.MaxPooling1D:
            case LayerKind.AveragePooling1D:
            {
                bool twoD = kind is LayerKind.Conv2D or LayerKind.MaxPooling2D or LayerKind.AveragePooling2D;
                bool conv = kind is LayerKind.Conv2D or LayerKind.Conv1D;
                int needed = twoD ? 3 : 2;
                if (rank != needed)
                {
                    error = twoD
                        ? $"{name} takes a 3-D input (height, width, channels), but its input is {Format(input)}"
                        : $"{name} takes a 2-D input (steps, channels), but its input is {Format(input)}";
                    return null;
                }
                if (conv && units < 1) { error = $"{name} needs at least 1 filter; got {units}"; return null; }
                if (windowHeight < 1 || windowWidth < 1)
                {
                    error = $"{name}'s {(conv ? "kernel" : "pool")} size must be at least 1; got {WindowText(twoD, windowHeight, windowWidth)}";
                    return null;
                }
                if (strideHeight == 0 && strideWidth == 0 && !conv) { strideHeight = windowHeight; strideWidth = windowWidth; }
                if (strideHeight < 1 || strideWidth < 1)
                {
                    error = $"{name}'s strides must be at least 1; got {WindowText(twoD, strideHeight, strideWidth)}";
                    return null;
                }
                int inH = twoD ? input[0] : 1, inW = twoD ? input[1] : input[0], channels = input[rank - 1];
                int outH = OutputLength(inH, windowHeight, strideHeight, padding, out int padTop);
                int outW = OutputLength(inW, windowWidth, strideWidth, padding, out int padLeft);
                int outC = conv ? units : channels;
                if (outH < 1 || outW < 1)
                {
                    string window = WindowText(twoD, windowHeight, windowWidth);
                    string inputText = twoD ? $"{inH}x{inW}" : $"{inW} steps";
                    error = $"{name}'s {(conv ? "kernel" : "pool")} {window} does not fit its input {Format(input)} ({inputText}) with padding 'valid': the output would be " +
                            (twoD ? Format(new[] { outH, outW, outC }) : Format(new[] { outW, outC })) + "; use a smaller window, padding Same, or fewer layers before it";
                    return null;
                }
                int[] output = twoD ? new[] { outH, outW, outC } : new[] { outW, outC };
                var g = new LayerGeometry(kind, input, output)
                {
                    WindowHeight = windowHeight, WindowWidth = windowWidth,
                    StrideHeight = strideHeight, StrideWidth = strideWidth,
                    PadTop = padTop, PadLeft = padLeft,
                };
                if (conv)
                {
                    g.WeightCount = (long)windowHeight * windowWidth * channels * units;
                    g.BiasCount = useBias ? units : 0;
                }
                return g;
            }
            case LayerKind.GlobalAveragePooling2D:
            case LayerKind.GlobalAveragePooling1D:
            {
                int needed = kind == LayerKind.GlobalAveragePooling2D ? 3 : 2;
                if (rank != needed)
                {
                    error = $"{name} takes a {needed}-D input ({(needed == 3 ? "height, width, channels" : "steps, channels")}), but its input is {Format(input)}";
                    return null;
                }
                return new LayerGeometry(kind, input, new[] { input[rank - 1] });
            }
            case LayerKind.Flatten:
                return new LayerGeometry(kind, input, new[] { Product(input) });
            case LayerKind.Dropout:
                return new LayerGeometry(kind, input, (int[])input.Clone());
            case LayerKind.BatchNormalization:
            {
                int channels = input[rank - 1];
                return new LayerGeometry(kind, input, (int[])input.Clone()) { WeightCount = channels, BiasCount = channels, StateCount = 2 * channels };
            }
            default:
                error = $"unknown layer kind {(int)kind}";
                return null;
        }
    }

    /// <summary>Keras's output length: 'valid' (in - k) / s + 1; 'same' ceil(in / s), padded by max((out - 1) s + k - in, 0), half before (rounded down).</summary>
    public static int OutputLength(int input, int window, int stride, Padding padding, out int padBefore)
    {
        padBefore = 0;
        if (padding == Padding.Same)
        {
            int output = (input + stride - 1) / stride;
            long total = System.Math.Max((long)(output - 1) * stride + window - input, 0);
            padBefore = (int)(total / 2);
            return output;
        }
        return input < window ? 0 : (input - window) / stride + 1;
    }

    /// <summary>Glorot's fans as Keras computes them: Dense (in, out); convolutions (k·in, k·filters) with k the window's area.</summary>
    public (int FanIn, int FanOut) Fans => Kind switch
    {
        LayerKind.Dense => (InputShape[0], OutputShape[0]),
        _ => (WindowHeight * WindowWidth * InChannels, WindowHeight * WindowWidth * OutChannels),
    };

    /// <summary>For example "(None, 26, 26, 16)" as Keras prints shapes, without the batch: "(26, 26, 16)".</summary>
    public static string Format(IReadOnlyList<int> shape)
    {
        var parts = new string[shape.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        return "(" + string.Join(", ", parts) + (parts.Length == 1 ? ",)" : ")");
    }

    public static int Product(IReadOnlyList<int> shape)
    {
        long product = LongProduct(shape);
        return product > int.MaxValue ? int.MaxValue : (int)product;
    }

    /// <summary>The product, saturating at 10^15 so that it never overflows.</summary>
    public static long LongProduct(IReadOnlyList<int> shape)
    {
        double product = 1;
        foreach (int d in shape) product *= System.Math.Max(d, 0);
        return product > 1e15 ? (long)1e15 : (long)product;
    }

    private static int Height(int[] shape) => shape.Length == 3 ? shape[0] : 1;

    private static int Width(int[] shape) => shape.Length == 3 ? shape[1] : shape.Length == 2 ? shape[0] : 1;

    private static string WindowText(bool twoD, int h, int w) =>
        twoD ? $"{h}x{w}" : w.ToString(CultureInfo.InvariantCulture);
}
