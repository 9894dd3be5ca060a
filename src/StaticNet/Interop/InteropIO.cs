using System;
using System.IO;

namespace StaticNet.Interop;

/// <summary>Bounded stream reads for the safetensors reader (files are written with <see cref="StaticNet.Serialization.AtomicFile"/>).</summary>
internal static class InteropIO
{
    /// <summary>Fills <paramref name="buffer"/> or throws <see cref="InvalidDataException"/> naming <paramref name="what"/>.</summary>
    public static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = stream.Read(buffer.Slice(filled));
            if (read == 0)
                throw new InvalidDataException($"The file is truncated: it ends {filled} bytes into {what}, which needs {buffer.Length}.");
            filled += read;
        }
    }

    /// <summary>
    /// Reads <paramref name="count"/> bytes. A seekable stream's length is checked first; otherwise the
    /// buffer grows with the data that actually arrives, so a corrupt length never causes a large
    /// allocation by itself.
    /// </summary>
    public static byte[] ReadBlock(Stream stream, long count, string what)
    {
        if (count < 0 || count > Array.MaxLength)
            throw new InvalidDataException($"{what} would be {count} bytes; this reader handles at most {Array.MaxLength}.");
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (count > remaining)
                throw new InvalidDataException($"The file is truncated: {what} needs {count} bytes but only {remaining} follow.");
        }
        var buffer = new byte[stream.CanSeek ? count : Math.Min(count, 1 << 16)];
        int filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(count, buffer.Length * 2L));
            int read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
                throw new InvalidDataException($"The file is truncated: it ends {filled} bytes into {what}, which needs {count}.");
            filled += read;
        }
        return buffer;
    }
}
