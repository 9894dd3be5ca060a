using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Weights;

/// <summary>
/// One int8 dense layer as the generated code holds it: the packed weights (Int8Dense's tiled layout,
/// two bytes per char), 1 / s_x, s_w[j] · s_x and the biases as float bits (two chars per float), the
/// zero-point corrections z · Σᵢ q[j, i] as int bits, and z.
/// </summary>
internal sealed record Int8LayerData(int Inputs, int Units, Activation Activation, int ZeroPoint, string Packed, string Floats, string Compensation);

/// <summary>
/// Reads a file written by <c>Int8Network.Save</c> (I8 <c>l.weight</c> [units, inputs], F32
/// <c>l.weight_scale</c>, <c>l.bias</c>, <c>l.input_scale</c>, I32 <c>l.input_zero_point</c>, format and
/// activations in <c>__metadata__</c>) for a declared int8 network, and derives what its kernel needs
/// with the runtime's arithmetic (QuantizedDenseLayer), so the class computes the bits the loaded
/// Int8Network does.
/// </summary>
internal static class Int8Baker
{
    public const string Format = Int8Layout.FileFormat;

    // The kernel's packed layout is Int8Layout's (src/Shared), compiled into the runtime too.
    public static int PaddedInputs(int inputs) => Int8Layout.PaddedInputs(inputs);

    public static int PaddedOutputs(int units) => Int8Layout.PaddedOutputs(units);

    /// <summary>The file is not an int8 network file (SN0032).</summary>
    public sealed class NotInt8Exception(string message) : Exception(message);

    /// <summary>The file does not fit the declaration (SN0033).</summary>
    public sealed class MismatchException(string message) : Exception(message);

