using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;

namespace StaticNet.Tests.Serialization;

/// <summary>
/// Byte offsets of the native formats as docs/FORMATS.md gives them, written out independently of the
/// code under test, and the old dense-stack shape section (weights version 1, checkpoints 1 and 2).
/// </summary>
internal static class FormatLayout
{
    /// <summary>Bytes of one layer record of the shape section.</summary>
    public const int RecordBytes = 40;

    /// <summary>Where the shape section starts (after magic and version).</summary>
    public const int ShapeOffset = 6;

    /// <summary>Offset of the layer count: after the rank byte, the input dimensions and the slope.</summary>
    public static int LayerCountOffset(NetworkShape shape) => ShapeOffset + 1 + 4 * shape.InputShape.Count + 4;

    /// <summary>Offset of layer <paramref name="layer"/>'s record (0-based).</summary>
    public static int RecordOffset(NetworkShape shape, int layer) => LayerCountOffset(shape) + 4 + RecordBytes * layer;

    /// <summary>Offsets inside a record.</summary>
    public const int Kind = 0, Activation = 1, Padding = 2, UseBias = 3, Units = 4, WindowHeight = 8, WindowWidth = 12,
        StrideHeight = 16, StrideWidth = 20, Rate = 24, Momentum = 28, Epsilon = 32, L2 = 36;

    /// <summary>Offset of the parameter count (the end of the shape section).</summary>
    public static int ParameterCountOffset(NetworkShape shape) => RecordOffset(shape, shape.Layers.Count);

    /// <summary>Offset of the first byte after the parameters.</summary>
    public static int ParametersEnd(NetworkShape shape) => ParameterCountOffset(shape) + 4 + 4 * shape.ParameterCount;

    /// <summary>
    /// <paramref name="body"/> (a file of <paramref name="shape"/> without its checksum) with the layer-list shape section
    /// replaced by the dense-stack section of the old versions and the version set to <paramref name="version"/>.
    /// </summary>
    public static byte[] WithDenseStackSection(byte[] body, NetworkShape shape, ushort version)
    {
        var section = new MemoryStream();
        var w = new BinaryWriter(section);   // little-endian, as the format
        int l = shape.LayerCount;
        w.Write(l);
        foreach (int size in shape.LayerSizes) w.Write(size);
        foreach (StaticNet.Activation a in shape.Activations) w.Write((byte)a);   // the codes equal the enum's values
        w.Write(shape.LeakyReluSlope);
        for (int i = 0; i < l; i++) w.Write(shape.DropoutRate(i));
        for (int i = 0; i < l; i++) w.Write(shape.L2(i));
        w.Flush();
        var result = new List<byte>(body[..ShapeOffset]);
        result.AddRange(section.ToArray());
        result.AddRange(body[ParameterCountOffset(shape)..]);
        byte[] bytes = result.ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), version);
        return bytes;
    }
}
