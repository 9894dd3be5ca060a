using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace StaticNet.Serialization;

/// <summary>
/// The shape section of weights files from version 2 and checkpoints from version 3: the input's shape, the
/// leaky slope and one fixed-size record per layer holding every setting <see cref="LayerInfo.Equals(LayerInfo?)"/>
/// compares (docs/FORMATS.md, "Shape section").
/// </summary>
internal static class LayerListFormat
{
    /// <summary>Bytes of one layer record.</summary>
    public const int RecordBytes = 40;

    public static void Write(FormatWriter writer, NetworkShape shape)
    {
        writer.WriteByte((byte)shape.InputShape.Count);
        foreach (int d in shape.InputShape) writer.WriteInt32(d);
        writer.WriteSingle(shape.LeakyReluSlope);
        writer.WriteInt32(shape.Layers.Count);
        foreach (LayerInfo layer in shape.Layers)
        {
            writer.WriteByte(KindCode(layer.Kind));
            writer.WriteByte(NetworkFormat.ActivationCode(layer.Activation));
            writer.WriteByte(layer.Padding == Padding.Same ? (byte)1 : (byte)0);
            writer.WriteByte(layer.UseBias ? (byte)1 : (byte)0);
            writer.WriteInt32(layer.Units);
            writer.WriteInt32(layer.Window.Height);
            writer.WriteInt32(layer.Window.Width);
            writer.WriteInt32(layer.Strides.Height);
            writer.WriteInt32(layer.Strides.Width);
            writer.WriteSingle(layer.Rate);
            writer.WriteSingle(layer.Momentum);
            writer.WriteSingle(layer.Epsilon);
            writer.WriteSingle(layer.L2);
        }
    }

