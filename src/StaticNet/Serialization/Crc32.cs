using System;

namespace StaticNet.Serialization;

/// <summary>
/// CRC-32 as in zip, gzip and PNG (IEEE 802.3, reflected polynomial 0xEDB88320, initial value and
/// final XOR 0xFFFFFFFF): <c>Append(0, "123456789"u8)</c> is 0xCBF43926.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] s_table = CreateTable();

    /// <summary>The CRC of the bytes already hashed into <paramref name="crc"/> followed by <paramref name="data"/> (start from 0).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] table = s_table;
        uint c = ~crc;
        foreach (byte b in data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
