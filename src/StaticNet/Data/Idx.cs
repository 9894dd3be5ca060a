using System;
using System.IO;
using System.IO.Compression;

namespace StaticNet.Data;

/// <summary>
/// Reads the IDX files of the MNIST family (MNIST, Fashion-MNIST, ...): big-endian headers followed
/// by unsigned bytes, either raw or gzip-compressed. Gzip is recognized by its magic bytes
/// (<c>1f 8b</c>), not by the file name, so a decompressed file that kept its <c>.gz</c> name still
/// reads.
/// </summary>
/// <remarks>
/// Every problem with the content is reported as an <see cref="InvalidDataException"/> whose message
/// names the file and what is wrong. The header is checked before anything is allocated, and the
/// data is read in growing chunks, so a corrupt header claiming gigabytes on a small file fails fast
/// as "truncated" instead of allocating what it claims.
/// </remarks>
public static class Idx
{
    /// <summary>Magic number of an IDX file of unsigned bytes with 3 dimensions (images).</summary>
    private const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned bytes with 1 dimension (labels).</summary>
    private const int LabelsMagic = 0x00000801;

    /// <summary>
    /// Largest data size accepted: the largest byte array .NET can allocate. Far above any real
    /// dataset (full MNIST training images are 47 MB), and it keeps the sizes in <see cref="int"/>.
    /// </summary>
    private static readonly long MaxDataBytes = Array.MaxLength;

    /// <summary>Largest image accepted, in pixels (4096 x 4096); a bigger one means a corrupt header.</summary>
    private const int MaxPixelsPerImage = 1 << 24;

    /// <summary>First read size when the stream's length is unknown; the buffer then doubles.</summary>
    private const int FirstChunkBytes = 1 << 20;

    /// <summary>
    /// Reads an IDX3 image file (raw or gzip) into a <c>[count, rows * cols]</c> array, each pixel
    /// divided by 255 so values lie in [0, 1]; each row is one image, row-major.
    /// </summary>
    /// <param name="path">The file, e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid IDX3 image file: wrong magic number, non-positive or absurd
    /// dimensions, truncated header or data, or corrupt gzip.
    /// </exception>
    public static float[,] ReadImages(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        return ReadImages(file, path);
    }

    /// <summary>
    /// Reads IDX3 images (raw or gzip) from a stream positioned at the start of the file. The stream
    /// is read from its current position and is not disposed.
    /// </summary>
    /// <param name="stream">A readable stream; a <see cref="FileStream"/>'s name appears in errors.</param>
    /// <inheritdoc cref="ReadImages(string)"/>
    public static float[,] ReadImages(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadImages(stream, (stream as FileStream)?.Name);
    }

    /// <summary>
    /// Reads an IDX1 label file (raw or gzip): one unsigned byte per sample, returned as
    /// <see cref="int"/> values in 0..255.
    /// </summary>
    /// <param name="path">The file, e.g. <c>train-labels-idx1-ubyte.gz</c>.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid IDX1 label file: wrong magic number, non-positive or absurd count,
    /// truncated header or data, or corrupt gzip.
    /// </exception>
    public static int[] ReadLabels(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        return ReadLabels(file, path);
    }

    /// <summary>
    /// Reads IDX1 labels (raw or gzip) from a stream positioned at the start of the file. The stream
    /// is read from its current position and is not disposed.
    /// </summary>
    /// <param name="stream">A readable stream; a <see cref="FileStream"/>'s name appears in errors.</param>
    /// <inheritdoc cref="ReadLabels(string)"/>
    public static int[] ReadLabels(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadLabels(stream, (stream as FileStream)?.Name);
    }

    private static float[,] ReadImages(Stream stream, string? source)
    {
        byte[] pixels = ReadFile(stream, source, ImagesMagic, out int[] sizes);
        int count = sizes[0], pixelsPerImage = sizes[1] * sizes[2];

        float[,] images;
        try
        {
            images = new float[count, pixelsPerImage];
        }
        catch (OutOfMemoryException)
        {
            throw new InvalidDataException(
                $"{Describe(source)}: not enough memory for {count} images of {pixelsPerImage} pixels as float " +
                $"({(long)count * pixelsPerImage * sizeof(float)} bytes).");
        }

        // Division rather than multiplication by 1/255, so that exact fractions stay exact (51 -> 0.2f).
        int k = 0;
        for (int i = 0; i < count; i++)
            for (int j = 0; j < pixelsPerImage; j++)
                images[i, j] = pixels[k++] / 255f;
        return images;
    }

