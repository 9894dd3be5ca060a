using System;
using System.Buffers.Binary;
using System.IO;
using StaticNet.Serialization;
using Xunit;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Serialization;

/// <summary>
/// Every damaged file gives <see cref="InvalidDataException"/> with a clear message, allocates
/// nothing large, and leaves the model exactly as it was.
/// </summary>
public class CorruptFileTests
{
    // Offsets in a ResumeNet (6-10-3, 103 parameters) file; WeightsFileTests.Layout_IsAsDocumentedInFormatsMd pins them.
    // Layer records (40 bytes) start at 19 and 59: kind, activation, padding, use-bias, units at +4, rate at +24, L2 at +36.
    private const int VersionOffset = 4, InputOffset = 7, LayerCountOffset = 15, ActivationsOffset = 20, HiddenUnitsOffset = 23,
        DropoutOffset = 43, OutputDropoutOffset = 83, L2Offset = 55, OutputL2Offset = 95, ParameterCountOffset = 99, ParametersOffset = 103,
        ParametersEnd = 103 + 103 * 4;
    // Checkpoint sections after the parameters: epochs, seed, shuffle state, loss name (2 + 31 bytes),
    // fromLogits, metric count, "accuracy" (2 + 8), then the optimizer section.
    private const int LossNameOffset = ParametersEnd + 4 + 4 + 8, MetricCountOffset = LossNameOffset + 2 + 31 + 1,
        OptimizerOffset = MetricCountOffset + 1 + 2 + 8;

