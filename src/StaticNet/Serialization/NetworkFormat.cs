using System;
using System.IO;
using System.Text;

namespace StaticNet.Serialization;

/// <summary>
/// The parts shared by weights files and checkpoints: magic, version, the network's shape and
/// the parameter block. The byte-by-byte layout is in docs/FORMATS.md.
/// </summary>
internal static class NetworkFormat
{
    /// <summary>The version of the weights files this code writes: 2 records the layer list; 1 (dense stacks) still reads.</summary>
    public const ushort Version = 2;

    /// <summary>
    /// The version of the checkpoints this code writes: 2 adds the learning-rate schedule, 3 records the layer
    /// list; 1 and 2 (dense stacks) still read.
    /// </summary>
    public const ushort CheckpointVersion = 3;

    /// <summary>The first versions whose shape section is the layer list (before them: the dense-stack section).</summary>
    private const ushort FirstLayerListVersion = 2, FirstLayerListCheckpointVersion = 3;

    /// <summary>Bounds that keep a corrupt file from causing large allocations.</summary>
    public const int MaxLayers = 65535, MaxStringBytes = 1024, MaxMetrics = 64;

    public static ReadOnlySpan<byte> WeightsMagic => "SNWT"u8;

    public static ReadOnlySpan<byte> CheckpointMagic => "SNCK"u8;

    /// <summary>Writes magic, version, shape (the layer list) and parameters.</summary>
    public static void WriteHeaderAndParameters(FormatWriter writer, ReadOnlySpan<byte> magic, NetworkShape shape, ReadOnlySpan<float> parameters)
    {
        writer.WriteBytes(magic);
        writer.WriteUInt16(magic.SequenceEqual(CheckpointMagic) ? CheckpointVersion : Version);
        LayerListFormat.Write(writer, shape);
        writer.WriteInt32(parameters.Length);
        writer.WriteSingles(parameters);
    }

    /// <summary>
    /// Reads and checks magic, version and shape against <paramref name="expected"/>, then reads
    /// the parameters into a new buffer (allocated only once its size is known to be right).
    /// </summary>
    public static float[] ReadHeaderAndParameters(FormatReader reader, bool checkpoint, NetworkShape expected) =>
        ReadHeaderAndParameters(reader, checkpoint, expected, acceptCheckpoint: false, out _);

    /// <summary>
    /// As above; with <paramref name="acceptCheckpoint"/> a weights read also takes a checkpoint
    /// (Keras's <c>load_weights</c> takes a whole saved model too) and says so in
    /// <paramref name="isCheckpoint"/>: the caller then skips the checkpoint's other sections
    /// (<see cref="SkipCheckpointSections"/>) before the checksum.
    /// </summary>
    public static float[] ReadHeaderAndParameters(FormatReader reader, bool checkpoint, NetworkShape expected, bool acceptCheckpoint, out bool isCheckpoint)
    {
        Span<byte> magic = stackalloc byte[4];
        reader.ReadBytes(magic, "magic bytes");
        if (acceptCheckpoint && magic.SequenceEqual(CheckpointMagic)) checkpoint = true;
        isCheckpoint = checkpoint;
        string kind = checkpoint ? "checkpoint" : "weights";
        ReadOnlySpan<byte> wanted = checkpoint ? CheckpointMagic : WeightsMagic;
        if (!magic.SequenceEqual(wanted))
        {
            if (!checkpoint && magic.SequenceEqual(CheckpointMagic))
                throw new InvalidDataException("This is a checkpoint file (magic \"SNCK\"), not a weights file: load it with LoadCheckpoint.");
            if (checkpoint && magic.SequenceEqual(WeightsMagic))
                throw new InvalidDataException("This is a weights file (magic \"SNWT\"), not a checkpoint: load it with LoadWeights.");
            throw new InvalidDataException(
                $"Not a StaticNet {kind} file: it starts with {Convert.ToHexString(magic)} instead of the magic \"{Encoding.ASCII.GetString(wanted)}\".");
        }
        ushort version = reader.ReadUInt16("format version");
        ushort newest = checkpoint ? CheckpointVersion : Version;
        if (version < 1 || version > newest)
            throw new InvalidDataException(
                $"The {kind} file has format version {version}; this version of StaticNet reads versions 1 to {newest}.");
        reader.Version = version;

        NetworkShape shape = version >= (checkpoint ? FirstLayerListCheckpointVersion : FirstLayerListVersion)
            ? LayerListFormat.Read(reader)
            : ReadDenseStackShape(reader);
        if (!shape.Equals(expected))
        {
            // "Another network" only if the file is intact: a damaged shape section would otherwise
            // be reported as a different network. Read on to the checksum first.
            string mismatch = ShapeMismatch.Describe(kind, shape, expected);
            try
            {
                SkipToChecksum(reader, checkpoint, shape);
            }
            catch (InvalidDataException corrupt)
            {
                throw new InvalidDataException(
                    $"The {kind} file is corrupt: its shape section reads {shape} (this network is {expected}), but the rest does not check out: {corrupt.Message}", corrupt);
            }
            throw new InvalidDataException(mismatch);
        }

        int count = reader.ReadInt32("parameter count");
        if (count != expected.ParameterCount)
            throw new InvalidDataException(
                $"The {kind} file holds {count} parameters but its shape {shape} has {expected.ParameterCount} (the file is corrupt).");
        var parameters = new float[count];
        reader.ReadSingles(parameters, "parameters");
        return parameters;
    }

