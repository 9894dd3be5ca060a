using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace StaticNet.Serialization;

/// <summary>
/// Writes little-endian values to a stream through a buffer and keeps the CRC-32 of everything
/// written; <see cref="Finish"/> appends the CRC. Independent of the machine's byte order.
/// </summary>
internal sealed class FormatWriter
{
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _count;
    private uint _crc;

    public FormatWriter(Stream stream) => _stream = stream;

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            if (_count == _buffer.Length) FlushBuffer();
            int n = Math.Min(bytes.Length, _buffer.Length - _count);
            bytes.Slice(0, n).CopyTo(_buffer.AsSpan(_count));
            _count += n;
            bytes = bytes.Slice(n);
        }
    }

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void WriteSingle(float value) => BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);

    public void WriteSingles(ReadOnlySpan<float> values)
    {
        while (values.Length > 0)
        {
            if (_buffer.Length - _count < sizeof(float)) FlushBuffer();
            int n = Math.Min(values.Length, (_buffer.Length - _count) / sizeof(float));
            Span<byte> target = _buffer.AsSpan(_count, n * sizeof(float));
            for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(target.Slice(i * sizeof(float)), values[i]);
            _count += n * sizeof(float);
            values = values.Slice(n);
        }
    }

    /// <summary>A UTF-8 string with a uint16 byte-length prefix.</summary>
    public void WriteString(string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > NetworkFormat.MaxStringBytes)
            throw new ArgumentException($"'{value}' takes {bytes.Length} bytes in UTF-8; at most {NetworkFormat.MaxStringBytes} can be saved.");
        WriteUInt16((ushort)bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>Writes out the buffer, then the CRC-32 of every byte written so far, and flushes the stream.</summary>
    public void Finish()
    {
        FlushBuffer();
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, _crc);
        _stream.Write(crc);
        _stream.Flush();
    }

    private Span<byte> Reserve(int size)
    {
        if (_buffer.Length - _count < size) FlushBuffer();
        Span<byte> span = _buffer.AsSpan(_count, size);
        _count += size;
        return span;
    }

    private void FlushBuffer()
    {
        if (_count == 0) return;
        _crc = Crc32.Append(_crc, _buffer.AsSpan(0, _count));
        _stream.Write(_buffer, 0, _count);
        _count = 0;
    }
}