    private static ResumeNet CompiledTarget()
    {
        var model = new ResumeNet(seed: 42);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f), Metric.Accuracy);
        return model;
    }

    private static byte[] Weights() => WeightsBytes(Trained(new Adam(learningRate: 0.01f), epochs: 1));

    private static byte[] Checkpoint() => CheckpointBytes(Trained(new Adam(learningRate: 0.01f), epochs: 1));

    /// <summary>Loads <paramref name="file"/>, expects InvalidDataException, checks nothing changed and that little was allocated.</summary>
    private static InvalidDataException Rejected(byte[] file, bool checkpoint)
    {
        ResumeNet model = CompiledTarget();
        float[] before = model.Parameters.ToArray();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            if (checkpoint) model.LoadCheckpoint(new MemoryStream(file));
            else model.LoadWeights(new MemoryStream(file));
        });
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.True(allocated < 1 << 20, $"the failed load allocated {allocated} bytes");
        AssertBitIdentical(before, model.Parameters);
        Assert.Equal(0, model.Optimizer!.Iterations);
        Assert.Equal(0.01f, model.Optimizer.LearningRate);
        Assert.Equal(0, model.CompletedEpochs);
        return e;
    }

    private static byte[] With(byte[] file, int offset, int value)
    {
        byte[] copy = (byte[])file.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    /// <summary>Recomputes the trailing CRC, so that only the deliberate damage is wrong.</summary>
    private static byte[] Resealed(byte[] file)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(file.Length - 4), Crc32.Append(0, file.AsSpan(0, file.Length - 4)));
        return file;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryTruncation_IsRejected(bool checkpoint)
    {
        byte[] file = checkpoint ? Checkpoint() : Weights();
        for (int length = 0; length < file.Length; length++)
        {
            var e = Rejected(file.AsSpan(0, length).ToArray(), checkpoint);
            Assert.Contains("truncated", e.Message);
        }
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

    [Fact]
    public void DamagedParameters_AreReportedAsABadChecksum()
    {
        byte[] file = Weights();
        file[ParametersOffset + 41] ^= 0x10;
        Assert.Contains("checksum", Rejected(file, checkpoint: false).Message);
        byte[] checkpoint = Checkpoint();
        checkpoint[^1] ^= 0x01;   // the checksum itself
        Assert.Contains("checksum", Rejected(checkpoint, checkpoint: true).Message);
    }

    [Fact]
    public void WrongMagic_IsRejected()
    {
        byte[] file = Weights();
        "PK\x03\x04"u8.CopyTo(file);
        var e = Rejected(file, checkpoint: false);
        Assert.Contains("Not a StaticNet weights file", e.Message);
        Assert.Contains("504B0304", e.Message);
    }

    [Fact]
    public void WrongVersion_IsRejected()
    {
        byte[] file = Weights();
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(VersionOffset), 3);
        var e = Rejected(Resealed(file), checkpoint: false);
        Assert.Contains("format version 3", e.Message);
        Assert.Contains("versions 1 to 2", e.Message);
    }

    [Fact]
    public void TrailingBytes_AreRejected_WhenLoadingAFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("extra.weights");
        byte[] file = Weights();
        File.WriteAllBytes(path, [.. file, 0x00]);
        var model = new ResumeNet(seed: 42);
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
        Assert.Contains("after its checksum", e.Message);
        AssertBitIdentical(before, model.Parameters);
    }

    [Theory]
    [InlineData(int.MaxValue, "2147483647 layers")]
    [InlineData(0, "0 layers")]
    [InlineData(-5, "-5 layers")]
    public void AbsurdLayerCount_IsRejectedBeforeAllocating(int layers, string expected) =>
        Assert.Contains(expected, Rejected(With(Weights(), LayerCountOffset, layers), checkpoint: false).Message);

    [Theory]
    [InlineData(HiddenUnitsOffset, 1 << 30)]   // 6 x 2^30 weights: more than an array can hold
    [InlineData(HiddenUnitsOffset, -10)]
    [InlineData(InputOffset, 0)]
    public void AbsurdLayerSize_IsRejected(int offset, int size) =>
        Assert.Contains("invalid network", Rejected(With(Weights(), offset, size), checkpoint: false).Message);

    [Fact]
    public void LargerValidSize_IsReportedAsCorruption_NotAsAnotherNetwork()
    {
        // A valid but different shape in a damaged file: the checksum decides (issue 9), not the shape.
        var e = Rejected(With(Weights(), HiddenUnitsOffset, 100_000), checkpoint: false);
        Assert.Contains("The weights file is corrupt: its shape section reads 6-100000(relu)-3(softmax) (this network is 6-10(relu)-3(softmax))", e.Message);
    }

    [Theory]
    [InlineData(DropoutOffset, 1f)]            // a Dense layer has no dropout rate
    [InlineData(OutputDropoutOffset, 0.5f)]
    [InlineData(L2Offset, -1f)]
    [InlineData(OutputL2Offset, float.NaN)]
    public void InvalidRegularization_IsRejected(int offset, float value)
    {
        byte[] file = Weights();
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(offset), value);
        Assert.Contains("invalid network", Rejected(file, checkpoint: false).Message);
    }

    [Fact]
    public void UnknownActivationCode_IsRejected()
    {
        byte[] file = Weights();
        file[ActivationsOffset] = 9;
        Assert.Contains("unknown activation code 9", Rejected(file, checkpoint: false).Message);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(-1)]
    [InlineData(104)]
    public void ParameterCountDisagreeingWithTheShape_IsRejectedBeforeAllocating(int count) =>
        Assert.Contains($"holds {count} parameters", Rejected(With(Weights(), ParameterCountOffset, count), checkpoint: false).Message);

    [Fact]
    public void AbsurdStringLength_IsRejected()
    {
        byte[] file = Checkpoint();
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(LossNameOffset), 60_000);
        Assert.Contains("at most 1024", Rejected(file, checkpoint: true).Message);
    }

    [Fact]
    public void AbsurdMetricCount_IsRejected()
    {
        byte[] file = Checkpoint();
        file[MetricCountOffset] = 255;
        Assert.Contains("255 metrics", Rejected(file, checkpoint: true).Message);
    }

    [Fact]
    public void NegativeEpochCount_IsRejected() =>
        Assert.Contains("-3 completed epochs", Rejected(With(Checkpoint(), ParametersEnd, -3), checkpoint: true).Message);

    [Fact]
    public void UnknownOptimizerCode_IsRejected()
    {
        byte[] file = Checkpoint();
        file[OptimizerOffset] = 77;
        Assert.Contains("unknown type code 77", Rejected(file, checkpoint: true).Message);
    }

    // Optimizer section of Adam: code, count, 3 hyperparameters, learning rate, schedule record
    // (version 2: code 0 and no values for a fixed rate), iterations, parameter count, array count,
    // then each array's length and values.
    private const int LearningRateOffset = OptimizerOffset + 2 + 3 * 4, ScheduleOffset = LearningRateOffset + 4, IterationsOffset = ScheduleOffset + 3,
        OptimizerParameterCountOffset = IterationsOffset + 8, ArrayCountOffset = OptimizerParameterCountOffset + 4,
        FirstArrayLengthOffset = ArrayCountOffset + 1;

    [Fact]
    public void OptimizerSectionLayout_IsAsExpected()
    {
        // Guards the offsets below: Adam after one epoch (7 steps) at learning rate 0.01.
        byte[] file = Checkpoint();
        Assert.Equal(2, file[OptimizerOffset]);
        Assert.Equal(3, file[OptimizerOffset + 1]);
        Assert.Equal(0.9f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(OptimizerOffset + 2)));
        Assert.Equal(0.01f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(LearningRateOffset)));
        Assert.Equal(new byte[] { 0, 0, 0 }, file[ScheduleOffset..IterationsOffset]);
        Assert.Equal(7, BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(IterationsOffset)));
        Assert.Equal(103, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(OptimizerParameterCountOffset)));
        Assert.Equal(2, file[ArrayCountOffset]);
        Assert.Equal(103, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(FirstArrayLengthOffset)));
        Assert.Equal(FirstArrayLengthOffset + 2 * (4 + 103 * 4) + 4, file.Length);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(-1)]
    [InlineData(102)]
    public void AbsurdOptimizerArrayLength_IsRejectedBeforeAllocating(int length) =>
        Assert.Contains($"holds {length} values", Rejected(With(Checkpoint(), FirstArrayLengthOffset, length), checkpoint: true).Message);

    [Fact]
    public void OptimizerParameterCountMismatch_IsRejected() =>
        Assert.Contains("for 5 parameters", Rejected(With(Checkpoint(), OptimizerParameterCountOffset, 5), checkpoint: true).Message);

    [Fact]
    public void WrongOptimizerArrayCount_IsRejected()
    {
        byte[] file = Checkpoint();
        file[ArrayCountOffset] = 200;
        Assert.Contains("has 200 arrays", Rejected(file, checkpoint: true).Message);
    }

    [Fact]
    public void NonPositiveLearningRate_IsRejected()
    {
        byte[] file = Checkpoint();
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(LearningRateOffset), float.NaN);
        Assert.Contains("learning rate is NaN", Rejected(file, checkpoint: true).Message);
    }

    [Fact]
    public void NegativeIterations_AreRejected()
    {
        byte[] file = Checkpoint();
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(IterationsOffset), -1);
        Assert.Contains("iteration count is -1", Rejected(file, checkpoint: true).Message);
    }
}
