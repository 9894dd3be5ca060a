using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace StaticNet.Import.Onnx;

/// <summary>
/// Reads the protobuf wire format (the reverse of StaticNet's ProtobufWriter): a forward-only cursor
/// over one message's bytes. Every length is checked against what is left, so a damaged file ends in
/// an <see cref="InvalidDataException"/>, never an out-of-range read or a huge allocation.
/// </summary>
internal ref struct ProtobufReader
{
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _what;
    private int _position;

    public ProtobufReader(ReadOnlySpan<byte> data, string what)
    {
        _data = data;
        _what = what;
        _position = 0;
    }

    public readonly bool HasMore => _position < _data.Length;

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool Next(out int field, out int wireType)
    {
        if (_position >= _data.Length)
        {
            field = wireType = 0;
            return false;
        }
        ulong tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue)
            throw Corrupt($"field number {tag >> 3}");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length) throw Corrupt("a varint that runs past the end");
            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw Corrupt("a varint longer than ten bytes");
    }

    public long ReadInt64() => (long)ReadVarint();

    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
            throw Corrupt($"a field of {length} bytes where {_data.Length - _position} remain");
        return Take((int)length);
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    /// <summary>Skips a field of a kind the importer does not need.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: Take(8); break;
            case LengthDelimited: ReadBytes(); break;
            case Fixed32: Take(4); break;
            default: throw Corrupt($"wire type {wireType}");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
            throw Corrupt($"{count} bytes where {_data.Length - _position} remain");
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    private readonly InvalidDataException Corrupt(string what) =>
        new($"The file is not a valid ONNX model: {_what} has {what} at byte {_position}.");
}
