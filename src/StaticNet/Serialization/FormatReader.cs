using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Text;

namespace StaticNet.Serialization;

/// <summary>
/// Reads little-endian values from a stream exactly (never past what it is asked for) and keeps
/// the CRC-32 of everything read. A stream that ends early gives <see cref="InvalidDataException"/>
/// naming what was being read and where.
/// </summary>
internal sealed class FormatReader
{
    private const int ChunkBytes = 1 << 16;
    private readonly Stream _stream;
    private readonly byte[] _scratch = new byte[8];
    private byte[]? _chunk;
    private uint _crc;

    public FormatReader(Stream stream) => _stream = stream;

    /// <summary>The file's format version, once the header is read (later sections depend on it).</summary>
    public ushort Version { get; set; }

    /// <summary>Bytes read so far.</summary>
    public long Position { get; private set; }

    public void ReadBytes(Span<byte> destination, string what)
    {
        try
        {
            _stream.ReadExactly(destination);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException(
                $"The file is truncated: it ends inside the {what} at byte {Position.ToString(CultureInfo.InvariantCulture)} ({destination.Length} more bytes expected).");
        }
        _crc = Crc32.Append(_crc, destination);
        Position += destination.Length;
    }

    public byte ReadByte(string what) => Read(1, what)[0];

    public ushort ReadUInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Read(2, what));

    public int ReadInt32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Read(4, what));

    public long ReadInt64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Read(8, what));

    public ulong ReadUInt64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Read(8, what));

    public float ReadSingle(string what) => BinaryPrimitives.ReadSingleLittleEndian(Read(4, what));

    /// <summary>Fills <paramref name="destination"/>; the caller has already checked its length against what it expects.</summary>
    public void ReadSingles(Span<float> destination, string what)
    {
        _chunk ??= new byte[ChunkBytes];
        while (destination.Length > 0)
        {
            int n = Math.Min(destination.Length, ChunkBytes / sizeof(float));
            Span<byte> bytes = _chunk.AsSpan(0, n * sizeof(float));
            ReadBytes(bytes, what);
            for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
            destination = destination.Slice(n);
        }
    }

    /// <summary>Reads and hashes <paramref name="count"/> bytes without keeping them (at most one chunk in memory).</summary>
    public void Skip(long count, string what)
    {
        _chunk ??= new byte[ChunkBytes];
        while (count > 0)
        {
            int n = (int)Math.Min(count, ChunkBytes);
            ReadBytes(_chunk.AsSpan(0, n), what);
            count -= n;
        }
    }

    /// <summary>A UTF-8 string with a uint16 byte-length prefix of at most <see cref="NetworkFormat.MaxStringBytes"/>.</summary>
    public string ReadString(string what)
    {
        int length = ReadUInt16(what + " length");
        if (length > NetworkFormat.MaxStringBytes)
            throw new InvalidDataException($"The file's {what} is {length} bytes long; at most {NetworkFormat.MaxStringBytes} are allowed (the file is corrupt).");
        var bytes = new byte[length];
        ReadBytes(bytes, what);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Reads the stored CRC-32 (not itself hashed) and compares it with the CRC of everything read before it.</summary>
    public void VerifyChecksum()
    {
        uint computed = _crc;
        uint stored = ReadUInt32Raw();
        if (stored != computed)
            throw new InvalidDataException(
                $"The file is corrupt: its checksum is 0x{stored:X8} but its contents give 0x{computed:X8}.");
    }

    /// <summary>Whether the stream has nothing after what was read (consumes one byte if it has).</summary>
    public bool AtEnd() => _stream.ReadByte() < 0;

    private uint ReadUInt32Raw()
    {
        Span<byte> bytes = _scratch.AsSpan(0, 4);
        try
        {
            _stream.ReadExactly(bytes);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"The file is truncated: it ends inside the checksum at byte {Position.ToString(CultureInfo.InvariantCulture)} (4 bytes expected).");
        }
        Position += 4;
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    private ReadOnlySpan<byte> Read(int size, string what)
    {
        Span<byte> bytes = _scratch.AsSpan(0, size);
        ReadBytes(bytes, what);
        return bytes;
    }
}
