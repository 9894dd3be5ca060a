using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using StaticNet.Data;
using Xunit;

namespace StaticNet.Tests.Data;

/// <summary>
/// Mnist.LoadOrDownload's machinery against a loopback HTTP server: small synthetic IDX files play
/// the four MNIST files, with their own hashes; no outside network.
/// </summary>
public sealed class DownloadTests : IDisposable
{
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "staticnet-download-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, byte[]> _files;
    private readonly DatasetSource _source;

    public DownloadTests()
    {
        // 3 training images of 2x2 and 2 test images, labels 0..2, each file gzipped as MNIST's are.
        _files = new Dictionary<string, byte[]>
        {
            ["train-images-idx3-ubyte.gz"] = Gzip(Images(3, 2, 2, seed: 1)),
            ["train-labels-idx1-ubyte.gz"] = Gzip(Labels([0, 1, 2])),
            ["t10k-images-idx3-ubyte.gz"] = Gzip(Images(2, 2, 2, seed: 2)),
            ["t10k-labels-idx1-ubyte.gz"] = Gzip(Labels([2, 0])),
        };
        _source = SourceWith(["http://127.0.0.1:1/unused/"]);
    }

    public void Dispose()
    {
        if (Directory.Exists(_cache)) Directory.Delete(_cache, recursive: true);
    }

