using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Weights;

/// <summary>
/// A safetensors file given as an <c>AdditionalFiles</c> item: the path it was given under and its
/// base64 text. The compiler refuses binary additional files, so StaticNet's build targets
/// (<c>build/StaticNet.targets</c>) hand it a base64 text copy (<c>name.safetensors.base64</c>,
/// first line <c>staticnet-weights-base64</c>) with the original path as item metadata. The text
/// is kept as it is (one string: compared as one ordinal comparison when the pipeline checks its
/// cache) and decoded only when a network bakes it.
/// </summary>
internal sealed record WeightsFile(string Path, string CopyPath, string Base64, string? Error)
{
    public const string Marker = "staticnet-weights-base64";
    public const string Suffix = ".base64";

    public string FileName => System.IO.Path.GetFileName(Path);

    public static WeightsFile Read(AdditionalText file, AnalyzerConfigOptionsProvider options, CancellationToken cancellationToken)
    {
        string path = options.GetOptions(file).TryGetValue("build_metadata.AdditionalFiles.StaticNetWeightsSource", out string? source) && !string.IsNullOrEmpty(source)
            ? source
            : file.Path.Substring(0, file.Path.Length - Suffix.Length);
        SourceText? text = file.GetText(cancellationToken);
        if (text is null) return new WeightsFile(path, file.Path, "", "the compiler could not read it");
        string content = text.ToString();
        int newline = content.IndexOf('\n');
        if (newline < 0 || content.Substring(0, newline).Trim() != Marker)
            return new WeightsFile(path, file.Path, "", $"its base64 copy {file.Path} does not start with '{Marker}'");
        return new WeightsFile(path, file.Path, content.Substring(newline + 1), null);
    }

    /// <summary>The file's bytes; <see cref="FormatException"/> names the copy if the base64 is corrupt.</summary>
    public byte[] Decode()
    {
        try
        {
            return Convert.FromBase64String(Base64);
        }
        catch (FormatException e)
        {
            throw new FormatException($"its base64 copy {CopyPath} is corrupt ({e.Message})", e);
        }
    }
}

/// <summary>The parameters baked into a network, or why they could not be.</summary>
/// <remarks><paramref name="Int8"/>: the layers of a <c>Precision = Int8</c> dense stack; <paramref name="Int8File"/>: the
/// file of a <c>Precision = Int8</c> network with convolutions (either way its <paramref name="Parameters"/> are empty).</remarks>
internal sealed record BakeResult(NetworkSpec Spec, BakedParameters Parameters, EquatableArray<DiagnosticInfo> Diagnostics,
    EquatableArray<Int8LayerData> Int8 = default, Int8FileData? Int8File = null);

