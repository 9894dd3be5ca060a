using System.IO;

namespace StaticNet.Import;

/// <summary>
/// A model file StaticNet cannot import: an unsupported operator or layer (named, with its place in
/// the graph), a graph that is not a chain of layers, or an architecture that differs from the
/// declared network. Malformed files throw <see cref="InvalidDataException"/> instead.
/// </summary>
public sealed class ModelImportException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ModelImportException(string message) : base(message) { }
}
