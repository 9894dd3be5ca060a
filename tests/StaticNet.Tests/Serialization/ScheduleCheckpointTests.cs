using System;
using System.Buffers.Binary;
using System.IO;
using StaticNet;
using Xunit;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Serialization;

/// <summary>
/// Checkpoint format version 2 records the optimizer's learning-rate schedule: a resume with the
/// same schedule is exact, another schedule (or none) is refused, and version 1 files still load.
/// </summary>
public sealed class ScheduleCheckpointTests
{
    private static ResumeNet Compiled(Optimizer optimizer, int seed = 1)
    {
        var model = new ResumeNet(seed);
        model.Compile(Loss.SparseCategoricalCrossentropy, optimizer, Metric.Accuracy);
        return model;
    }

    private static byte[] Trained(Optimizer optimizer, int epochs)
    {
        var (x, y) = Classification();
        ResumeNet model = Compiled(optimizer);
        model.Fit(x, y, epochs: epochs, batchSize: 8, verbose: 0);
        return CheckpointBytes(model);
    }

    [Fact]
    public void AScheduledCheckpoint_RestoresTheStepCount_AndTheRateFollows()
    {
        var schedule = new ExponentialDecay(0.05, decaySteps: 3, decayRate: 0.5);
        byte[] file = Trained(new Adam(schedule), epochs: 2);   // 2 epochs of 7 steps
        ResumeNet model = Compiled(new Adam(new ExponentialDecay(0.05, decaySteps: 3, decayRate: 0.5)), seed: 9);
        CheckpointInfo info = model.LoadCheckpoint(new MemoryStream(file));
        Assert.Equal(14, info.Iterations);
        Assert.Equal((float)schedule.GetLearningRate(14), info.LearningRate);
        Assert.Equal((float)schedule.GetLearningRate(14), model.Optimizer!.LearningRate);
    }

    [Fact]
    public void ADifferentSchedule_OrNone_IsRefused()
    {
        byte[] scheduled = Trained(new Adam(new ExponentialDecay(0.05, decaySteps: 3, decayRate: 0.5)), epochs: 1);
        byte[] fixedRate = Trained(new Adam(0.05f), epochs: 1);

        var e = Assert.Throws<InvalidDataException>(() => Compiled(new Adam(0.05f)).LoadCheckpoint(new MemoryStream(scheduled)));
        Assert.Contains("schedule ExponentialDecay [0.05, 3, 0.5, 0]", e.Message);
        Assert.Contains("0.05 (no schedule)", e.Message);

        e = Assert.Throws<InvalidDataException>(() =>
            Compiled(new Adam(new ExponentialDecay(0.05, decaySteps: 3, decayRate: 0.5, staircase: true))).LoadCheckpoint(new MemoryStream(scheduled)));
        Assert.Contains("[0.05, 3, 0.5, 1]", e.Message);

        e = Assert.Throws<InvalidDataException>(() =>
            Compiled(new Adam(new CosineDecay(0.05, 3))).LoadCheckpoint(new MemoryStream(fixedRate)));
        Assert.Contains("schedule CosineDecay", e.Message);
        Assert.Contains("Compile with the same learning-rate schedule", e.Message);

        // The right one loads.
        Compiled(new Adam(new ExponentialDecay(0.05, decaySteps: 3, decayRate: 0.5))).LoadCheckpoint(new MemoryStream(scheduled));
        Compiled(new Adam(0.05f)).LoadCheckpoint(new MemoryStream(fixedRate));
    }

    private sealed class Halving(double start) : LearningRateSchedule
    {
        public override double GetLearningRate(long step) => start / (1 + step / 5);

        public override string ToString() => $"Halving({start})";
    }

    [Fact]
    public void AScheduleOfYourOwn_IsIdentifiedByItsToString_AndResumesExactly()
    {
        var (x, y) = Classification();
        ResumeNet uninterrupted = Compiled(new Sgd(new Halving(0.1), momentum: 0.5f));
        uninterrupted.Fit(x, y, epochs: 4, batchSize: 8, verbose: 0);
        ResumeNet first = Compiled(new Sgd(new Halving(0.1), momentum: 0.5f));
        first.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        byte[] file = CheckpointBytes(first);

        var e = Assert.Throws<InvalidDataException>(() => Compiled(new Sgd(new Halving(0.2), momentum: 0.5f)).LoadCheckpoint(new MemoryStream(file)));
        Assert.Contains("schedule Halving(0.1)", e.Message);
        ResumeNet resumed = Compiled(new Sgd(new Halving(0.1), momentum: 0.5f), seed: 3);
        CheckpointInfo info = resumed.LoadCheckpoint(new MemoryStream(file));
        resumed.Fit(x, y, epochs: 4, initialEpoch: info.Epoch, batchSize: 8, verbose: 0);
        AssertBitIdentical(uninterrupted.Parameters, resumed.Parameters);
    }