/// <summary>
/// Reads a network's weights from a safetensors file into the parameter buffer's layout, with the runtime's own
/// mapping (<see cref="TensorMapping"/>, shared with <c>Safetensors.Load</c>): PyTorch's <c>nn.Sequential</c>
/// layout (<c>"{index}.weight"</c>, <c>"{index}.bias"</c>, BatchNorm's <c>running_mean</c>/<c>running_var</c>;
/// <c>num_batches_tracked</c> ignored), or Keras's (<c>"conv2d/kernel"</c>, ...) when the file holds Keras names.
/// </summary>
internal static class Baker
{
    public static BakeResult Bake(NetworkSpec spec, ImmutableArray<WeightsFile> files)
    {
        if (spec.WeightsFile is null) return new BakeResult(spec, BakedParameters.Empty, EquatableArray<DiagnosticInfo>.Empty);
        DiagnosticInfo Fail(DiagnosticDescriptor descriptor, params object[] args) =>
            spec.WeightsLocation!.With(descriptor, args);

        string wanted = spec.WeightsFile.Replace('\\', '/');
        WeightsFile? file = files.FirstOrDefault(f => f.Path.Replace('\\', '/').EndsWith("/" + wanted, StringComparison.OrdinalIgnoreCase)
                                                      || f.Path.Replace('\\', '/').Equals(wanted, StringComparison.OrdinalIgnoreCase));
        if (file is null)
            return Failed(spec, Fail(Diagnostics.WeightsFileMissing, spec.WeightsFile,
                files.Length == 0 ? "none" : string.Join(", ", files.Select(f => f.FileName))));
        if (file.Error is not null)
            return Failed(spec, Fail(Diagnostics.WeightsFileInvalid, file.FileName, file.Error));
        try
        {
            if (spec.Precision == Precision.Int8)
            {
                var (layers, whole) = Int8Baker.Read(spec, file.Decode());
                return new BakeResult(spec, BakedParameters.Empty, EquatableArray<DiagnosticInfo>.Empty, layers, whole);
            }
            return new BakeResult(spec, Read(spec, file.Decode()), EquatableArray<DiagnosticInfo>.Empty);
        }
        catch (Int8Baker.NotInt8Exception e)
        {
            return Failed(spec, Fail(Diagnostics.NotInt8File, file.FileName, e.Message));
        }
        catch (Int8Baker.MismatchException e)
        {
            return Failed(spec, Fail(Diagnostics.Int8WeightsMismatch, file.FileName, e.Message));
        }
        catch (ShapeMismatchException e)
        {
            return Failed(spec, Fail(Diagnostics.WeightsShapeMismatch, file.FileName, e.Message));
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or OverflowException or InvalidCastException)
        {
            return Failed(spec, Fail(Diagnostics.WeightsFileInvalid, file.FileName, e.Message));
        }
    }

    private static BakeResult Failed(NetworkSpec spec, DiagnosticInfo diagnostic) =>
        new(spec, BakedParameters.Empty, new[] { diagnostic }.ToEquatableArray());

