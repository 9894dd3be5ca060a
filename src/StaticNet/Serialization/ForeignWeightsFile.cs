using System;
using System.IO;

namespace StaticNet.Serialization;

/// <summary>
/// Recognises model files of other frameworks given to <c>LoadWeights(path)</c> by their first bytes,
/// so the error says where they load instead of "wrong magic": the ONNX and Keras readers live in the
/// StaticNet.Import package (HDF5 needs a library the core must not depend on).
/// </summary>
internal static class ForeignWeightsFile
{
    /// <summary>Throws <see cref="InvalidDataException"/> naming the right loader when <paramref name="stream"/> (at its start) holds another format; leaves it at its start otherwise.</summary>
    public static void ThrowIfForeign(Stream stream, string path)
    {
        if (!stream.CanSeek) return;
        Span<byte> head = stackalloc byte[9];
        int read = 0, n;
        while (read < head.Length && (n = stream.Read(head.Slice(read))) > 0) read += n;
        stream.Position = 0;
        head = head.Slice(0, read);
        if (head.StartsWith("SNWT"u8)) return;

        string? kind = null;
        if (head.StartsWith(new byte[] { 0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A }))
            kind = "a Keras HDF5 file (.h5 / .weights.h5)";
        else if (head.StartsWith("PK\u0003\u0004"u8))
            kind = "a zip file (a Keras 3 .keras model?)";
        else if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            kind = "an ONNX model";
        if (kind is not null)
            throw new InvalidDataException(
                $"'{path}' is {kind}, not a StaticNet weights file. Add the StaticNet.Import package and call " +
                "StaticNet.Import.ModelImport.LoadWeights(model, path): it reads ONNX and Keras files and checks that their network is this one.");
        if (read == 9 && head[8] == (byte)'{' && !head.StartsWith("SNCK"u8))
            throw new InvalidDataException($"'{path}' looks like a safetensors file, not a StaticNet weights file; load it with StaticNet.Interop.Safetensors.Load(model, path).");
    }
}