    private static int[] ReadLabels(Stream stream, string? source)
    {
        byte[] bytes = ReadFile(stream, source, LabelsMagic, out _);
        var labels = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) labels[i] = bytes[i];
        return labels;
    }

    /// <summary>
    /// The part shared by both readers: detects gzip, checks the header against
    /// <paramref name="expectedMagic"/> (whose low byte is the number of dimensions) and returns
    /// the data bytes, exactly as many as the header announces.
    /// </summary>
    private static byte[] ReadFile(Stream stream, string? source, int expectedMagic, out int[] sizes)
    {
        string description = Describe(source);
        Stream data = OpenPossiblyCompressed(stream, out bool compressed);
        try
        {
            sizes = ReadHeader(data, description, expectedMagic);
            long byteCount = CheckSizes(sizes, description);

            // Only an uncompressed seekable stream tells in advance how much data there is.
            long? available = null;
            if (!compressed && data.CanSeek)
                available = Math.Max(0, data.Length - data.Position);
            return ReadData(data, description, byteCount, available, compressed);
        }
        finally
        {
            // Disposes the decompressor only; it was created with leaveOpen, the caller owns the stream.
            if (compressed) data.Dispose();
        }
    }

    /// <summary>
    /// Looks at the first two bytes to decide between raw and gzip without consuming them, so both
    /// readers start at the real beginning of the file.
    /// </summary>
    private static Stream OpenPossiblyCompressed(Stream stream, out bool compressed)
    {
        var signature = new byte[2];
        int read = stream.ReadAtLeast(signature, signature.Length, throwOnEndOfStream: false);
        compressed = read == 2 && signature[0] == 0x1f && signature[1] == 0x8b;

        Stream rewound;
        if (stream.CanSeek)
        {
            stream.Seek(-read, SeekOrigin.Current);
            rewound = stream;
        }
        else
        {
            rewound = new PrefixedStream(signature.AsSpan(0, read).ToArray(), stream);
        }
        return compressed ? new GZipStream(rewound, CompressionMode.Decompress, leaveOpen: true) : rewound;
    }

    private static int[] ReadHeader(Stream data, string description, int expectedMagic)
    {
        int dimensions = expectedMagic & 0xff;
        int headerBytes = 4 * (1 + dimensions);
        var header = new byte[headerBytes];

        // The magic number first, so a wrong kind of file is named as such even when it is tiny.
        int read = ReadAll(data, header.AsSpan(0, 4), description);
        if (read < 4) throw TruncatedHeader(description, headerBytes, read);

        int magic = ReadBigEndianInt32(header, 0);
        if (magic != expectedMagic)
        {
            string kind = expectedMagic == ImagesMagic ? "IDX3 image file" : "IDX1 label file";
            string hint = magic switch
            {
                LabelsMagic => " (this looks like an IDX1 label file)",
                ImagesMagic => " (this looks like an IDX3 image file)",
                _ => "",
            };
            throw new InvalidDataException(
                $"{description}: wrong magic number for an {kind}: expected {Hex(expectedMagic)} ({expectedMagic}), " +
                $"found {Hex(magic)} ({magic}){hint}.");
        }

        read += ReadAll(data, header.AsSpan(4), description);
        if (read < headerBytes) throw TruncatedHeader(description, headerBytes, read);

        var sizes = new int[dimensions];
        for (int d = 0; d < dimensions; d++) sizes[d] = ReadBigEndianInt32(header, 4 * (1 + d));
        return sizes;
    }

    /// <summary>Validates the dimension sizes and returns the number of data bytes they imply.</summary>
    private static long CheckSizes(int[] sizes, string description)
    {
        string[] names = sizes.Length == 3 ? ["count", "rows", "columns"] : ["count"];
        for (int d = 0; d < sizes.Length; d++)
        {
            if (sizes[d] <= 0)
                throw new InvalidDataException(
                    $"{description}: invalid header: {names[d]} is {sizes[d]}, but every dimension must be positive.");
        }

        // In long, nothing overflows: rows * cols < 2^62, and it is capped at 2^24 before the count
        // (< 2^31) multiplies it.
        long bytesPerSample = 1;
        for (int d = 1; d < sizes.Length; d++) bytesPerSample *= sizes[d];
        if (bytesPerSample > MaxPixelsPerImage)
            throw new InvalidDataException(
                $"{description}: invalid header: {sizes[1]} x {sizes[2]} = {bytesPerSample} pixels per image " +
                $"exceeds the limit of {MaxPixelsPerImage}.");

        long byteCount = sizes[0] * bytesPerSample;
        if (byteCount > MaxDataBytes)
            throw new InvalidDataException(
                $"{description}: invalid header: the dimensions {string.Join(" x ", sizes)} imply {byteCount} " +
                $"bytes of data, more than the limit of {MaxDataBytes}.");
        return byteCount;
    }

    /// <summary>
    /// Reads exactly <paramref name="byteCount"/> bytes. Memory grows only with what has really been
    /// read (or up to what a seekable stream really holds), so a lying header cannot force a huge
    /// allocation.
    /// </summary>
    private static byte[] ReadData(Stream data, string description, long byteCount, long? available, bool compressed)
    {
        if (available is long remaining && remaining < byteCount)
            throw TruncatedData(description, byteCount, remaining, compressed: false);

        int expected = (int)byteCount; // CheckSizes bounds it by Array.MaxLength.
        byte[] buffer = Allocate(available is null ? Math.Min(expected, FirstChunkBytes) : expected, description);
        int filled = 0;
        while (true)
        {
            int read = ReadAll(data, buffer.AsSpan(filled), description);
            filled += read;
            if (filled == expected) return buffer;
            if (filled < buffer.Length) throw TruncatedData(description, expected, filled, compressed);

            var larger = Allocate((int)Math.Min(expected, 2L * buffer.Length), description);
            buffer.AsSpan().CopyTo(larger);
            buffer = larger;
        }
    }

    /// <summary>
    /// Fills <paramref name="target"/> unless the data ends first; returns the count read. Errors of
    /// the decompressor (corrupt gzip) get the file's name added.
    /// </summary>
    private static int ReadAll(Stream data, Span<byte> target, string description)
    {
        try
        {
            return data.ReadAtLeast(target, target.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{description}: corrupt gzip data: {e.Message}", e);
        }
    }

    private static byte[] Allocate(int length, string description)
    {
        try
        {
            return new byte[length];
        }
        catch (OutOfMemoryException)
        {
            throw new InvalidDataException($"{description}: not enough memory to read {length} bytes of data.");
        }
    }

    private static int ReadBigEndianInt32(byte[] bytes, int offset) =>
        (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];

    private static string Hex(int value) => "0x" + value.ToString("X8");

    private static string Describe(string? source) => source is null ? "IDX stream" : $"IDX file '{source}'";

    private static InvalidDataException TruncatedHeader(string description, int expected, int found) =>
        new($"{description}: truncated header: expected {expected} bytes, found {found}" +
            (found == 0 ? " (the data is empty)." : "."));

    private static InvalidDataException TruncatedData(string description, long expected, long found, bool compressed) =>
        new($"{description}: truncated data: the header announces {expected} bytes, found {found}" +
            (compressed ? " (counted after decompression)." : "."));

    /// <summary>
    /// Gives back the bytes already read to sniff the format, for streams that cannot seek
    /// (network, pipes); read-only and forward-only, which is all the readers need.
    /// </summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _prefixPosition;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefixPosition < prefix.Length && buffer.Length > 0)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _prefixPosition);
                prefix.AsSpan(_prefixPosition, n).CopyTo(buffer);
                _prefixPosition += n;
                return n;
            }
            return inner.Read(buffer);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
