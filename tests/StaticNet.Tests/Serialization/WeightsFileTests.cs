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
        // magic, version, layer count, 3 sizes, 2 activation codes, slope, 2 dropout rates, 2 L2
        // factors, parameter count, 103 floats, CRC.
        Assert.Equal(4 + 2 + 4 + 3 * 4 + 2 + 4 + 2 * 4 + 2 * 4 + 4 + 103 * 4 + 4, file.Length);
        Assert.Equal("SNWT", Encoding.ASCII.GetString(file, 0, 4));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(6)));
        Assert.Equal(6, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(10)));
        Assert.Equal(10, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(14)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(18)));
        Assert.Equal(3, file[22]);   // relu
        Assert.Equal(5, file[23]);   // softmax
        Assert.Equal(0.2f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(24)));
        for (int offset = 28; offset < 44; offset += 4)   // no dropout, no L2
            Assert.Equal(0f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(offset)));
        Assert.Equal(103, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(44)));
        for (int i = 0; i < 103; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(model.Parameters[i]), BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(48 + 4 * i)));
        Assert.Equal(Crc32.Append(0, file.AsSpan(0, file.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(file.Length - 4)));
    }

    [Fact]
    public void DigitNetExample_InFormatsMd_IsWhatIsWritten()
    {
        byte[] file = WeightsBytes(new DigitNet(seed: 1));
        Assert.Equal(80_189, file.Length);
        Assert.Equal(
            "534E5754" + "0100" + "03000000" + "10030000" + "19000000" + "0F000000" + "01000000" + "010101" + "CDCC4C3E" +
            "000000000000000000000000" + "000000000000000000000000" + "3F4E0000",
            Convert.ToHexString(file, 0, 61));
    }

    [Fact]
    public void DropoutAndL2_AreRecorded_AndRoundTrip()
    {
        var source = new ResumeDropoutNet(seed: 3);
        byte[] file = WeightsBytes(source);
        Assert.Equal(0.25f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(28)));   // hidden layer's dropout
        Assert.Equal(0f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(32)));      // none on the output layer
        Assert.Equal(0.001f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(36)));
        Assert.Equal(0.001f, BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(40)));
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