    private static BakedParameters Read(NetworkSpec spec, byte[] bytes)
    {
        if (bytes.Length < 8) throw new InvalidDataException($"it has {bytes.Length} bytes, fewer than the 8-byte header length");
        ulong headerLength = ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8)) throw new InvalidDataException($"its header claims {headerLength} bytes but the file has {bytes.Length - 8} after the length");
        string json = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        if (MiniJson.Parse(json) is not Dictionary<string, object?> header) throw new FormatException("the header is not a JSON object");
        long dataStart = 8 + (long)headerLength;
        long dataLength = bytes.Length - dataStart;

        // The runtime's own mapping (src/Shared/TensorMapping.cs), in the layout the names show: PyTorch's
        // nn.Sequential state_dict (what Safetensors.Save writes by default) unless the file holds Keras names only.
        LayerGeometry[] layers = spec.Geometries();
        LayerKind[] kinds = spec.Layers.Select(l => l.Kind).ToArray();
        bool pyTorch = !IsKeras(header.Keys);
        string[] names = TensorMapping.LayerNames(kinds, spec.Layers.Select(l => l.Activation).ToArray(), TensorMapping.KerasNames(kinds), pyTorch, "");
        List<TensorSlot> slots = TensorMapping.Slots(layers, pyTorch, names);
        HashSet<string> ignored = TensorMapping.IgnoredNames(slots, kinds, pyTorch);

        long total = spec.ParameterCount;
        if (total * 2 > int.MaxValue) throw new InvalidDataException($"the network has {total} parameters, more than one string can hold ({int.MaxValue / 2})");
        // The parameter buffer's layout, two UTF-16 code units per float (see BakedParameters).
        var bits = new char[total * 2];
        string layout = pyTorch ? "" : " (Keras layout)";
        foreach (TensorSlot slot in slots)
            Tensor(header, bytes, dataStart, dataLength, slot, layout, bits);
        var expectedNames = new HashSet<string>(slots.Select(s => s.Name), StringComparer.Ordinal) { "__metadata__" };
        string? extra = header.Keys.FirstOrDefault(k => !expectedNames.Contains(k) && !ignored.Contains(k));
        if (extra is not null)
            throw new ShapeMismatchException($"it has a tensor '{extra}' that the network has no place for (expected {string.Join(", ", slots.Select(s => s.Name))}{layout})");
        return new BakedParameters(new string(bits));
    }

    /// <summary>Keras names (<c>conv2d/kernel</c>, <c>batch_normalization/gamma</c>) and no PyTorch ones: as the runtime's "looks like the Keras layout" hint.</summary>
    private static bool IsKeras(IEnumerable<string> names)
    {
        bool keras = false;
        foreach (string name in names)
        {
            if (name == "__metadata__") continue;
            if (TensorMapping.LooksLikeOtherLayout(name, pyTorch: false)) return false;
            if (TensorMapping.LooksLikeOtherLayout(name, pyTorch: true)) keras = true;
        }
        return keras;
    }

    /// <summary>Copies one tensor's floats, as they are stored (little-endian), to where the slot puts them in <paramref name="bits"/>.</summary>
    private static void Tensor(Dictionary<string, object?> header, byte[] bytes, long dataStart, long dataLength, TensorSlot slot, string layout, char[] bits)
    {
        string name = slot.Name;
        int[] shape = slot.Shape;
        if (!header.TryGetValue(name, out object? entry) || entry is not Dictionary<string, object?> info)
            throw new ShapeMismatchException($"it has no tensor '{name}' (expected shape [{string.Join(", ", shape)}]){layout}");
        if (!info.TryGetValue("dtype", out object? dtype) || dtype as string != "F32")
            throw new InvalidDataException($"tensor '{name}' has dtype {dtype ?? "(none)"}; only F32 can be baked in");
        int[] actual = Numbers(info, "shape", name).Select(v => checked((int)v)).ToArray();
        if (!actual.SequenceEqual(shape))
            throw new ShapeMismatchException($"tensor '{name}' has shape [{string.Join(", ", actual)}] but the network needs [{string.Join(", ", shape)}]{layout}");
        long[] offsets = Numbers(info, "data_offsets", name);
        long count = slot.Length;
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || offsets[1] - offsets[0] != count * 4)
            throw new InvalidDataException($"tensor '{name}' has data offsets [{string.Join(", ", offsets)}], which do not hold {count} float32 values within the {dataLength} data bytes");
        // Byte by byte, so the result is the same on any compiler host.
        int source = (int)(dataStart + offsets[0]);
        bool identity = slot.IsIdentity;
        for (int i = 0; i < count; i++, source += 4)
        {
            byte b0 = bytes[source], b1 = bytes[source + 1], b2 = bytes[source + 2], b3 = bytes[source + 3];
            // Exponent bits all set: infinity or NaN.
            if ((b3 & 0x7F) == 0x7F && (b2 & 0x80) != 0)
            {
                float value = BitConverterCompat.Int32BitsToSingle(b0 | b1 << 8 | b2 << 16 | b3 << 24);
                throw new InvalidDataException($"tensor '{name}' holds {value.ToString(CultureInfo.InvariantCulture)} at {slot.Position(i)}; weights must be finite");
            }
            int at = 2 * (slot.Offset + (identity ? i : slot.Source(i)));
            bits[at] = (char)(b0 | b1 << 8);
            bits[at + 1] = (char)(b2 | b3 << 8);
        }
    }

    private static ulong ReadUInt64LittleEndian(byte[] bytes)
    {
        ulong value = 0;
        for (int i = 7; i >= 0; i--) value = value << 8 | bytes[i];
        return value;
    }

    private static long[] Numbers(Dictionary<string, object?> info, string key, string tensor)
    {
        if (!info.TryGetValue(key, out object? value) || value is not List<object?> list || list.Any(v => v is not double d || d != Math.Floor(d) || d < 0 || d > long.MaxValue / 8))
            throw new InvalidDataException($"tensor '{tensor}' has no valid \"{key}\" list");
        return list.Select(v => (long)(double)v!).ToArray();
    }

    private sealed class ShapeMismatchException(string message) : Exception(message);
}