    [Fact]
    public void FirstUse_DownloadsEachFileOnce_VerifiesAndLoadsThem()
    {
        using var server = new LoopbackServer(Serve("good"));

        MnistData data = Mnist.LoadOrDownload(_source, _cache, [server.Base("good")], TextWriter.Null);

        Assert.Equal(4, server.TotalRequests);
        foreach (string name in _files.Keys) Assert.Equal(1, server.Requests[$"/good/{name}"]);
        Assert.Equal(3, data.TrainImages.GetLength(0));
        Assert.Equal(4, data.TrainImages.GetLength(1));
        Assert.Equal([0, 1, 2], data.TrainLabels);
        Assert.Equal([2, 0], data.TestLabels);
        Assert.Equal(11 / 255f, data.TrainImages[0, 0]); // Images(seed 1) starts with 11
        string folder = Path.Combine(_cache, "test-set");
        Assert.Equal(_files.Keys.Order(), Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        foreach (var (name, bytes) in _files) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(folder, name)));
    }

    [Fact]
    public void SecondUse_ReadsTheCache_WithoutAnyRequest()
    {
        using var server = new LoopbackServer(Serve("good"));
        Mnist.LoadOrDownload(_source, _cache, [server.Base("good")], TextWriter.Null);
        Assert.Equal(4, server.TotalRequests);

        MnistData again = Mnist.LoadOrDownload(_source, _cache, [server.Base("good")], TextWriter.Null);

        Assert.Equal(4, server.TotalRequests);
        Assert.Equal([0, 1, 2], again.TrainLabels);
    }

    [Fact]
    public void ACachedFileWithAnotherHash_IsDownloadedAgain_OnlyThatOne()
    {
        using var server = new LoopbackServer(Serve("good"));
        Mnist.LoadOrDownload(_source, _cache, [server.Base("good")], TextWriter.Null);
        string damaged = Path.Combine(_cache, "test-set", "t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(damaged, Gzip(Labels([1, 1])));

        Mnist.LoadOrDownload(_source, _cache, [server.Base("good")], TextWriter.Null);

        Assert.Equal(5, server.TotalRequests);
        Assert.Equal(2, server.Requests["/good/t10k-labels-idx1-ubyte.gz"]);
        Assert.Equal(_files["t10k-labels-idx1-ubyte.gz"], File.ReadAllBytes(damaged));
    }

    [Fact]
    public void WrongBytesOnTheFirstMirror_FallBackToTheNextMirror()
    {
        // "bad" serves other bytes of the same length (so the size check passes and the hash must catch it).
        using var server = new LoopbackServer(Serve("good"));
        server.Respond = path => path.StartsWith("/bad/", StringComparison.Ordinal)
            ? LoopbackServer.Reply.Ok(Corrupt(_files[path["/bad/".Length..]]))
            : Serve("good")(path);

        MnistData data = Mnist.LoadOrDownload(_source, _cache, [server.Base("bad"), server.Base("good")], TextWriter.Null);

        Assert.Equal([0, 1, 2], data.TrainLabels);
        foreach (string name in _files.Keys)
        {
            Assert.Equal(1, server.Requests[$"/bad/{name}"]);
            Assert.Equal(1, server.Requests[$"/good/{name}"]);
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(_cache, "test-set"), "*.tmp"));
    }

    [Fact]
    public void WrongBytesEverywhere_ClearErrorNamingTheHashes_AndNoFileInTheCache()
    {
        using var server = new LoopbackServer(path => LoopbackServer.Reply.Ok(Corrupt(_files[Path.GetFileName(path)])));

        var e = Assert.Throws<IOException>(() =>
            Mnist.LoadOrDownload(_source, _cache, [server.Base("a"), server.Base("b")], TextWriter.Null));

        string expectedHash = Sha256(_files["train-images-idx3-ubyte.gz"]);
        Assert.Contains("Could not download train-images-idx3-ubyte.gz of test set", e.Message);
        Assert.Contains($"{server.Base("a")}train-images-idx3-ubyte.gz: SHA-256 mismatch: expected {expectedHash}, got ", e.Message);
        Assert.Contains($"{server.Base("b")}train-images-idx3-ubyte.gz: SHA-256 mismatch", e.Message);
        Assert.Contains(Path.Combine(_cache, "test-set"), e.Message);
        Assert.Contains($"{expectedHash}  train-images-idx3-ubyte.gz", e.Message); // how to place the files by hand
        Assert.Empty(Directory.GetFiles(Path.Combine(_cache, "test-set")));
    }

    [Fact]
    public void ServerDown_ClearErrorNamingEveryUrlTriedAndTheCache()
    {
        var down1 = new Uri($"http://127.0.0.1:{LoopbackServer.ClosedPort()}/mnist/");
        var down2 = new Uri($"http://127.0.0.1:{LoopbackServer.ClosedPort()}/mirror/");

        var e = Assert.Throws<IOException>(() => Mnist.LoadOrDownload(_source, _cache, [down1, down2], TextWriter.Null));

        Assert.Contains($"{down1}train-images-idx3-ubyte.gz: ", e.Message);
        Assert.Contains($"{down2}train-images-idx3-ubyte.gz: ", e.Message);
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"The cache folder is {Path.Combine(_cache, "test-set")}", e.Message);
        Assert.Contains("offline", e.Message);
        Assert.False(File.Exists(Path.Combine(_cache, "test-set", "train-images-idx3-ubyte.gz")));
    }

    [Fact]
    public void NotFound_IsReportedWithTheStatus()
    {
        using var server = new LoopbackServer(_ => LoopbackServer.Reply.NotFound());

        var e = Assert.Throws<IOException>(() => Mnist.LoadOrDownload(_source, _cache, [server.Base("x")], TextWriter.Null));

        Assert.Contains($"{server.Base("x")}train-images-idx3-ubyte.gz: HTTP 404", e.Message);
    }

    [Fact]
    public void AnAbortedDownload_LeavesNoFileInTheCache_AndTheNextCallCompletesIt()
    {
        using var server = new LoopbackServer(Serve("good"));
        byte[] images = _files["train-images-idx3-ubyte.gz"];
        server.Respond = path => path.EndsWith("train-images-idx3-ubyte.gz", StringComparison.Ordinal)
            ? LoopbackServer.Reply.Aborted(images, images.Length / 2)
            : Serve("good")(path);

        Assert.Throws<IOException>(() => Mnist.LoadOrDownload(_source, _cache, [server.Base("good")], TextWriter.Null));
        string folder = Path.Combine(_cache, "test-set");
        Assert.Empty(Directory.GetFiles(folder)); // neither the partial file nor a temporary one

        server.Respond = Serve("good");
        MnistData data = Mnist.LoadOrDownload(_source, _cache, [server.Base("good")], TextWriter.Null);
        Assert.Equal(3, data.TrainImages.GetLength(0));
        Assert.Equal(2, server.Requests["/good/train-images-idx3-ubyte.gz"]);
    }

    [Fact]
    public void DefaultCacheRoot_FollowsTheEnvironmentVariable()
    {
        string? before = Environment.GetEnvironmentVariable("STATICNET_DATASETS");
        try
        {
            Environment.SetEnvironmentVariable("STATICNET_DATASETS", _cache);
            Assert.Equal(Path.GetFullPath(_cache), DatasetDownload.DefaultCacheRoot());
            Environment.SetEnvironmentVariable("STATICNET_DATASETS", null);
            Assert.EndsWith(Path.Combine("StaticNet", "datasets"), DatasetDownload.DefaultCacheRoot());
        }
        finally
        {
            Environment.SetEnvironmentVariable("STATICNET_DATASETS", before);
        }
    }

    [Fact]
    public void PublishedSources_NameTheFourStandardFilesWithSha256AndTwoMirrors()
    {
        foreach (DatasetSource source in new[] { Mnist.Source, FashionMnist.Source })
        {
            Assert.Equal(
                ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
                source.Files.Select(f => f.Name));
            Assert.All(source.Files, f => Assert.Matches("^[0-9a-f]{64}$", f.Sha256));
            Assert.Equal(2, source.Mirrors.Count);
        }
        Assert.NotEqual(Mnist.Source.CacheSubfolder, FashionMnist.Source.CacheSubfolder);
    }

    private DatasetSource SourceWith(string[] mirrors) =>
        new("test set", "test-set", mirrors.Select(m => new Uri(m)).ToArray(),
            _files.Select(f => new DatasetFile(f.Key, Sha256(f.Value), f.Value.Length)).ToArray());

    private Func<string, LoopbackServer.Reply> Serve(string folder) => path =>
        path.StartsWith($"/{folder}/", StringComparison.Ordinal) && _files.TryGetValue(path[(folder.Length + 2)..], out byte[]? body)
            ? LoopbackServer.Reply.Ok(body)
            : LoopbackServer.Reply.NotFound();

    private static byte[] Corrupt(byte[] bytes)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[^1] ^= 0xff;
        return copy;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private static byte[] Images(int count, int rows, int columns, int seed)
    {
        var bytes = new List<byte>();
        foreach (int v in new[] { 2051, count, rows, columns }) bytes.AddRange(BigEndian(v));
        for (int i = 0; i < count * rows * columns; i++) bytes.Add((byte)(seed * 10 + 1 + i));
        return bytes.ToArray();
    }

    private static byte[] Labels(int[] labels)
    {
        var bytes = new List<byte>();
        foreach (int v in new[] { 2049, labels.Length }) bytes.AddRange(BigEndian(v));
        bytes.AddRange(labels.Select(l => (byte)l));
        return bytes.ToArray();
    }

    private static byte[] BigEndian(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(raw);
        return output.ToArray();
    }
}
