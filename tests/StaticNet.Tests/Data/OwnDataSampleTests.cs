using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using StaticNet.Data;
using Xunit;

namespace StaticNet.Tests.Data;

/// <summary>docs/YOUR-OWN-DATA.md shows samples/OwnData/Program.cs; the page cannot drift from the sample, and the sample runs.</summary>
public sealed class OwnDataSampleTests : IDisposable
{
    private const string Marker = "<!-- sample: samples/OwnData/Program.cs -->";

    private readonly string _out = Path.Combine(Path.GetTempPath(), "staticnet-owndata-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    [Fact]
    public void ThePagesProgram_IsTheSamplesProgram()
    {
        string root = CsvTests.RepositoryRoot();
        string page = File.ReadAllText(Path.Combine(root, "docs", "YOUR-OWN-DATA.md")).ReplaceLineEndings("\n");
        string program = File.ReadAllText(Path.Combine(root, "samples", "OwnData", "Program.cs")).ReplaceLineEndings("\n");

        int marker = page.IndexOf(Marker, StringComparison.Ordinal);
        Assert.True(marker >= 0, $"docs/YOUR-OWN-DATA.md lacks the line {Marker} before the program.");
        int start = page.IndexOf("```csharp\n", marker, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = page.IndexOf("\n```\n", start, StringComparison.Ordinal) + 1;

        Assert.Equal(program, page[start..end]);
    }

    [Fact]
    public void TheSample_TrainsOnIris_SavesItsFiles_AndClassifiesTheNewFlower()
    {
        string root = CsvTests.RepositoryRoot();
        string dll = SampleDll();
        var start = new ProcessStartInfo("dotnet", [dll, Path.Combine(root, "samples", "OwnData", "iris.csv"), _out])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "the sample did not finish in 2 minutes");

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{stdout}\n{stderr}");
        Assert.Contains("150 rows; features: sepal_length, sepal_width, petal_length, petal_width; classes: setosa, versicolor, virginica", stdout);
        double accuracy = double.Parse(Regex.Match(stdout, @"test accuracy: (\d\.\d+) on 30 held-out rows").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 0.9, $"test accuracy {accuracy}\n{stdout}");
        Assert.Contains("new flower [6.3, 2.9, 5.6, 1.8]: virginica", stdout);

        // The saved scaler is the scaling of the training rows: loading it gives a fitted standard scaler of 4 features.
        StandardScaler scaler = StandardScaler.Load(Path.Combine(_out, "iris.scaler"));
        Assert.Equal(4, scaler.FeatureCount);
        Assert.Equal(["setosa", "versicolor", "virginica"], File.ReadAllLines(Path.Combine(_out, "iris.classes")));
        Assert.True(File.Exists(Path.Combine(_out, "iris.weights")));
    }

    /// <summary>samples/OwnData/bin/&lt;configuration&gt;/&lt;framework&gt;/OwnData.dll, built by the test project's ProjectReference.</summary>
    private static string SampleDll()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = framework.Parent!.Name;
        string dll = Path.Combine(CsvTests.RepositoryRoot(), "samples", "OwnData", "bin", configuration, framework.Name, "OwnData.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; build samples/OwnData (the test project references it).");
        return dll;
    }
}
