using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using StaticNet.Data;
using Xunit;

namespace StaticNet.Tests.Data;

public sealed class IdxTests : IDisposable
{
    private const int ImagesMagic = 2051;
    private const int LabelsMagic = 2049;

    private readonly string _dir;

    public IdxTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "staticnet-idx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ---- bundled MNIST subset ----

    [Fact]
    public void Load_BundledData_HasTenThousandImagesOf784PixelsInUnitRangeAndDigitLabels()
    {
        MnistData data = Mnist.Load(BundledDirectory());

        foreach (var (images, labels) in new[] { (data.TrainImages, data.TrainLabels), (data.TestImages, data.TestLabels) })
        {
            Assert.Equal(10_000, images.GetLength(0));
            Assert.Equal(784, images.GetLength(1));
            Assert.Equal(10_000, labels.Length);
            float min = float.MaxValue, max = float.MinValue;
            foreach (float v in images) { min = Math.Min(min, v); max = Math.Max(max, v); }
            // Real digits use the full range: black background and saturated strokes.
            Assert.Equal(0f, min);
            Assert.Equal(1f, max);
            Assert.All(labels, l => Assert.InRange(l, 0, 9));
        }

        // The official test set is bundled unchanged; its first labels are well known.
        Assert.Equal(new[] { 7, 2, 1, 0, 4, 1, 4, 9, 5, 9 }, data.TestLabels.Take(10));
    }

    [Fact]
    public void BundledTrainLabels_PerClassCountsMatchReadme()
    {
        int[] labels = Idx.ReadLabels(Path.Combine(BundledDirectory(), "train-labels-idx1-ubyte.gz"));

        int[] counts = new int[10];
        foreach (int l in labels) counts[l]++;
        Assert.Equal(new[] { 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 }, counts);
    }

    [Fact]
    public void FindDataDirectory_FindsBundledFolder_AndReturnsNullForUnknownFolder()
    {
        string? found = Mnist.FindDataDirectory();
        Assert.NotNull(found);
        Assert.True(Path.IsPathFullyQualified(found));
        Assert.True(File.Exists(Path.Combine(found, "train-images-idx3-ubyte.gz")));

        Assert.Null(Mnist.FindDataDirectory("no/such/folder-" + Guid.NewGuid().ToString("N")));
    }

    // ---- hand-made files ----

    // Two 2x3 images; n/255 for these n are exact decimal fractions, so the floats must be exact.
    private static readonly byte[] SmallPixels = [0, 51, 255, 102, 153, 204, 255, 0, 51, 1, 2, 3];

