using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Text;
using StaticNet.Serialization;

namespace StaticNet.Plotting;

/// <summary>
/// Writes 8-bit grayscale PNG files, just enough for small pictures such as MNIST digits: one
/// IHDR, one IDAT (zlib via <see cref="ZLibStream"/>, no row filters) and IEND.
/// </summary>
internal static class PngEncoder
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// The PNG of a <paramref name="width"/> x <paramref name="height"/> grayscale image whose
    /// pixels are given row by row, top row first (0 black, 255 white).
    /// </summary>
    public static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"The image size {width} x {height} is not positive.");
        if (pixels.Length != (long)width * height)
            throw new ArgumentException($"A {width} x {height} image has {(long)width * height} pixels but {pixels.Length} were given.", nameof(pixels));

        using var png = new MemoryStream();
        png.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;   // bit depth
        header[9] = 0;   // colour type: grayscale
        header[10] = 0;  // compression: deflate
        header[11] = 0;  // filter method 0
        header[12] = 0;  // no interlace
        WriteChunk(png, "IHDR", header);

        using (var raw = new MemoryStream())
        {
            using (var zlib = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                for (int row = 0; row < height; row++)
                {
                    zlib.WriteByte(0); // filter type None
                    zlib.Write(pixels.Slice(row * width, width));
                }
            }
            WriteChunk(png, "IDAT", raw.GetBuffer().AsSpan(0, (int)raw.Length));
        }
        WriteChunk(png, "IEND", ReadOnlySpan<byte>.Empty);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, data.Length);
        png.Write(buffer);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        png.Write(typeBytes);
        png.Write(data);
        uint crc = Crc32.Append(Crc32.Append(0, typeBytes), data);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, crc);
        png.Write(buffer);
    }
}
