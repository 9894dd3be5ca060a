using System;
using System.Text;
using StaticNet.Serialization;
using Xunit;

namespace StaticNet.Tests.Serialization;

public class Crc32Tests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xE8B7BE43u)]
    [InlineData("123456789", 0xCBF43926u)]   // the standard check value of CRC-32/ISO-HDLC
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    public void KnownValues(string text, uint expected) =>
        Assert.Equal(expected, Crc32.Append(0, Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void AppendingInPieces_EqualsOneShot()
    {
        byte[] data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog");
        uint crc = 0;
        for (int i = 0; i < data.Length; i += 5) crc = Crc32.Append(crc, data.AsSpan(i, Math.Min(5, data.Length - i)));
        Assert.Equal(0x414FA339u, crc);
    }
}