    /// <summary>Offset of the optimizer section's learning rate in a checkpoint of ResumeNet with Adam and one metric.</summary>
    private static int LearningRateOffset(byte[] file, NetworkShape shape)
    {
        int at = FormatLayout.ParametersEnd(shape) + 16;                           // past epochs, seed, generator state
        at += 2 + BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at));       // loss name
        at += 2;                                                                   // fromLogits, metric count
        at += 2 + BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at));       // the metric's name
        return at + 2 + 4 * file[at + 1];                                          // optimizer code, hyperparameters
    }

    private static byte[] Resealed(byte[] body)
    {
        var file = new byte[body.Length + 4];
        body.CopyTo(file, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(body.Length), StaticNet.Serialization.Crc32.Append(0, body));
        return file;
    }

    [Fact]
    public void AVersion1Checkpoint_StillLoads_AndResumesExactly()
    {
        // A version 1 file is a version 2 file of a fixed-rate optimizer without the 3-byte schedule
        // record (code 0, no values) after the learning rate; both have the dense-stack shape section.
        var (x, y) = Classification();
        ResumeNet uninterrupted = Compiled(new Adam(0.01f));
        uninterrupted.Fit(x, y, epochs: 4, batchSize: 8, verbose: 0);
        ResumeNet first = Compiled(new Adam(0.01f));
        first.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        byte[] v3 = CheckpointBytes(first);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(v3.AsSpan(4)));
        int rate = LearningRateOffset(v3, first.NetworkShape);
        Assert.Equal(0.01f, BinaryPrimitives.ReadSingleLittleEndian(v3.AsSpan(rate)));
        Assert.Equal(new byte[] { 0, 0, 0 }, v3[(rate + 4)..(rate + 7)]);

        byte[] body = [.. v3[..(rate + 4)], .. v3[(rate + 7)..^4]];
        byte[] v1 = Resealed(FormatLayout.WithDenseStackSection(body, first.NetworkShape, version: 1));

        ResumeNet resumed = Compiled(new Adam(0.01f), seed: 8);
        CheckpointInfo info = resumed.LoadCheckpoint(new MemoryStream(v1));
        Assert.Equal(2, info.Epoch);
        resumed.Fit(x, y, epochs: 4, initialEpoch: info.Epoch, batchSize: 8, verbose: 0);
        AssertBitIdentical(uninterrupted.Parameters, resumed.Parameters);

        // A version 1 file has no schedule: an optimizer with one refuses it.
        var e = Assert.Throws<InvalidDataException>(() => Compiled(new Adam(new CosineDecay(0.01, 10))).LoadCheckpoint(new MemoryStream(v1)));
        Assert.Contains("(no schedule)", e.Message);
    }

    [Fact]
    public void AnUnknownCheckpointVersion_OrScheduleCode_IsRejected()
    {
        byte[] file = Trained(new Adam(0.01f), epochs: 1);
        byte[] v4 = file[..^4];
        BinaryPrimitives.WriteUInt16LittleEndian(v4.AsSpan(4), 4);
        var e = Assert.Throws<InvalidDataException>(() => Compiled(new Adam(0.01f)).LoadCheckpoint(new MemoryStream(Resealed(v4))));
        Assert.Contains("format version 4", e.Message);
        Assert.Contains("versions 1 to 3", e.Message);

        byte[] badCode = file[..^4];
        badCode[LearningRateOffset(file, new ResumeNet().NetworkShape) + 4] = 7;
        e = Assert.Throws<InvalidDataException>(() => Compiled(new Adam(0.01f)).LoadCheckpoint(new MemoryStream(Resealed(badCode))));
        Assert.Contains("unknown code 7", e.Message);
    }
}
