using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using StaticNet.Serialization;
using StaticNet.Tests.Networks;
using Xunit;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Serialization;

public class WeightsFileTests
{
    [Fact]
    public void RoundTripThroughFile_IsBitIdentical_IncludingSpecialValues()
    {
        using var dir = new TempDirectory();
        var source = new ResumeNet(seed: 5);
        // Values a text format or a careless conversion would not preserve.
        source.Parameters[0] = float.NaN;
        source.Parameters[1] = -0f;
        source.Parameters[2] = float.Epsilon;
        source.Parameters[3] = float.MaxValue;
        source.Parameters[4] = float.NegativeInfinity;
        source.Parameters[5] = BitConverter.Int32BitsToSingle(0x7FC12345);   // NaN with a payload
        string path = dir.File("net.weights");
        source.SaveWeights(path);

        var target = new ResumeNet(seed: 6);
        Assert.NotEqual(source.Parameters[10], target.Parameters[10]);
        target.LoadWeights(path);
        AssertBitIdentical(source.Parameters, target.Parameters);
        Assert.Single(Directory.GetFiles(dir.Path));   // no temporary file left behind
    }

    [Fact]
    public void RoundTripThroughStream_IsBitIdentical_AndLeavesTheStreamAfterTheData()
    {
        var first = new ResumeNet(seed: 1);
        var second = new ResumeNet(seed: 2);
        var stream = new MemoryStream();
        first.SaveWeights(stream);
        long end = stream.Position;
        second.SaveWeights(stream);   // two models back to back in one stream
        stream.Position = 0;

        var a = new ResumeNet(seed: 3);
        var b = new ResumeNet(seed: 4);
        a.LoadWeights(stream);
        Assert.Equal(end, stream.Position);
        b.LoadWeights(stream);
        Assert.Equal(stream.Length, stream.Position);
        AssertBitIdentical(first.Parameters, a.Parameters);
        AssertBitIdentical(second.Parameters, b.Parameters);
    }

