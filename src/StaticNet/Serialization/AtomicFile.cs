using System;
using System.IO;
using System.Threading;

namespace StaticNet.Serialization;

/// <summary>Crash-safe file replacement: write a temporary file beside the target, flush it to disk, rename it over the target.</summary>
internal static class AtomicFile
{
    private static int s_counter;

    /// <summary>
    /// Runs <paramref name="write"/> on a new temporary file <c>path.&lt;process id&gt;.&lt;n&gt;.tmp</c>, flushes it to
    /// the disk and moves it over <paramref name="path"/>. If anything fails the temporary file is
    /// deleted, the exception propagates and the previous file at <paramref name="path"/> is untouched.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        string temp = $"{target}.{Environment.ProcessId}.{Interlocked.Increment(ref s_counter)}.tmp";
        try
        {
            // Create, not CreateNew: a temporary file left by a crashed process that had the same
            // process id must not block this save (within a process the counter keeps names unique).
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e)
        {
            try
            {
                File.Delete(temp);
            }
            catch (Exception deleteError) when (deleteError is IOException or UnauthorizedAccessException)
            {
                // The original exception matters more than a leftover temporary file.
            }
            // The file system's messages name the temporary file, which the user never asked for:
            // rethrow the same type, naming the target instead.
            if (e is IOException or UnauthorizedAccessException) throw NameTarget(e, path, temp, target);
            throw;
        }
    }

    /// <summary>An exception of <paramref name="e"/>'s type whose message names <paramref name="path"/> instead of the temporary file.</summary>
    private static Exception NameTarget(Exception e, string path, string temp, string target)
    {
        string message = $"Could not save '{path}': {e.Message.Replace(temp, target, StringComparison.Ordinal)}";
        return e switch
        {
            DirectoryNotFoundException => new DirectoryNotFoundException(message, e),
            FileNotFoundException => new FileNotFoundException(message, target, e),
            PathTooLongException => new PathTooLongException(message, e),
            UnauthorizedAccessException => new UnauthorizedAccessException(message, e),
            _ => new IOException(message, e),
        };
    }

    /// <summary>Opens a file for one sequential read.</summary>
    public static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
    }
}