    /// <summary>Reads and validates the section; a record no layer could have or an impossible network is reported as corruption.</summary>
    public static NetworkShape Read(FormatReader reader)
    {
        int rank = reader.ReadByte("input rank");
        if (rank is < 1 or > 3)
            throw new InvalidDataException($"The file gives the input {rank} dimensions; expected 1 to 3 (the file is corrupt).");
        var input = new int[rank];
        for (int d = 0; d < rank; d++) input[d] = reader.ReadInt32("input shape");
        float slope = reader.ReadSingle("leaky ReLU slope");
        int count = reader.ReadInt32("layer count");
        if (count < 1 || count > NetworkFormat.MaxLayers)
            throw new InvalidDataException($"The file describes {count} layers; expected 1 to {NetworkFormat.MaxLayers} (the file is corrupt).");
        var layers = new LayerInfo[count];
        for (int i = 0; i < count; i++) layers[i] = ReadLayer(reader, i + 1);
        try
        {
            return new NetworkShape(input, layers, slope);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"The file describes an invalid network ({e.Message}); the file is corrupt.", e);
        }
    }

    private static LayerInfo ReadLayer(FormatReader reader, int number)
    {
        byte kindCode = reader.ReadByte("layer kind");
        LayerKind kind = KindFromCode(kindCode) ??
            throw new InvalidDataException($"The file gives layer {number} the unknown kind code {kindCode} (the file is corrupt).");
        byte activationCode = reader.ReadByte("activation codes");
        Activation activation = NetworkFormat.ActivationFromCode(activationCode) ??
            throw new InvalidDataException($"The file gives layer {number} the unknown activation code {activationCode} (the file is corrupt).");
        byte paddingCode = reader.ReadByte("padding code");
        if (paddingCode > 1)
            throw new InvalidDataException($"The file gives layer {number} the unknown padding code {paddingCode} (the file is corrupt).");
        Padding padding = paddingCode == 1 ? Padding.Same : Padding.Valid;
        byte useBias = reader.ReadByte("use-bias flag");
        if (useBias > 1)
            throw new InvalidDataException($"The file gives layer {number} the use-bias flag {useBias}; expected 0 or 1 (the file is corrupt).");
        int units = reader.ReadInt32("units");
        int windowHeight = reader.ReadInt32("window"), windowWidth = reader.ReadInt32("window");
        int strideHeight = reader.ReadInt32("strides"), strideWidth = reader.ReadInt32("strides");
        float rate = reader.ReadSingle("dropout rate"), momentum = reader.ReadSingle("momentum");
        float epsilon = reader.ReadSingle("epsilon"), l2 = reader.ReadSingle("L2 factor");

        // The factories give each kind its fixed values (a Dense layer's 1x1 window, a pooling layer's 0 units, ...);
        // a record that differs from what its kind's factory makes of it is not a layer StaticNet wrote.
        LayerInfo layer = kind switch
        {
            LayerKind.Dense => LayerInfo.Dense(units, activation, l2),
            LayerKind.Conv2D => LayerInfo.Conv2D(units, windowHeight, windowWidth, strideHeight, strideWidth, padding, activation, useBias == 1, l2),
            LayerKind.Conv1D => LayerInfo.Conv1D(units, windowWidth, strideWidth, padding, activation, useBias == 1, l2),
            LayerKind.MaxPooling2D => LayerInfo.MaxPooling2D(windowHeight, windowWidth, strideHeight, strideWidth, padding),
            LayerKind.AveragePooling2D => LayerInfo.AveragePooling2D(windowHeight, windowWidth, strideHeight, strideWidth, padding),
            LayerKind.MaxPooling1D => LayerInfo.MaxPooling1D(windowWidth, strideWidth, padding),
            LayerKind.AveragePooling1D => LayerInfo.AveragePooling1D(windowWidth, strideWidth, padding),
            LayerKind.GlobalAveragePooling2D => LayerInfo.GlobalAveragePooling2D(),
            LayerKind.GlobalAveragePooling1D => LayerInfo.GlobalAveragePooling1D(),
            LayerKind.Flatten => LayerInfo.Flatten(),
            LayerKind.Dropout => LayerInfo.Dropout(rate),
            _ => LayerInfo.BatchNormalization(momentum, epsilon),
        };
        string? field =
            layer.Units != units ? $"units {units}" :
            layer.Window != (windowHeight, windowWidth) ? $"window {windowHeight}x{windowWidth}" :
            layer.Strides != (strideHeight, strideWidth) ? $"strides {strideHeight}x{strideWidth}" :
            layer.Padding != padding ? "padding 'same'" :
            layer.Activation != activation ? $"activation {ActivationFacts.KerasName(activation)}" :
            layer.UseBias != (useBias == 1) ? $"use-bias flag {useBias}" :
            !layer.Rate.Equals(rate) ? $"rate {F(rate)}" :
            !layer.Momentum.Equals(momentum) ? $"momentum {F(momentum)}" :
            !layer.Epsilon.Equals(epsilon) ? $"epsilon {F(epsilon)}" :
            !layer.L2.Equals(l2) ? $"L2 factor {F(l2)}" : null;
        if (field is not null)
            throw new InvalidDataException($"The file describes an invalid network: its layer {number} is {kind} with {field}, which a {kind} layer does not have (the file is corrupt).");
        return layer;
    }

    private static string F(float value) => value.ToString(CultureInfo.InvariantCulture);

    // The codes are part of the file format, fixed here rather than taken from the enum's values.
    private static byte KindCode(LayerKind kind) => kind switch
    {
        LayerKind.Dense => 0,
        LayerKind.Conv2D => 1,
        LayerKind.Conv1D => 2,
        LayerKind.MaxPooling2D => 3,
        LayerKind.AveragePooling2D => 4,
        LayerKind.GlobalAveragePooling2D => 5,
        LayerKind.MaxPooling1D => 6,
        LayerKind.AveragePooling1D => 7,
        LayerKind.GlobalAveragePooling1D => 8,
        LayerKind.Flatten => 9,
        LayerKind.Dropout => 10,
        LayerKind.BatchNormalization => 11,
        _ => throw new NotSupportedException($"Layer kind {kind} has no code in the file format."),
    };

    private static LayerKind? KindFromCode(byte code) => code switch
    {
        0 => LayerKind.Dense,
        1 => LayerKind.Conv2D,
        2 => LayerKind.Conv1D,
        3 => LayerKind.MaxPooling2D,
        4 => LayerKind.AveragePooling2D,
        5 => LayerKind.GlobalAveragePooling2D,
        6 => LayerKind.MaxPooling1D,
        7 => LayerKind.AveragePooling1D,
        8 => LayerKind.GlobalAveragePooling1D,
        9 => LayerKind.Flatten,
        10 => LayerKind.Dropout,
        11 => LayerKind.BatchNormalization,
        _ => null,
    };
}