    /// <summary>
    /// Reads the rest of a file whose shape section is <paramref name="shape"/> without interpreting
    /// it (parameters, and for a checkpoint the training and optimizer sections), then verifies the
    /// checksum. Throws <see cref="InvalidDataException"/> when the file is truncated or corrupt.
    /// Reads no further than the file's own counts say, one chunk at a time.
    /// </summary>
    private static void SkipToChecksum(FormatReader reader, bool checkpoint, NetworkShape shape)
    {
        int count = reader.ReadInt32("parameter count");
        if (count != shape.ParameterCount)
            throw new InvalidDataException($"The file holds {count} parameters but its shape {shape} has {shape.ParameterCount}.");
        reader.Skip(4L * count, "parameters");
        if (checkpoint) SkipCheckpointSections(reader);
        reader.VerifyChecksum();
    }

    /// <summary>
    /// Reads a checkpoint's training and optimizer sections (what follows the parameters) without
    /// interpreting them, as far as the file's own counts say.
    /// </summary>
    public static void SkipCheckpointSections(FormatReader reader)
    {
        reader.Skip(4 + 4 + 8, "training section");   // epochs, seed, generator state
        reader.ReadString("loss name");
        reader.ReadByte("loss fromLogits flag");
        int metrics = reader.ReadByte("metric count");
        for (int m = 0; m < metrics; m++) reader.ReadString("metric name");
        reader.ReadByte("optimizer type");
        reader.Skip(4L * reader.ReadByte("optimizer hyperparameter count"), "optimizer hyperparameter");
        reader.Skip(4, "learning rate");
        if (reader.Version >= 2) Optimizer.ReadSchedule(reader);   // the schedule record (version 2)
        reader.Skip(8 + 4, "optimizer section");   // iterations, parameter count
        int arrays = reader.ReadByte("optimizer state array count");
        for (int a = 0; a < arrays; a++)
        {
            int length = reader.ReadInt32("optimizer state array length");
            if (length < 0) throw new InvalidDataException($"The optimizer state array {a} claims {length} values.");
            reader.Skip(4L * length, "optimizer state");
        }
    }

    /// <summary>The shape section of weights files version 1 and checkpoints versions 1 and 2: a dense stack.</summary>
    private static NetworkShape ReadDenseStackShape(FormatReader reader)
    {
        int layers = reader.ReadInt32("layer count");
        if (layers < 1 || layers > MaxLayers)
            throw new InvalidDataException($"The file describes {layers} dense layers; expected 1 to {MaxLayers} (the file is corrupt).");
        var sizes = new int[layers + 1];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = reader.ReadInt32("layer sizes");
        var activations = new Activation[layers];
        for (int l = 0; l < layers; l++)
        {
            byte code = reader.ReadByte("activation codes");
            activations[l] = ActivationFromCode(code) ??
                throw new InvalidDataException($"The file gives layer {l + 1} the unknown activation code {code} (the file is corrupt).");
        }
        float slope = reader.ReadSingle("leaky ReLU slope");
        var dropout = new float[layers];
        for (int l = 0; l < layers; l++) dropout[l] = reader.ReadSingle("dropout rates");
        var l2 = new float[layers];
        for (int l = 0; l < layers; l++) l2[l] = reader.ReadSingle("L2 factors");
        try
        {
            return new NetworkShape(sizes, activations, slope, dropout, l2);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"The file describes an invalid network ({e.Message}); the file is corrupt.", e);
        }
    }

    // The codes are part of the file format, fixed here rather than taken from the enum's values.
    internal static byte ActivationCode(Activation activation) => activation switch
    {
        Activation.Linear => 0,
        Activation.Sigmoid => 1,
        Activation.Tanh => 2,
        Activation.Relu => 3,
        Activation.LeakyRelu => 4,
        Activation.Softmax => 5,
        _ => throw new NotSupportedException($"Activation {activation} has no code in the file format."),
    };

    internal static Activation? ActivationFromCode(byte code) => code switch
    {
        0 => Activation.Linear,
        1 => Activation.Sigmoid,
        2 => Activation.Tanh,
        3 => Activation.Relu,
        4 => Activation.LeakyRelu,
        5 => Activation.Softmax,
        _ => null,
    };
}
