using System;
using System.IO;
using System.Linq;
using PureHDF;

namespace StaticNet.Import.Keras;

/// <summary>The few HDF5 reads the Keras readers need, through PureHDF, with file-format errors turned into <see cref="InvalidDataException"/>.</summary>
internal static class Hdf5
{
    /// <summary>HDF5's signature, at offset 0 of a plain HDF5 file (Keras's .h5 and .weights.h5).</summary>
    public static ReadOnlySpan<byte> Signature => new byte[] { 0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A };

    public static bool Exists(IH5Group group, string path)
    {
        IH5Group current = group;
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!current.LinkExists(part)) return false;
            if (current.Get(part) is not IH5Group next) return part == path.Split('/', StringSplitOptions.RemoveEmptyEntries)[^1];
            current = next;
        }
        return true;
    }

    public static string? StringAttribute(IH5Object obj, string name)
    {
        if (!obj.AttributeExists(name)) return null;
        IH5Attribute attribute = obj.Attribute(name);
        return attribute.Space.Rank == 0 ? attribute.Read<string>() : attribute.Read<string[]>().FirstOrDefault();
    }

    /// <summary>
    /// A list-of-strings attribute (<c>layer_names</c>, <c>weight_names</c>); Keras splits long ones into
    /// <c>name0</c>, <c>name1</c>, ... (legacy_h5_format.py, save_attributes_to_hdf5_group).
    /// </summary>
    public static string[]? StringListAttribute(IH5Object obj, string name)
    {
        if (obj.AttributeExists(name)) return ReadStrings(obj.Attribute(name));
        if (!obj.AttributeExists(name + "0")) return null;
        var all = new System.Collections.Generic.List<string>();
        for (int chunk = 0; obj.AttributeExists(name + chunk); chunk++) all.AddRange(ReadStrings(obj.Attribute(name + chunk)));
        return all.ToArray();
    }

    private static string[] ReadStrings(IH5Attribute attribute)
    {
        if (attribute.Space.Rank == 0) return new[] { attribute.Read<string>() };
        if (attribute.Space.Dimensions.Aggregate(1UL, (a, d) => a * d) == 0) return Array.Empty<string>();
        return attribute.Read<string[]>();
    }

    /// <summary>A float dataset with its shape.</summary>
    public static (int[] Shape, float[] Data) Floats(IH5Group file, string path)
    {
        IH5Dataset dataset = file.Dataset(path);
        int[] shape = dataset.Space.Dimensions.Select(d => d > int.MaxValue ? throw new InvalidDataException($"The dataset '{path}' has a dimension of {d}.") : (int)d).ToArray();
        if (dataset.Type.Class != H5DataTypeClass.FloatingPoint)
            throw new ModelImportException($"The dataset '{path}' holds {dataset.Type.Class} values; expected floating point weights.");
        float[] data = dataset.Type.Size switch
        {
            4 => dataset.Read<float[]>(),
            8 => dataset.Read<double[]>().Select(v => (float)v).ToArray(),
            2 => dataset.Read<Half[]>().Select(v => (float)v).ToArray(),
            _ => throw new ModelImportException($"The dataset '{path}' holds {dataset.Type.Size}-byte floats; expected 2, 4 or 8."),
        };
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (data.LongLength != count)
            throw new InvalidDataException($"The dataset '{path}' has shape [{string.Join(", ", shape)}] but holds {data.Length} values.");
        for (int i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i]))
                throw new ModelImportException($"The dataset '{path}' holds a non-finite value ({data[i]}) at index {i}.");
        return (shape, data);
    }
}
