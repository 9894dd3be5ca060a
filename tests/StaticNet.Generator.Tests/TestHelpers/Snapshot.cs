using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace StaticNet.Generator.Tests.TestHelpers;

/// <summary>
/// Approval tests in the spirit of Verify: compares text with <c>Snapshots/{name}.verified.cs</c>
/// next to the calling test file.
/// </summary>
/// <remarks>
/// On a mismatch (or a missing verified file) it writes <c>{name}.received.cs</c> beside it and
/// fails; accept by copying the received file over the verified one, or by running the tests with
/// <c>STATICNET_ACCEPT_SNAPSHOTS=1</c> (never honoured when <c>CI=true</c>). Received files are
/// ignored by the root .gitignore (<c>*.received.*</c>); verified files are committed and
/// reviewed like code. The generator's version is scrubbed to <c>{version}</c> so that a version
/// bump does not touch every snapshot.
/// </remarks>
internal static partial class Snapshot
{
    public const string AcceptVariable = "STATICNET_ACCEPT_SNAPSHOTS";
    public const string VersionPlaceholder = "{version}";

    /// <summary>Compares <paramref name="actual"/> with the verified snapshot <paramref name="name"/>.</summary>
    public static void Verify(string actual, string name, [CallerFilePath] string path = "") =>
        Verify(actual, name, SnapshotDirectory(path), AcceptRequested());

    /// <summary>The testable core: compares in <paramref name="directory"/>, overwriting instead of failing when <paramref name="accept"/>.</summary>
    internal static void Verify(string actual, string name, string directory, bool accept)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"'{name}' is not a usable snapshot name.", nameof(name));

        string verifiedPath = Path.Combine(directory, name + ".verified.cs");
        string receivedPath = Path.Combine(directory, name + ".received.cs");
        string received = Normalize(actual);
        string? verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;

        if (verified == received)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        if (accept)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verifiedPath, received + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(receivedPath, received + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        string what = verified is null ? "No verified snapshot" : "The snapshot differs";
        Assert.Fail(
            $"{what} for '{name}'.\n" +
            $"  received: {receivedPath}\n" +
            $"  verified: {verifiedPath}\n" +
            (verified is null ? "" : $"  first difference: {FirstDifference(verified, received)}\n") +
            $"Review the received file; to accept it, rename it to {name}.verified.cs, or run the tests with {AcceptVariable}=1 (ignored when CI=true).");
    }

    /// <summary>LF line ends, no trailing newline, no BOM, and the generator version replaced by a placeholder.</summary>
    internal static string Normalize(string text)
    {
        text = text.Replace("\r\n", "\n").Replace('\r', '\n').TrimStart('\uFEFF').TrimEnd('\n');
        text = HeaderVersion().Replace(text, "StaticNet.Generator " + VersionPlaceholder);
        return AttributeVersion().Replace(text, "\"StaticNet.Generator\", \"" + VersionPlaceholder + "\"");
    }

    internal static bool AcceptRequested() =>
        AcceptRequested(Environment.GetEnvironmentVariable(AcceptVariable), Environment.GetEnvironmentVariable("CI"));

    /// <summary>Accept only when asked (<c>=1</c>) and not on CI, where a snapshot must never rewrite itself.</summary>
    internal static bool AcceptRequested(string? acceptVariable, string? ciVariable) =>
        acceptVariable == "1" && !string.Equals(ciVariable, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>Snapshots/</c> next to the calling file; if that file's directory does not exist (a
    /// build with mapped source paths), the project directory found above the test binaries.
    /// </summary>
    private static string SnapshotDirectory(string callerPath)
    {
        string? directory = Path.GetDirectoryName(callerPath);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            directory = AppContext.BaseDirectory;
            while (directory is not null && !File.Exists(Path.Combine(directory, "StaticNet.Generator.Tests.csproj")))
                directory = Path.GetDirectoryName(directory.TrimEnd(Path.DirectorySeparatorChar));
            if (directory is null)
                throw new InvalidOperationException($"Cannot find the snapshot directory: '{callerPath}' does not exist and no project file is above {AppContext.BaseDirectory}.");
        }
        return Path.Combine(directory, "Snapshots");
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string? x = i < e.Length ? e[i] : null, y = i < a.Length ? a[i] : null;
            if (x != y)
                return $"line {i + 1}\n    verified: {x ?? "<end of file>"}\n    received: {y ?? "<end of file>"}";
        }
        return "none (after normalization)";
    }

    [GeneratedRegex(@"StaticNet\.Generator \d+\.\d+\.\d+")]
    private static partial Regex HeaderVersion();

    [GeneratedRegex(@"""StaticNet\.Generator"", ""\d+\.\d+\.\d+""")]
    private static partial Regex AttributeVersion();
}
