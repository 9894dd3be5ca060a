using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet.Serialization;
using StaticNet.Tests.Networks;
using Xunit;
using Xunit.Abstractions;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Serialization;

/// <summary>
/// Damaged layer-list files (weights version 2, checkpoints version 3): every damage gives
/// <see cref="InvalidDataException"/> with a clear message, allocates nothing large and leaves the model as it was.
/// </summary>
public class LayerListCorruptTests(ITestOutputHelper output)
{
    /// <summary>Mutants of the random test: STATICNET_FUZZ_WEIGHTS_FILES when set (as the generator's fuzz test), else 300.</summary>
    private static readonly int Mutants = CountFromEnvironment("STATICNET_FUZZ_WEIGHTS_FILES", 300);

    private static int CountFromEnvironment(string variable, int fallback)
    {
        string? text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int count) || count < 1)
            throw new InvalidOperationException($"{variable} must be a positive whole number of cases; it is '{text}'.");
        return count;
    }

    private static byte[] Weights() => WeightsBytes(LayerListFormatTests.Trained("FormatStridedNet", epochs: 1));

    private static byte[] Checkpoint() => CheckpointBytes(LayerListFormatTests.Trained("FormatStridedNet", epochs: 1));

    private static NetworkShape Shape => new FormatStridedNet(1).NetworkShape;

    private static InvalidDataException Rejected(byte[] file, bool checkpoint)
    {
        NeuralNetwork model = LayerListFormatTests.Trained("FormatStridedNet", epochs: 0, seed: 42);
        float[] before = model.Parameters.ToArray();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            if (checkpoint) model.LoadCheckpoint(new MemoryStream(file)); else model.LoadWeights(new MemoryStream(file));
        });
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 1 << 20, "a damaged file allocated more than 1 MB");
        AssertBitIdentical(before, model.Parameters);
        return e;
    }

    private static byte[] Resealed(byte[] file)
    {
        byte[] copy = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(copy.Length - 4), Crc32.Append(0, copy.AsSpan(0, copy.Length - 4)));
        return copy;
    }

    private static byte[] WithByte(int offset, byte value)
    {
        byte[] file = Weights();
        file[offset] = value;
        return Resealed(file);
    }

    private static byte[] WithInt(int offset, int value)
    {
        byte[] file = Weights();
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(offset), value);
        return Resealed(file);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryTruncation_IsRejected(bool checkpoint)
    {
        byte[] file = checkpoint ? Checkpoint() : Weights();
        for (int length = 0; length < file.Length; length++)
            Assert.Contains("truncated", Rejected(file[..length], checkpoint).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EverySingleByteCorruption_IsRejected(bool checkpoint)
    {
        byte[] file = checkpoint ? Checkpoint() : Weights();
        for (int i = 0; i < file.Length; i++)
            foreach (byte flip in new byte[] { 0x01, 0x80 })
            {
                byte[] damaged = (byte[])file.Clone();
                damaged[i] ^= flip;
                Rejected(damaged, checkpoint);
            }
    }

    [Theory]
    [InlineData(0, "the input 0 dimensions")]
    [InlineData(4, "the input 4 dimensions")]
    public void BadInputRank_IsRejected(byte rank, string expected) =>
        Assert.Contains(expected, Rejected(WithByte(6, rank), checkpoint: false).Message);

    [Theory]
    [InlineData(int.MaxValue, "describes 2147483647 layers")]
    [InlineData(0, "describes 0 layers")]
    [InlineData(-1, "describes -1 layers")]
    public void AbsurdLayerCount_IsRejectedBeforeAllocating(int count, string expected) =>
        Assert.Contains(expected, Rejected(WithInt(FormatLayout.LayerCountOffset(Shape), count), checkpoint: false).Message);

    [Fact]
    public void UnknownCodes_AreNamed()
    {
        int conv = FormatLayout.RecordOffset(Shape, 0);
        Assert.Contains("layer 1 the unknown kind code 12", Rejected(WithByte(conv + FormatLayout.Kind, 12), false).Message);
        Assert.Contains("layer 1 the unknown activation code 6", Rejected(WithByte(conv + FormatLayout.Activation, 6), false).Message);
        Assert.Contains("layer 1 the unknown padding code 2", Rejected(WithByte(conv + FormatLayout.Padding, 2), false).Message);
        Assert.Contains("use-bias flag 2", Rejected(WithByte(conv + FormatLayout.UseBias, 2), false).Message);
    }

    [Fact]
    public void SettingsAKindCannotHave_AreCorruption()
    {
        int pool = FormatLayout.RecordOffset(Shape, 1), dense = FormatLayout.RecordOffset(Shape, 2);
        Assert.Contains("its layer 3 is Dense with window 3x1", Rejected(WithInt(dense + FormatLayout.WindowHeight, 3), false).Message);
        Assert.Contains("its layer 2 is GlobalAveragePooling2D with units 7", Rejected(WithInt(pool + FormatLayout.Units, 7), false).Message);
        byte[] rate = Weights();
        BinaryPrimitives.WriteSingleLittleEndian(rate.AsSpan(dense + FormatLayout.Rate), 0.5f);
        Assert.Contains("its layer 3 is Dense with rate 0.5", Rejected(Resealed(rate), false).Message);
        // A convolution of 0 filters: each field is possible, the network is not.
        byte[] kernel = Weights();
        BinaryPrimitives.WriteInt32LittleEndian(kernel.AsSpan(FormatLayout.RecordOffset(Shape, 0) + FormatLayout.Units), 0);
        Assert.Contains("invalid network", Rejected(Resealed(kernel), false).Message);
    }

    [Fact]
    public void DamagedShapeOfAnotherValidNetwork_IsCorruption_NotAnotherNetwork()
    {
        // 4 filters → 5: a valid network, but the rest of the file (its parameter count, its checksum) says it is damaged.
        byte[] file = Weights();
        file[FormatLayout.RecordOffset(Shape, 0) + FormatLayout.Units] = 5;
        var e = Rejected(file, checkpoint: false);
        Assert.StartsWith("The weights file is corrupt: its shape section reads (7, 5, 3)-Conv2D(5, 3x2, strides 2x2, same, leaky_relu)", e.Message);
        Assert.DoesNotContain("another network", e.Message);
    }

    [Fact]
    public void RandomMutations_WithTheChecksumRecomputed_OnlyEverGiveInvalidData()
    {
        // The checksum is recomputed so that the damage reaches the shape and count checks behind it.
        byte[] valid = Weights();
        byte[] checkpointValid = Checkpoint();
        var random = new Random(20251);
        int loaded = 0, rejected = 0;
        NeuralNetwork target = LayerListFormatTests.Trained("FormatStridedNet", epochs: 0, seed: 42);
        float[] before = target.Parameters.ToArray();
        for (int i = 0; i < Mutants; i++)
        {
            bool checkpoint = i % 3 == 2;
            byte[] source = checkpoint ? checkpointValid : valid;
            var steps = new List<string>();
            byte[] mutant = (byte[])source.Clone();
            int limit = Math.Min(mutant.Length - 4, FormatLayout.ParameterCountOffset(Shape) + 8);   // mostly the header
            for (int n = random.Next(1, 4); n > 0; n--)
            {
                int at = random.Next(random.Next(2) == 0 ? limit : mutant.Length - 4);
                switch (random.Next(3))
                {
                    case 0: mutant[at] ^= (byte)(1 << random.Next(8)); steps.Add($"flip byte {at}"); break;
                    case 1: mutant[at] = (byte)random.Next(256); steps.Add($"byte {at} = {mutant[at]}"); break;
                    default:
                        int value = new[] { 0, -1, 1, int.MaxValue, int.MinValue, 65536, 3 }[random.Next(7)];
                        if (at + 4 <= mutant.Length - 4) BinaryPrimitives.WriteInt32LittleEndian(mutant.AsSpan(at), value);
                        steps.Add($"int at {at} = {value}");
                        break;
                }
            }
            mutant = Resealed(mutant);
            try
            {
                if (checkpoint) target.LoadCheckpoint(new MemoryStream(mutant)); else target.LoadWeights(new MemoryStream(mutant));
                loaded++;
            }
            catch (InvalidDataException)
            {
                rejected++;
                AssertBitIdentical(before, target.Parameters, $"case {i} ({string.Join("; ", steps)}): ");
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} ({string.Join("; ", steps)}) threw {e.GetType().Name}: {e.Message}");
            }
            before.CopyTo(target.Parameters);
        }
        output.WriteLine($"{Mutants} mutants: {loaded} loaded, {rejected} rejected.");
        Assert.True(rejected > Mutants / 3 && loaded > 0, $"loaded {loaded}, rejected {rejected}: the mutations should give both");
    }
}
