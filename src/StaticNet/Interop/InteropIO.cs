using System;
using System.IO;
using System.Threading;

namespace StaticNet.Interop;

/// <summary>File and stream helpers shared by the safetensors reader/writer and the ONNX exporter.</summary>
internal static class InteropIO
{
    private static int s_counter;

    /// <summary>
    /// Crash-safe write: runs <paramref name="write"/> on a new temporary file beside
    /// <paramref name="path"/>, flushes it to disk and renames it over the target. On failure the
    /// temporary file is removed and the previous file at <paramref name="path"/> is untouched.
    /// </summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        string temp = $"{target}.{Environment.ProcessId}.{Interlocked.Increment(ref s_counter)}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The original exception matters more than a leftover temporary file.
            }
            throw;
        }
    }

    /// <summary>Opens a file for one sequential read.</summary>
    public static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
    }

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
