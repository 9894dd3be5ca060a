using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using StaticNet.Serialization;

namespace StaticNet.Data;

/// <summary>One file of a downloadable dataset: its name on the mirrors and in the cache, and the
/// published SHA-256 and size of exactly those bytes.</summary>
internal sealed record DatasetFile(string Name, string Sha256, long Size);

/// <summary>A dataset that <see cref="DatasetDownload"/> fetches: the cache subfolder, the mirrors
/// (base URLs ending in '/') tried in order, and its files.</summary>
internal sealed record DatasetSource(string Name, string CacheSubfolder, IReadOnlyList<Uri> Mirrors, IReadOnlyList<DatasetFile> Files);

/// <summary>
/// Fetches the files of a dataset into a per-user cache, as <c>keras.utils.get_file</c>: a file
/// already in the cache with the right SHA-256 is used as it is; otherwise each mirror is tried in
/// turn, the bytes are hashed while they are written to a temporary file, and only a complete file
/// with the published hash is renamed into the cache. A failed or interrupted download never
/// leaves a file under the final name.
/// </summary>
internal static class DatasetDownload
{
    /// <summary>Environment variable naming the cache root (the folder that holds <c>mnist/</c>, <c>fashion-mnist/</c>).</summary>
    public const string CacheVariable = "STATICNET_DATASETS";

    private static readonly Lazy<HttpClient> s_client = new(() =>
    {
        var client = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("StaticNet/" + typeof(DatasetDownload).Assembly.GetName().Version);
        return client;
    });

    /// <summary>The default cache root: <c>$STATICNET_DATASETS</c> if set, else
    /// <c>LocalApplicationData/StaticNet/datasets</c> (<c>~/.local/share/StaticNet/datasets</c> on
    /// Linux, <c>%LOCALAPPDATA%\StaticNet\datasets</c> on Windows), else <c>~/.staticnet/datasets</c>.</summary>
    public static string DefaultCacheRoot()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(CacheVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return Path.GetFullPath(fromEnvironment);
        string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        if (!string.IsNullOrEmpty(local)) return Path.Combine(local, "StaticNet", "datasets");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".staticnet", "datasets");
    }

    /// <summary>Makes sure every file of <paramref name="source"/> is in the cache with its published
    /// hash, downloading what is missing or wrong; returns the dataset's cache folder.</summary>
    /// <param name="source">The dataset.</param>
    /// <param name="cacheRoot">The cache root, or null for <see cref="DefaultCacheRoot"/>.</param>
    /// <param name="mirrors">Base URLs to use instead of the dataset's own, or null.</param>
    /// <param name="log">Where to say what is downloaded; null for the console, <see cref="TextWriter.Null"/> for silence.</param>
    /// <exception cref="IOException">A file could not be obtained from any mirror; the message lists
    /// every URL tried and why it failed, the cache folder, and how to place the files by hand.</exception>
    public static string EnsureFiles(DatasetSource source, string? cacheRoot, IReadOnlyList<Uri>? mirrors, TextWriter? log)
    {
        log ??= Console.Out;
        IReadOnlyList<Uri> bases = mirrors ?? source.Mirrors;
        if (bases.Count == 0) throw new ArgumentException("At least one mirror is needed.", nameof(mirrors));
        foreach (Uri mirror in bases)
        {
            if (!mirror.IsAbsoluteUri || (mirror.Scheme != Uri.UriSchemeHttp && mirror.Scheme != Uri.UriSchemeHttps))
                throw new ArgumentException($"The mirror '{mirror}' is not an absolute http or https URL.", nameof(mirrors));
        }

        string directory = Path.Combine(Path.GetFullPath(cacheRoot ?? DefaultCacheRoot()), source.CacheSubfolder);
        foreach (DatasetFile file in source.Files)
        {
            string path = Path.Combine(directory, file.Name);
            if (File.Exists(path))
            {
                string actual = HashFile(path);
                if (actual == file.Sha256) continue;
                log.WriteLine($"{path} has SHA-256 {actual}, not the published {file.Sha256}; downloading it again.");
            }
            Directory.CreateDirectory(directory);
            Download(source, file, path, directory, bases, log);
        }
        return directory;
    }

    private static void Download(DatasetSource source, DatasetFile file, string path, string directory, IReadOnlyList<Uri> mirrors, TextWriter log)
    {
        var failures = new List<string>();
        foreach (Uri mirror in mirrors)
        {
            var url = new Uri(EnsureSlash(mirror), file.Name);
            log.WriteLine($"Downloading {url} ({file.Size.ToString("N0", CultureInfo.InvariantCulture)} bytes) to {directory}");
            try
            {
                Fetch(url, file, path);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException
                                          or OperationCanceledException or UnauthorizedAccessException)
            {
                failures.Add($"  {url}: {Describe(e)}");
                log.WriteLine($"  failed: {Describe(e)}");
            }
        }

        var message = new StringBuilder();
        message.AppendLine($"Could not download {file.Name} of {source.Name}; every mirror failed:");
        foreach (string failure in failures) message.AppendLine(failure);
        message.AppendLine($"The cache folder is {directory}.");
        message.AppendLine(
            $"If this machine is offline, copy the files from any of these mirrors (or another copy) into that folder by hand, " +
            $"with these names and SHA-256 hashes:");
        foreach (DatasetFile f in source.Files) message.AppendLine($"  {f.Sha256}  {f.Name}");
        message.Append(
            $"Or set {CacheVariable} to a cache root that holds them in '{source.CacheSubfolder}/', " +
            "or read any folder with the four files with Mnist.Load(directory).");
        throw new IOException(message.ToString());
    }

    /// <summary>GETs <paramref name="url"/> into a temporary file beside <paramref name="path"/>,
    /// hashing as it goes; renames it to <paramref name="path"/> only when the size and SHA-256 match.</summary>
    private static void Fetch(Uri url, DatasetFile file, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using HttpResponseMessage response = s_client.Value.Send(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        if (response.Content.Headers.ContentLength is long announced && announced != file.Size)
            throw new InvalidDataException($"the server announces {announced} bytes, but the file has {file.Size}");

        using Stream body = response.Content.ReadAsStream();
        AtomicFile.Write(path, target =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            long total = 0;
            int read;
            while ((read = body.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += read;
                if (total > file.Size)
                    throw new InvalidDataException($"the server sent more than the {file.Size} bytes of the file");
                hash.AppendData(buffer, 0, read);
                target.Write(buffer, 0, read);
            }
            if (total != file.Size)
                throw new InvalidDataException($"the download ended after {total} of {file.Size} bytes");
            string actual = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
            if (actual != file.Sha256)
                throw new InvalidDataException($"SHA-256 mismatch: expected {file.Sha256}, got {actual}");
        });
    }

    private static string HashFile(string path)
    {
        using var stream = AtomicFile.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    private static Uri EnsureSlash(Uri mirror) =>
        mirror.AbsoluteUri.EndsWith('/') ? mirror : new Uri(mirror.AbsoluteUri + "/");

    private static string Describe(Exception e)
    {
        var parts = new List<string>();
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            string text = inner is OperationCanceledException ? "timed out" : inner.Message.TrimEnd('.');
            if (!parts.Contains(text)) parts.Add(text);
        }
        return string.Join(": ", parts.Take(3));
    }
}
