using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Text;
using StaticNet.Plotting;
using Xunit;

namespace StaticNet.Tests.Plotting;

/// <summary>Decodes the 8-bit grayscale, unfiltered PNGs the plotting code writes, checking every CRC.</summary>
internal static class PngReader
{
    public static (int Width, int Height, byte[] Pixels) DecodeGray(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int pos = 8, width = 0, height = 0;
        using var idat = new MemoryStream();
        while (true)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            ReadOnlySpan<byte> typeAndData = png.AsSpan(pos + 4, 4 + length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            Assert.Equal(StaticNet.Serialization.Crc32.Append(0, typeAndData), crc);
            ReadOnlySpan<byte> data = typeAndData[4..];
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(new byte[] { 8, 0, 0, 0, 0 }, data[8..].ToArray());
            }
            else if (type == "IDAT") idat.Write(data);
            pos += 12 + length;
            if (type == "IEND") break;
        }
        Assert.Equal(png.Length, pos);

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        byte[] rows = raw.ToArray();
        Assert.Equal((width + 1) * height, rows.Length);
        var pixels = new byte[width * height];
        for (int r = 0; r < height; r++)
        {
            Assert.Equal(0, rows[r * (width + 1)]); // filter None
            Array.Copy(rows, r * (width + 1) + 1, pixels, r * width, width);
        }
        return (width, height, pixels);
    }
}