    [Theory]
    [InlineData(false, "images")]
    [InlineData(true, "images.gz")]
    [InlineData(true, "images")]        // gzip recognized by content, not by name...
    [InlineData(false, "images.gz")]    // ...and a raw file with a .gz name still reads
    public void ReadImages_HandMadeFile_RoundTripsToExactFloats(bool gzip, string name)
    {
        string path = Write(name, Idx3(ImagesMagic, 2, 2, 3, SmallPixels), gzip);

        float[,] images = Idx.ReadImages(path);

        Assert.Equal(2, images.GetLength(0));
        Assert.Equal(6, images.GetLength(1));
        float[,] expected =
        {
            { 0f, 0.2f, 1f, 0.4f, 0.6f, 0.8f },
            { 1f, 0f, 0.2f, 1f / 255f, 2f / 255f, 3f / 255f },
        };
        Assert.Equal(expected, images);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadLabels_HandMadeFile_RoundTrips(bool gzip)
    {
        string path = Write("labels", Idx1(LabelsMagic, 5, [3, 0, 9, 255, 1]), gzip);

        Assert.Equal(new[] { 3, 0, 9, 255, 1 }, Idx.ReadLabels(path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StreamOverloads_ReadNonSeekableStreams_WithoutClosingThem(bool gzip)
    {
        byte[] images = Encode(Idx3(ImagesMagic, 2, 2, 3, SmallPixels), gzip);
        byte[] labels = Encode(Idx1(LabelsMagic, 2, [4, 2]), gzip);

        using var imageStream = new ForwardOnlyStream(images);
        using var labelStream = new ForwardOnlyStream(labels);
        float[,] readImages = Idx.ReadImages(imageStream);
        int[] readLabels = Idx.ReadLabels(labelStream);

        Assert.Equal(0.2f, readImages[0, 1]);
        Assert.Equal(3f / 255f, readImages[1, 5]);
        Assert.Equal(new[] { 4, 2 }, readLabels);
        Assert.False(imageStream.Disposed);
    }

    // ---- invalid files ----

    [Fact]
    public void ReadImages_OnLabelFile_ReportsExpectedAndFoundMagic()
    {
        string path = Write("labels", Idx1(LabelsMagic, 2, [1, 2]), gzip: false);

        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        AssertMentions(e, path, "magic", "0x00000803", "2051", "0x00000801", "2049");
    }

    [Fact]
    public void ReadLabels_WithGarbageMagic_ReportsIt()
    {
        string path = Write("labels.gz", Idx1(0x12345678, 2, [1, 2]), gzip: true);

        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));

        AssertMentions(e, path, "magic", "0x00000801", "2049", "0x12345678", "305419896");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedHeader_ReportsExpectedAndFoundBytes(bool gzip)
    {
        string path = Write("images", Idx3(ImagesMagic, 2, 2, 3, SmallPixels)[..7], gzip);

        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        AssertMentions(e, path, "truncated header", "expected 16 bytes", "found 7");
    }

    [Fact]
    public void EmptyFile_IsATruncatedHeader()
    {
        string path = Write("labels", [], gzip: false);

        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));

        AssertMentions(e, path, "truncated header", "expected 8 bytes", "found 0");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedData_ReportsExpectedAndFoundBytes(bool gzip)
    {
        string path = Write("images", Idx3(ImagesMagic, 2, 2, 3, SmallPixels[..5]), gzip);

        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        AssertMentions(e, path, "truncated data", "12 bytes", "found 5");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HugeCountOnTinyFile_FailsAsTruncatedWithoutAllocatingWhatItClaims(bool gzip)
    {
        // 2e9 bytes claimed: within the size limit, so only reading can reveal the lie.
        string path = Write("images", Idx3(ImagesMagic, 1_000_000_000, 1, 2, [1, 2, 3, 4]), gzip);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        AssertMentions(e, path, "truncated data", "2000000000 bytes", "found 4");
        Assert.True(allocated < 32 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void HugeCountOnNonSeekableStream_FailsAsTruncatedWithoutAllocatingWhatItClaims()
    {
        using var stream = new ForwardOnlyStream(Idx1(LabelsMagic, 2_000_000_000, [1, 2, 3]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(stream));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        AssertMentions(e, "IDX stream", "truncated data", "2000000000 bytes", "found 3");
        Assert.True(allocated < 32 << 20, $"allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(int.MaxValue, 28, 28, "limit")]          // count * rows * cols overflows int
    [InlineData(3, 65536, 65536, "pixels per image")]    // rows * cols overflows int
    public void HeaderBeyondLimits_IsRejectedBeforeReading(int count, int rows, int cols, string words)
    {
        string path = Write("images", Idx3(ImagesMagic, count, rows, cols, [1, 2, 3]), gzip: false);

        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        AssertMentions(e, path, "invalid header", words, "limit");
    }

    [Theory]
    [InlineData(0, 28, 28, "count is 0")]
    [InlineData(-5, 28, 28, "count is -5")]
    [InlineData(2, 0, 28, "rows is 0")]
    [InlineData(2, 28, -1, "columns is -1")]
    public void NonPositiveDimension_IsRejected(int count, int rows, int cols, string words)
    {
        string path = Write("images", Idx3(ImagesMagic, count, rows, cols, SmallPixels), gzip: false);

        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        AssertMentions(e, path, "invalid header", words, "positive");
    }

    [Fact]
    public void ZeroLabelCount_IsRejected()
    {
        string path = Write("labels", Idx1(LabelsMagic, 0, []), gzip: false);

        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));

        AssertMentions(e, path, "count is 0");
    }

    [Fact]
    public void CorruptGzip_ThrowsInvalidDataNamingTheFile()
    {
        byte[] bytes = Gzip(Idx3(ImagesMagic, 2, 2, 3, SmallPixels));
        // Past the 10-byte gzip header: 0xFF makes the first deflate block's type the reserved 11.
        for (int i = 10; i < bytes.Length - 8; i++) bytes[i] = 0xFF;
        string path = Write("images.gz", bytes, gzip: false);

        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        AssertMentions(e, path, "gzip");
    }

    [Fact]
    public void TruncatedGzip_ThrowsInvalidDataNamingTheFile()
    {
        var random = new Random(1);
        byte[] pixels = new byte[4000];
        random.NextBytes(pixels); // incompressible, so the cut lands inside the image data
        byte[] bytes = Gzip(Idx3(ImagesMagic, 10, 20, 20, pixels));
        string path = Write("images.gz", bytes[..(bytes.Length / 2)], gzip: false);

        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase) ||
                    e.Message.Contains("gzip", StringComparison.OrdinalIgnoreCase), e.Message);
    }

    [Fact]
    public void MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => Idx.ReadLabels(Path.Combine(_dir, "absent")));
    }

    // ---- Mnist.Load on hand-made folders ----

    [Fact]
    public void Load_MixOfRawAndGzipFiles_ReadsAllFour()
    {
        Write("train-images-idx3-ubyte.gz", Idx3(ImagesMagic, 2, 2, 3, SmallPixels), gzip: true);
        Write("train-labels-idx1-ubyte", Idx1(LabelsMagic, 2, [1, 0]), gzip: false);
        Write("t10k-images-idx3-ubyte", Idx3(ImagesMagic, 1, 2, 3, SmallPixels[..6]), gzip: false);
        Write("t10k-labels-idx1-ubyte.gz", Idx1(LabelsMagic, 1, [7]), gzip: true);

        MnistData data = Mnist.Load(_dir);

        Assert.Equal(new[] { 1, 0 }, data.TrainLabels);
        Assert.Equal(new[] { 7 }, data.TestLabels);
        Assert.Equal(0.2f, data.TrainImages[0, 1]);
        Assert.Equal(0.8f, data.TestImages[0, 5]);
    }

    [Fact]
    public void Load_FolderLackingFiles_ThrowsFileNotFoundNamingFolderAndFiles()
    {
        Write("train-images-idx3-ubyte.gz", Idx3(ImagesMagic, 2, 2, 3, SmallPixels), gzip: true);

        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(_dir));

        AssertMentions(e, _dir, "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
    }

    [Fact]
    public void Load_MissingFolder_ThrowsFileNotFound()
    {
        string missing = Path.Combine(_dir, "nope");

        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(missing));

        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void Load_ImageAndLabelCountsDiffer_ThrowsInvalidData()
    {
        Write("train-images-idx3-ubyte", Idx3(ImagesMagic, 2, 2, 3, SmallPixels), gzip: false);
        Write("train-labels-idx1-ubyte", Idx1(LabelsMagic, 3, [1, 0, 1]), gzip: false);
        Write("t10k-images-idx3-ubyte", Idx3(ImagesMagic, 2, 2, 3, SmallPixels), gzip: false);
        Write("t10k-labels-idx1-ubyte", Idx1(LabelsMagic, 2, [1, 0]), gzip: false);

        var e = Assert.Throws<InvalidDataException>(() => Mnist.Load(_dir));

        AssertMentions(e, "2 images", "3 labels", "train-labels-idx1-ubyte");
    }

    // ---- Mnist.Filter ----

    [Fact]
    public void Filter_KeepsExactlyRequestedLabelsInOrder()
    {
        int[] labels = [3, 0, 1, 2, 1, 0, 9];
        var images = new float[labels.Length, 2];
        for (int i = 0; i < labels.Length; i++) { images[i, 0] = i; images[i, 1] = 10 * labels[i]; }

        var (kept, keptLabels) = Mnist.Filter(images, labels, 0, 1);

        Assert.Equal(new[] { 0, 1, 1, 0 }, keptLabels);
        Assert.Equal(new float[,] { { 1, 0 }, { 2, 10 }, { 4, 10 }, { 5, 0 } }, kept);
    }

    [Fact]
    public void Filter_NoMatch_GivesEmptyArrays()
    {
        var (kept, keptLabels) = Mnist.Filter(new float[2, 3], [4, 5], 7);

        Assert.Empty(keptLabels);
        Assert.Equal(0, kept.GetLength(0));
        Assert.Equal(3, kept.GetLength(1));
    }

    [Fact]
    public void Filter_ValidatesArguments()
    {
        var e = Assert.Throws<ArgumentException>(() => Mnist.Filter(new float[3, 2], [1, 2], 1));
        AssertMentions(e, "3 rows", "2 entries");

        Assert.Throws<ArgumentNullException>(() => Mnist.Filter(null!, [1], 1));
        Assert.Throws<ArgumentNullException>(() => Mnist.Filter(new float[1, 1], null!, 1));
        Assert.Throws<ArgumentNullException>(() => Mnist.Filter(new float[1, 1], [1], null!));
    }

    // ---- helpers ----

    private static string BundledDirectory() =>
        Mnist.FindDataDirectory() ?? throw new InvalidOperationException("samples/data/mnist not found above the test.");

    private static void AssertMentions(Exception e, params string[] words)
    {
        foreach (string word in words)
            Assert.True(e.Message.Contains(word, StringComparison.OrdinalIgnoreCase),
                $"expected \"{word}\" in: {e.Message}");
    }

    private static byte[] Idx3(int magic, int count, int rows, int cols, byte[] data) =>
        Header(magic, count, rows, cols).Concat(data).ToArray();

    private static byte[] Idx1(int magic, int count, byte[] data) =>
        Header(magic, count).Concat(data).ToArray();

    private static byte[] Header(params int[] values)
    {
        var header = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 * i), values[i]);
        return header;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
            gzip.Write(bytes);
        return output.ToArray();
    }

    private static byte[] Encode(byte[] bytes, bool gzip) => gzip ? Gzip(bytes) : bytes;

    private string Write(string name, byte[] bytes, bool gzip)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Encode(bytes, gzip));
        return path;
    }

    /// <summary>A stream that cannot seek, like a network or pipe stream.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public bool Disposed { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { Disposed = true; base.Dispose(disposing); }
    }
}