    /// <summary>
    /// The dense layers of a dense stack's file, or for a declaration with convolutions (any other network) the whole
    /// checked file (<see cref="Int8LayersBaker"/>).
    /// </summary>
    public static (EquatableArray<Int8LayerData> Layers, Int8FileData? File) Read(NetworkSpec spec, byte[] bytes)
    {
        if (bytes.Length < 8) throw new InvalidDataException($"it has {bytes.Length} bytes, fewer than the 8-byte header length");
        ulong headerLength = 0;
        for (int i = 7; i >= 0; i--) headerLength = headerLength << 8 | bytes[i];
        if (headerLength > (ulong)(bytes.Length - 8)) throw new InvalidDataException($"its header claims {headerLength} bytes but the file has {bytes.Length - 8} after the length");
        if (MiniJson.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength)) is not Dictionary<string, object?> header)
            throw new FormatException("the header is not a JSON object");
        long dataStart = 8 + (long)headerLength, dataLength = bytes.Length - dataStart;

        var metadata = header.TryGetValue("__metadata__", out object? m) ? m as Dictionary<string, object?> : null;
        string? format = metadata is not null && metadata.TryGetValue("format", out object? f) ? f as string : null;
        bool denseStack = spec.IsDenseStack;
        if (format == Int8Layout.LayersFileFormat && !denseStack)
            return (EquatableArray<Int8LayerData>.Empty, Int8LayersBaker.Read(spec, bytes, header, dataStart, dataLength));
        if (format == Format && !denseStack)
            throw new MismatchException($"it holds a dense stack (format \"{Format}\") but the network declares {string.Join(", ", spec.Layers.Select(l => l.Kind).Distinct())} layers; " +
                $"quantize the network with these layers and save that (format \"{Int8Layout.LayersFileFormat}\")");
        if (format != Format)
        {
            bool floats = header.Values.OfType<Dictionary<string, object?>>().Any(t => t.TryGetValue("dtype", out object? d) && d as string == "F32")
                          && !header.Values.OfType<Dictionary<string, object?>>().Any(t => t.TryGetValue("dtype", out object? d) && d as string == "I8");
            string wanted = denseStack ? Format : Int8Layout.LayersFileFormat;
            throw new NotInt8Exception((format is null
                ? $"has no __metadata__ \"format\": \"{wanted}\""
                : $"has __metadata__ \"format\": \"{format}\", not \"{wanted}\"")
                + (floats ? " (it holds float32 weights: quantize the trained network with Int8Network.Quantize and save that)" : "")
                + (format == Int8Layout.LayersFileFormat ? " (the file of a network with convolutions or pooling, but this declaration is a dense stack)" : ""));
        }
        return (ReadDense(spec, bytes, header, metadata!, dataStart, dataLength), null);
    }

    private static EquatableArray<Int8LayerData> ReadDense(NetworkSpec spec, byte[] bytes, Dictionary<string, object?> header, Dictionary<string, object?> metadata,
        long dataStart, long dataLength)
    {
        Activation[] declared = spec.DenseActivations();
        int[] sizes = spec.DenseSizes();
        string[] activations = (metadata.TryGetValue("activations", out object? a) ? a as string : null)?.Split(',')
            ?? throw new InvalidDataException("its __metadata__ has no \"activations\"");
        if (activations.Length != declared.Length)
            throw new MismatchException($"it holds {activations.Length} dense layers ({string.Join(", ", activations)}) but the network declares {declared.Length}");
        for (int l = 0; l < declared.Length; l++)
            if (activations[l] != declared[l].ToString())
                throw new MismatchException($"layer {l} has activation {activations[l]} in the file but {declared[l]} in the declaration");
        CheckLeakySlope(spec, metadata);

        var expected = new HashSet<string>(StringComparer.Ordinal) { "__metadata__" };
        var layers = new Int8LayerData[declared.Length];
        for (int l = 0; l < declared.Length; l++)
        {
            int inputs = sizes[l], units = sizes[l + 1];
            string P(string name) { expected.Add($"{l}.{name}"); return $"{l}.{name}"; }
            byte[] q = Tensor(header, bytes, dataStart, dataLength, P("weight"), "I8", new[] { units, inputs }, 1);
            byte[] scales = Tensor(header, bytes, dataStart, dataLength, P("weight_scale"), "F32", new[] { units }, 4);
            byte[] bias = Tensor(header, bytes, dataStart, dataLength, P("bias"), "F32", new[] { units }, 4);
            byte[] inputScale = Tensor(header, bytes, dataStart, dataLength, P("input_scale"), "F32", Array.Empty<int>(), 4);
            byte[] zero = Tensor(header, bytes, dataStart, dataLength, P("input_zero_point"), "I32", Array.Empty<int>(), 4);
            layers[l] = Layer(l, q, scales, bias, inputScale, zero, inputs, units, declared[l]);
        }
        string? extra = header.Keys.FirstOrDefault(k => !expected.Contains(k));
        if (extra is not null) throw new MismatchException($"it has a tensor '{extra}' that the network has no place for");
        return layers.ToEquatableArray();
    }

    /// <summary>
    /// When a layer of the declaration uses leaky ReLU: the file's <c>__metadata__</c> "leaky_relu_slope" must be the
    /// declaration's, bit for bit (SN0033 otherwise).
    /// </summary>
    internal static void CheckLeakySlope(NetworkSpec spec, Dictionary<string, object?> metadata)
    {
        if (!spec.Layers.Any(l => l.Activation == Activation.LeakyRelu)) return;
        string? text = metadata.TryGetValue("leaky_relu_slope", out object? s) ? s as string : null;
        if (text is null || !float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float slope))
            throw new InvalidDataException("its __metadata__ has no valid \"leaky_relu_slope\"");
        if (BitConverterCompat.SingleToInt32Bits(slope) != BitConverterCompat.SingleToInt32Bits(spec.LeakyReluSlope))
            throw new MismatchException($"its leaky ReLU slope is {text} but the declaration's LeakyReluSlope is {spec.LeakyReluSlope.ToString("R", CultureInfo.InvariantCulture)}");
    }

    /// <summary>
    /// Layer <paramref name="l"/>'s int8 tensors as the runtime's reader checks them: weights from −127 to 127, finite
    /// positive scales, finite biases, a byte zero point (which it returns, with the input scale).
    /// </summary>
    internal static (float InputScale, int ZeroPoint) CheckQuantized(int l, byte[] q, byte[] scales, byte[] bias, byte[] inputScaleBytes, byte[] zeroBytes, int inputs)
    {
        int at = Array.IndexOf(q, (byte)0x80);
        if (at >= 0) throw new InvalidDataException($"tensor '{l}.weight' holds -128 at [{at / inputs}, {at % inputs}]; int8 weights are symmetric, from -127 to 127");
        for (int j = 0; j < scales.Length / 4; j++)
        {
            float s = Float(scales, j), b = Float(bias, j);
            if (!(s > 0) || float.IsInfinity(s))
                throw new InvalidDataException($"tensor '{l}.weight_scale' holds {s.ToString("R", CultureInfo.InvariantCulture)} at {j}; expected a finite positive number");
            if (float.IsNaN(b) || float.IsInfinity(b))
                throw new InvalidDataException($"tensor '{l}.bias' holds {b.ToString("R", CultureInfo.InvariantCulture)} at {j}; biases must be finite");
        }
        float inputScale = Float(inputScaleBytes, 0);
        int zeroPoint = Int(zeroBytes, 0);
        if (!(inputScale > 0) || float.IsInfinity(inputScale))
            throw new InvalidDataException($"tensor '{l}.input_scale' holds {inputScale.ToString("R", CultureInfo.InvariantCulture)}; expected a finite positive number");
        if (zeroPoint < 0 || zeroPoint > 255)
            throw new InvalidDataException($"tensor '{l}.input_zero_point' holds {zeroPoint}; a zero point is a byte, from 0 to 255");
        return (inputScale, zeroPoint);
    }

    private static Int8LayerData Layer(int l, byte[] q, byte[] scales, byte[] bias, byte[] inputScaleBytes, byte[] zeroBytes, int inputs, int units, Activation activation)
    {
        var (inputScale, zeroPoint) = CheckQuantized(l, q, scales, bias, inputScaleBytes, zeroBytes, inputs);
        int paddedInputs = PaddedInputs(inputs), paddedOutputs = PaddedOutputs(units);

        var packed = new byte[paddedInputs * paddedOutputs];
        var compensation = new char[2 * units];
        var floats = new char[2 * (1 + 2 * units)];
        // float arithmetic as the runtime's: each product and quotient rounded to float32.
        PutFloat(floats, 0, (float)(1f / inputScale));
        for (int j = 0; j < units; j++)
        {
            int sum = 0;
            for (int i = 0; i < inputs; i++)
            {
                byte b = q[j * inputs + i];
                sum += (sbyte)b;
                packed[Int8Layout.Index(j, i, paddedInputs)] = b;
            }
            int c = zeroPoint * sum;
            compensation[2 * j] = (char)(c & 0xFFFF);
            compensation[2 * j + 1] = (char)((c >> 16) & 0xFFFF);
            PutFloat(floats, 1 + j, (float)(Float(scales, j) * inputScale));
            PutFloat(floats, 1 + units + j, Float(bias, j));
        }
        var packedChars = new char[packed.Length / 2];
        for (int k = 0; k < packedChars.Length; k++) packedChars[k] = (char)(packed[2 * k] | packed[2 * k + 1] << 8);
        return new Int8LayerData(inputs, units, activation, zeroPoint, new string(packedChars), new string(floats), new string(compensation));
    }

    internal static byte[] Tensor(Dictionary<string, object?> header, byte[] bytes, long dataStart, long dataLength, string name, string dtype, int[] shape, int size)
    {
        if (!header.TryGetValue(name, out object? entry) || entry is not Dictionary<string, object?> info)
            throw new MismatchException($"it has no tensor '{name}' (expected {dtype} [{string.Join(", ", shape)}])");
        if (!info.TryGetValue("dtype", out object? actualType) || actualType as string != dtype)
            throw new InvalidDataException($"tensor '{name}' has dtype {actualType ?? "(none)"}; expected {dtype}");
        int[] actual = Numbers(info, "shape", name).Select(v => checked((int)v)).ToArray();
        if (!actual.SequenceEqual(shape))
            throw new MismatchException($"tensor '{name}' has shape [{string.Join(", ", actual)}] but the network needs [{string.Join(", ", shape)}]");
        long count = shape.Aggregate(1L, (p, d) => p * d);
        long[] offsets = Numbers(info, "data_offsets", name);
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || offsets[1] - offsets[0] != count * size)
            throw new InvalidDataException($"tensor '{name}' has data offsets [{string.Join(", ", offsets)}], which do not hold {count} {dtype} values within the {dataLength} data bytes");
        var data = new byte[count * size];
        Array.Copy(bytes, dataStart + offsets[0], data, 0, data.Length);
        return data;
    }

    private static long[] Numbers(Dictionary<string, object?> info, string key, string tensor)
    {
        if (!info.TryGetValue(key, out object? value) || value is not List<object?> list || list.Any(v => v is not double d || d != Math.Floor(d) || d < 0 || d > long.MaxValue / 8))
            throw new InvalidDataException($"tensor '{tensor}' has no valid \"{key}\" list");
        return list.Select(v => (long)(double)v!).ToArray();
    }

    internal static int Int(byte[] b, int index) => b[4 * index] | b[4 * index + 1] << 8 | b[4 * index + 2] << 16 | b[4 * index + 3] << 24;

    internal static float Float(byte[] b, int index) => BitConverterCompat.Int32BitsToSingle(Int(b, index));

    private static void PutFloat(char[] chars, int index, float value)
    {
        int bits = BitConverterCompat.SingleToInt32Bits(value);
        chars[2 * index] = (char)(bits & 0xFFFF);
        chars[2 * index + 1] = (char)((bits >> 16) & 0xFFFF);
    }
}