    [Fact]
    public void Layout_IsAsDocumentedInFormatsMd()
    {
        var model = new ResumeNet(seed: 9);
        byte[] file = WeightsBytes(model);
        // magic, version, input rank, 1 input dimension, slope, layer count, 2 layer records of 40 bytes,
        // parameter count, 103 floats, CRC.
        Assert.Equal(4 + 2 + 1 + 4 + 4 + 4 + 2 * 40 + 4 + 103 * 4 + 4, file.Length);
        Assert.Equal("SNWT", Encoding.ASCII.GetString(file, 0, 4));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)));
        Assert.Equal(1, file[6]);
        Assert.Equal(6, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(7)));
        Assert.Equal(0.2f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(11)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(15)));
        // Dense(10, relu): kind 0, activation 3, padding 0, use-bias 1, units 10, window 1x1, strides 1x1, rate,
        // momentum, epsilon, L2 all 0; then Dense(3, softmax).
        Assert.Equal("00030001" + "0A000000" + "01000000010000000100000001000000" + "00000000000000000000000000000000",
            Convert.ToHexString(file, 19, 40));
        Assert.Equal("00050001" + "03000000", Convert.ToHexString(file, 59, 8));
        Assert.Equal(103, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(99)));
        for (int i = 0; i < 103; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(model.Parameters[i]), BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(103 + 4 * i)));
        Assert.Equal(Crc32.Append(0, file.AsSpan(0, file.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(file.Length - 4)));
    }

    [Fact]
    public void DigitNetExample_InFormatsMd_IsWhatIsWritten()
    {
        byte[] file = WeightsBytes(new DigitNet(seed: 1));
        Assert.Equal(80_271, file.Length);
        string Dense(string activation, string units) => "00" + activation + "0001" + units + "01000000010000000100000001000000" + "00000000000000000000000000000000";
        Assert.Equal(
            "534E5754" + "0200" + "01" + "10030000" + "CDCC4C3E" + "03000000" +
            Dense("01", "19000000") + Dense("01", "0F000000") + Dense("01", "01000000") + "3F4E0000",
            Convert.ToHexString(file, 0, 143));
    }

    [Fact]
    public void DropoutAndL2_AreRecorded_AndRoundTrip()
    {
        var source = new ResumeDropoutNet(seed: 3);
        byte[] file = WeightsBytes(source);
        NetworkShape shape = source.NetworkShape;
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(FormatLayout.LayerCountOffset(shape))));   // Dense, Dropout, Dense
        Assert.Equal(10, file[FormatLayout.RecordOffset(shape, 1) + FormatLayout.Kind]);                           // Dropout's kind code
        Assert.Equal(0.25f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(FormatLayout.RecordOffset(shape, 1) + FormatLayout.Rate)));
        Assert.Equal(0f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(FormatLayout.RecordOffset(shape, 2) + FormatLayout.Rate)));
        Assert.Equal(0.001f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(FormatLayout.RecordOffset(shape, 0) + FormatLayout.L2)));
        Assert.Equal(0.001f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(FormatLayout.RecordOffset(shape, 2) + FormatLayout.L2)));
        var target = new ResumeDropoutNet(seed: 4);
        target.LoadWeights(new MemoryStream(file));
        AssertBitIdentical(source.Parameters, target.Parameters);
    }

    [Fact]
    public void ShapeMismatch_InDropout_NamesBothShapes()
    {
        byte[] file = WeightsBytes(new ResumeNet(seed: 1));
        var e = Assert.Throws<InvalidDataException>(() => new ResumeDropoutNet(seed: 1).LoadWeights(new MemoryStream(file)));
        Assert.Contains("file is for 6-10(relu)-3(softmax), this network is 6-10(relu)+dropout(0.25)-3(softmax)", e.Message);
    }

    [Fact]
    public void ShapeMismatch_InL2Only_NamesTheFactors()
    {
        byte[] file = WeightsBytes(new ResumeDropoutNet(seed: 1));
        var e = Assert.Throws<InvalidDataException>(() => new ResumeDropoutOtherL2Net(seed: 1).LoadWeights(new MemoryStream(file)));
        Assert.Contains("L2 factors [0.001, 0.001]", e.Message);
        Assert.Contains("L2 factors [0.002, 0.002]", e.Message);
    }

    [Fact]
    public void SavingTwice_GivesTheSameBytes()
    {
        var model = new ResumeNet(seed: 9);
        Assert.Equal(WeightsBytes(model), WeightsBytes(model));
    }

    [Fact]
    public void LoadWeights_KeepsTheCompiledOptimizerState()
    {
        // Two identically trained models get the same new weights; one keeps its Adam state, the
        // other is recompiled with a fresh Adam first. If LoadWeights reset the optimizer, the
        // next epoch would give the same parameters in both.
        byte[] weights = WeightsBytes(new ResumeNet(seed: 77));
        ResumeNet kept = Trained(new Adam(), epochs: 2);
        ResumeNet reset = Trained(new Adam(), epochs: 2);
        reset.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        kept.LoadWeights(new MemoryStream(weights));
        reset.LoadWeights(new MemoryStream(weights));
        Assert.Equal(2 * 7, kept.Optimizer!.Iterations);   // 7 batches per epoch, unchanged by the load
        AssertBitIdentical(reset.Parameters, kept.Parameters);

        var (x, y) = Classification();
        kept.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
        reset.Fit(x, y, epochs: 1, batchSize: 8, verbose: 0);
        Assert.False(kept.Parameters.SequenceEqual(reset.Parameters));
    }

    [Fact]
    public void ShapeMismatch_NamesBothShapes()
    {
        byte[] file = WeightsBytes(new DigitNet(seed: 1));
        var model = new MnistNet(seed: 1);
        float first = model.Parameters[0];
        var e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(new MemoryStream(file)));
        Assert.Contains("784-25(sigmoid)-15(sigmoid)-1(sigmoid)", e.Message);
        Assert.Contains("784-128(relu)-64(relu)-10(softmax)", e.Message);
        Assert.Equal(first, model.Parameters[0]);
    }

    [Fact]
    public void ShapeMismatch_SameParameterCountDifferentActivation_IsRejected()
    {
        byte[] file = WeightsBytes(new ResumeNet(seed: 1));
        var e = Assert.Throws<InvalidDataException>(() => new ResumeTanhNet(seed: 1).LoadWeights(new MemoryStream(file)));
        Assert.Contains("file is for 6-10(relu)-3(softmax), this network is 6-10(tanh)-3(softmax)", e.Message);
    }

    [Fact]
    public void ShapeMismatch_InLeakySlopeOnly_NamesTheSlopes()
    {
        byte[] file = WeightsBytes(new LeakyNet(seed: 1));
        var e = Assert.Throws<InvalidDataException>(() => new LeakySlopeNet(seed: 1).LoadWeights(new MemoryStream(file)));
        Assert.Contains("slope 0.2", e.Message);
        Assert.Contains("slope 0.1", e.Message);
    }

    [Fact]
    public void CheckpointFile_GivenToLoadWeights_GivesItsWeights_AndStopsRightAfterIt()
    {
        ResumeNet trained = Trained(new Adam(), epochs: 1);
        byte[] checkpoint = CheckpointBytes(trained);
        // A stream holding the checkpoint and then other data: the load stops after the checksum.
        var stream = new MemoryStream();
        stream.Write(checkpoint);
        stream.Write(new byte[] { 1, 2, 3 });
        stream.Position = 0;
        var copy = new ResumeNet(seed: 1);
        copy.LoadWeights(stream);
        Assert.Equal(checkpoint.Length, stream.Position);
        Assert.Equal(trained.Parameters.ToArray(), copy.Parameters.ToArray());
        // A weights file is still refused by LoadCheckpoint (it has no optimizer state to resume).
        var e = Assert.Throws<InvalidDataException>(() => Trained(new Adam(), epochs: 0).LoadCheckpoint(new MemoryStream(WeightsBytes(trained))));
        Assert.Contains("LoadWeights", e.Message);
    }

    [Fact]
    public void NullAndMissingArguments_Throw()
    {
        var model = new ResumeNet(seed: 1);
        Assert.Throws<ArgumentNullException>(() => model.SaveWeights((Stream)null!));
        Assert.Throws<ArgumentNullException>(() => model.LoadWeights((Stream)null!));
        Assert.ThrowsAny<ArgumentException>(() => model.SaveWeights(""));
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => model.LoadWeights(dir.File("missing.weights")));
    }
}
