using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using Xunit;

// Each test runs whole builds; on a two-core machine running them side by side only slows both.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace StaticNet.Package.Tests;

/// <summary>The outcome of one child process.</summary>
internal sealed record ProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration)
{
    public string Describe() =>
        $"`{Command}` exited with {ExitCode} after {Duration.TotalSeconds:0.0} s\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

internal static class Tools
{
    /// <summary>The repository root: the nearest ancestor of the test's output folder holding StaticNet.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "StaticNet.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No folder above '{AppContext.BaseDirectory}' holds StaticNet.sln.");
    }

    /// <summary>The dotnet host running these tests (so children use the same SDK), else the one on PATH.</summary>
    public static string Dotnet { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>A new empty folder under the system temp folder.</summary>
    public static string NewTempDirectory(string prefix)
    {
        string path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void TryDelete(string directory)
    {
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/>.</summary>
    public static ProcessResult RunDotnet(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        Run(Dotnet, workingDirectory, timeout, arguments);

    /// <summary>
    /// Runs a program to completion or until <paramref name="timeout"/> (then kills its process tree),
    /// capturing both output streams. Build servers and MSBuild node reuse are disabled so that no
    /// long-lived child keeps the output pipes (or the machine's two cores) after the build.
    /// </summary>
    public static ProcessResult Run(string fileName, string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        // Set by the test host's own MSBuild/VSTest parents; a child build must find its SDK afresh.
        foreach (string name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly", "VSTEST_HOST_DEBUG" })
            info.Environment.Remove(name);

        string command = $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)}";
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var stdoutClosed = new ManualResetEventSlim();
        using var stderrClosed = new ManualResetEventSlim();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is null) stdoutClosed.Set(); else lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is null) stderrClosed.Set(); else lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool exited = process.WaitForExit(timeout);
        if (!exited)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        // Let the readers drain the pipes, but not forever: a stray grandchild holding a pipe must
        // not hang the test.
        stdoutClosed.Wait(TimeSpan.FromSeconds(30));
        stderrClosed.Wait(TimeSpan.FromSeconds(30));
        watch.Stop();
        string output, error;
        lock (stdout) output = stdout.ToString();
        lock (stderr) error = stderr.ToString();
        if (!exited)
            throw new TimeoutException(
                $"`{command}` did not finish within {timeout.TotalMinutes:0.#} min and was killed.\n--- stdout ---\n{output}\n--- stderr ---\n{error}");
        return new ProcessResult(command, process.ExitCode, output, error, watch.Elapsed);
    }

    /// <summary>Fails with the whole output of <paramref name="result"/> unless it exited with 0.</summary>
    public static ProcessResult ShouldSucceed(this ProcessResult result)
    {
        Assert.True(result.ExitCode == 0, result.Describe());
        return result;
    }
}
