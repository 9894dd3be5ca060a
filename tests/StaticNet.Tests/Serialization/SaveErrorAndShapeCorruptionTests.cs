using System;
using System.IO;
using StaticNet;
using StaticNet.Interop;
using Xunit;

namespace StaticNet.Tests.Serialization;

/// <summary>
/// Issue 9, §2: a save that fails names the file the user asked for, not the temporary file
/// beside it; and a damaged shape section is reported as corruption (the checksum is verified
/// before the shape is taken as another network's), while a file that really is another
/// network's still says so.
/// </summary>
public sealed class SaveErrorAndShapeCorruptionTests
{
    /// <summary>Offset of the first layer's activation code in a file of a network with a 1-D input (docs/FORMATS.md: 19 + 1).</summary>
    private const int FirstActivationCode = 20;

    /// <summary>Offset of the first hidden layer's units (19 + 4).</summary>
    private const int FirstHiddenSize = 23;

    private static ResumeNet Compiled()
    {
        var model = new ResumeNet(seed: 4);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        return model;
    }

    private static ResumeTanhNet CompiledTanh()
    {
        var model = new ResumeTanhNet(seed: 4);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(), Metric.Accuracy);
        return model;
    }

    public static TheoryData<string> Savers => new() { "SaveWeights", "SaveCheckpoint", "Safetensors.Save", "OnnxExporter.Save" };

    private static void Save(string saver, NeuralNetwork model, string path)
    {
        switch (saver)
        {
            case "SaveWeights": model.SaveWeights(path); break;
            case "SaveCheckpoint": model.SaveCheckpoint(path); break;
            case "Safetensors.Save": Safetensors.Save(model, path); break;
            default: OnnxExporter.Save(model, path); break;
        }
    }

    [Theory]
    [MemberData(nameof(Savers))]
    public void SaveIntoAMissingFolder_NamesTheRequestedFile_NotTheTemporaryOne(string saver)
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "no-such-folder", "model.bin");
        var e = Assert.Throws<DirectoryNotFoundException>(() => Save(saver, Compiled(), path));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        Assert.IsAssignableFrom<IOException>(e.InnerException);   // the file system's own exception is kept
    }

    [Fact]
    public void SaveOverAFolder_NamesTheRequestedFile_NotTheTemporaryOne()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "a-folder");
        Directory.CreateDirectory(path);
        Exception e = Assert.ThrowsAny<Exception>(() => Compiled().SaveWeights(path));
        Assert.True(e is IOException or UnauthorizedAccessException, e.ToString());
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Theory]
    [InlineData(false, FirstActivationCode, 2)]   // relu (3) → tanh (2): a valid shape with the same parameter count
    [InlineData(true, FirstActivationCode, 2)]
    [InlineData(false, FirstHiddenSize, 11)]      // 10 hidden units → 11
    [InlineData(true, FirstHiddenSize, 11)]
    public void DamagedShapeSection_IsReportedAsCorruption_NotAsAnotherNetwork(bool checkpoint, int offset, byte value)
    {
        ResumeNet model = Compiled();
        var saved = new MemoryStream();
        if (checkpoint) model.SaveCheckpoint(saved); else model.SaveWeights(saved);
        byte[] bytes = saved.ToArray();
        Assert.NotEqual(value, bytes[offset]);
        bytes[offset] = value;

        ResumeNet target = Compiled();
        float[] before = target.Parameters.ToArray();
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "damaged.bin");
        File.WriteAllBytes(path, bytes);
        foreach (Action load in checkpoint
            ? new Action[] { () => target.LoadCheckpoint(path), () => target.LoadCheckpoint(new MemoryStream(bytes)) }
            : new Action[] { () => target.LoadWeights(path), () => target.LoadWeights(new MemoryStream(bytes)) })
        {
            var e = Assert.Throws<InvalidDataException>(load);
            Assert.Contains("corrupt", e.Message);
            Assert.DoesNotContain("this network is 6-10", e.Message.Split(" (this network is")[0]);
        }
        Assert.Equal(before, target.Parameters.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IntactFileOfAnotherNetwork_IsStillReportedAsAnotherNetwork(bool checkpoint)
    {
        ResumeTanhNet other = CompiledTanh();
        other.Fit(ReliabilityMatrix(), new[] { 0, 1, 2, 0 }, epochs: 2, verbose: 0);   // non-empty optimizer state
        var saved = new MemoryStream();
        if (checkpoint) other.SaveCheckpoint(saved); else other.SaveWeights(saved);
        saved.WriteByte(0x42);   // data after the file in the stream: must not be read
        saved.Position = 0;
        ResumeNet target = Compiled();
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            if (checkpoint) target.LoadCheckpoint(saved); else target.LoadWeights(saved);
        });
        Assert.Equal($"The {(checkpoint ? "checkpoint" : "weights")} file is for 6-10(tanh)-3(softmax), this network is 6-10(relu)-3(softmax).", e.Message);
        Assert.Equal(saved.Length - 1, saved.Position);

        // A truncated file of another network is corrupt, not "another network".
        byte[] truncated = saved.ToArray()[..^9];
        var t = Assert.Throws<InvalidDataException>(() =>
        {
            if (checkpoint) target.LoadCheckpoint(new MemoryStream(truncated)); else target.LoadWeights(new MemoryStream(truncated));
        });
        Assert.Contains("corrupt", t.Message);
        Assert.Contains("truncated", t.Message);
    }

    private static float[,] ReliabilityMatrix()
    {
        var x = new float[4, 6];
        for (int i = 0; i < x.Length; i++) x[i / 6, i % 6] = (i % 7 - 3) / 3f;
        return x;
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "staticnet-saveerr-" + Guid.NewGuid().ToString("N"));

        public TempDir() => Directory.CreateDirectory(Path);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
