using System;
using System.IO;
using StaticNet.Serialization;
using Xunit;
using static StaticNet.Tests.Serialization.SerializationData;

namespace StaticNet.Tests.Serialization;

/// <summary>A save that fails midway leaves the previous file loadable and no temporary file behind.</summary>
public class CrashSafetyTests
{
    /// <summary>Passes writes through until <c>limit</c> bytes, then fails as a full or failing disk would.</summary>
    private sealed class FailingStream(Stream inner, long limit) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long allowed = Math.Min(buffer.Length, limit - _written);
            if (allowed > 0) inner.Write(buffer.Slice(0, (int)allowed));
            _written += Math.Max(allowed, 0);
            if (allowed < buffer.Length) throw new IOException("Simulated failure: no space left on device.");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(463)]   // everything but the last byte of the checksum (464 bytes)
    public void WeightsSaveFailingMidway_LeavesThePreviousFileLoadable(int failAfter)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.weights");
        var original = new ResumeNet(seed: 1);
        original.SaveWeights(path);
        var changed = new ResumeNet(seed: 2);

        Assert.Throws<IOException>(() => AtomicFile.Write(path, s => changed.SaveWeights(new FailingStream(s, failAfter))));

        Assert.Equal(new[] { path }, Directory.GetFiles(dir.Path));   // the temporary file is gone
        var loaded = new ResumeNet(seed: 3);
        loaded.LoadWeights(path);
        AssertBitIdentical(original.Parameters, loaded.Parameters);
    }

    [Fact]
    public void CheckpointSaveFailingMidway_LeavesThePreviousCheckpointLoadable()
    {
        using var dir = new TempDirectory();
        string path = dir.File("run.ckpt");
        ResumeNet model = Trained(new Adam(), epochs: 1);
        model.SaveCheckpoint(path);
        float[] savedParameters = model.Parameters.ToArray();
        var (x, y) = Classification();
        model.Fit(x, y, epochs: 2, initialEpoch: 1, batchSize: 8, verbose: 0);
        Assert.Equal(2, model.CompletedEpochs);

        Assert.Throws<IOException>(() => AtomicFile.Write(path, s => model.SaveCheckpoint(new FailingStream(s, 700))));

        Assert.Equal(new[] { path }, Directory.GetFiles(dir.Path));
        var restored = new ResumeNet(seed: 3);
        restored.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        CheckpointInfo info = restored.LoadCheckpoint(path);
        Assert.Equal(1, info.Epoch);
        AssertBitIdentical(savedParameters, restored.Parameters);
    }

    [Fact]
    public void SuccessfulSave_ReplacesTheFile_WithoutLeftovers()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.weights");
        new ResumeNet(seed: 1).SaveWeights(path);
        var second = new ResumeNet(seed: 2);
        second.SaveWeights(path);
        Assert.Equal(new[] { path }, Directory.GetFiles(dir.Path));
        var loaded = new ResumeNet(seed: 3);
        loaded.LoadWeights(path);
        AssertBitIdentical(second.Parameters, loaded.Parameters);
    }

    [Fact]
    public void SavingOntoADirectory_FailsAndCleansUp()
    {
        // The write succeeds and the final rename fails: the temporary file must still be removed.
        using var dir = new TempDirectory();
        string target = dir.File("occupied");
        Directory.CreateDirectory(target);
        Assert.ThrowsAny<IOException>(() => new ResumeNet(seed: 1).SaveWeights(target));
        Assert.Empty(Directory.GetFiles(dir.Path));
        Assert.True(Directory.Exists(target));
    }

    [Fact]
    public void SavingIntoAMissingDirectory_Throws_AndCreatesNothing()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "missing", "model.weights");
        Assert.Throws<DirectoryNotFoundException>(() => new ResumeNet(seed: 1).SaveWeights(path));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void StreamOverload_PropagatesTheFailure_AndThePartialDataIsRejectedOnLoad()
    {
        var partial = new MemoryStream();
        var model = new ResumeNet(seed: 1);
        var e = Assert.Throws<IOException>(() => model.SaveWeights(new FailingStream(partial, 200)));
        Assert.Contains("Simulated failure", e.Message);
        Assert.Equal(200, partial.Length);
        partial.Position = 0;
        var target = new ResumeNet(seed: 2);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => target.LoadWeights(partial)).Message);
    }
}
