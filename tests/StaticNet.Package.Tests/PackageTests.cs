using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Xunit;
using Xunit.Abstractions;

namespace StaticNet.Package.Tests;

/// <summary>
/// Packs the runtime as a user gets it from NuGet and builds a fresh console project that only has
/// a PackageReference to it: the network compiles only if the generator runs from the package's
/// analyzers folder, and XOR is learnt only if the packaged runtime trains.
/// </summary>
public sealed class PackageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public void PackedPackageGeneratesAndTrainsXorInAFreshConsumer()
    {
        string root = Tools.NewTempDirectory("staticnet-pkg");
        try
        {
            // A version no other run or feed has, so restore can only take this build's package.
            string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
            string feed = Path.Combine(root, "feed");

            // Bin and obj go to the temp folder (artifacts output), so the test neither rebuilds the
            // working tree's bin/Release with a test version nor races other builds there.
            ProcessResult pack = Tools.RunDotnet(Tools.RepoRoot, StepTimeout,
                "pack", Path.Combine("src", "StaticNet", "StaticNet.csproj"), "-c", "Release", "-o", feed,
                $"-p:Version={version}", "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={Path.Combine(root, "artifacts")}",
                "--disable-build-servers").ShouldSucceed();
            output.WriteLine($"pack: {pack.Duration.TotalSeconds:0.0} s");

            string nupkg = Path.Combine(feed, $"StaticNet.{version}.nupkg");
            Assert.True(File.Exists(nupkg), $"{nupkg} was not created.\n{pack.Describe()}");
            CheckPackageContent(nupkg);

            string consumer = Path.Combine(root, "consumer");
            WriteConsumer(consumer, feed, version, Path.Combine(root, "packages"));

            ProcessResult build = Tools.RunDotnet(consumer, StepTimeout, "build", "-c", "Release", "--disable-build-servers").ShouldSucceed();
            output.WriteLine($"consumer restore + build: {build.Duration.TotalSeconds:0.0} s");

            // The generated source is on disk (EmitCompilerGeneratedFiles): the generator came from the package.
            string[] generated = Directory.GetFiles(Path.Combine(consumer, "obj"), "XorNet*.g.cs", SearchOption.AllDirectories);
            Assert.True(generated.Length > 0, $"No generated XorNet source under {consumer}/obj.\n{build.Describe()}");
            // ...restored into the private folder, from this run's package.
            Assert.Contains($"\"StaticNet/{version}\"", File.ReadAllText(Path.Combine(consumer, "obj", "project.assets.json")));
            string restoredAnalyzer = Path.Combine(root, "packages", "staticnet", version.ToLowerInvariant(), "analyzers", "dotnet", "cs", "StaticNet.Generator.dll");
            Assert.True(File.Exists(restoredAnalyzer), $"{restoredAnalyzer} is missing.\n{build.Describe()}");

            ProcessResult run = Tools.RunDotnet(consumer, StepTimeout,
                Path.Combine(consumer, "bin", "Release", "net10.0", "XorConsumer.dll")).ShouldSucceed();
            output.WriteLine(run.StandardOutput);

            float[] predictions = [.. run.StandardOutput
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => line.StartsWith("xor ", StringComparison.Ordinal))
                .Select(line => float.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))];
            Assert.True(predictions.Length == 4, $"Expected four predictions.\n{run.Describe()}");
            Assert.True(predictions.Select(p => (int)MathF.Round(p)).SequenceEqual([0, 1, 1, 0]),
                $"XOR not learnt: {string.Join(", ", predictions)}.\n{run.Describe()}");
        }
        finally
        {
            Tools.TryDelete(root);
        }
    }

    private static void CheckPackageContent(string nupkg)
    {
        using ZipArchive zip = ZipFile.OpenRead(nupkg);
        string[] entries = [.. zip.Entries.Select(e => e.FullName)];
        string listing = string.Join("\n", entries);
        foreach (string expected in new[]
                 {
                     "analyzers/dotnet/cs/StaticNet.Generator.dll",
                     "lib/net8.0/StaticNet.dll", "lib/net8.0/StaticNet.xml",
                     "lib/net10.0/StaticNet.dll", "lib/net10.0/StaticNet.xml",
                     "README.md", "StaticNet.nuspec",
                 })
            Assert.True(entries.Contains(expected), $"The package lacks {expected}; it holds:\n{listing}");
        // The generator is an analyzer only: never a library a consumer compiles against.
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generator", StringComparison.Ordinal));

        using var reader = new StreamReader(zip.GetEntry("StaticNet.nuspec")!.Open());
        string nuspec = reader.ReadToEnd();
        Assert.Contains("<id>StaticNet</id>", nuspec);
        Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
        Assert.Contains("<readme>README.md</readme>", nuspec);
        Assert.Contains("id=\"System.Numerics.Tensors\"", nuspec);
        Assert.DoesNotContain("StaticNet.Generator", nuspec);
        // Charts are a package of their own (StaticNet.Plotting): the core needs no drawing library
        // and holds no plotting type.
        Assert.DoesNotContain("ScottPlot", nuspec);
        Assert.DoesNotContain("SkiaSharp", nuspec);
        foreach (string tfm in new[] { "net8.0", "net10.0" })
        {
            using var dll = new MemoryStream();
            using (Stream entry = zip.GetEntry($"lib/{tfm}/StaticNet.dll")!.Open()) entry.CopyTo(dll);
            dll.Position = 0;
            using var pe = new PEReader(dll);
            MetadataReader metadata = pe.GetMetadataReader();
            string[] namespaces = [.. metadata.TypeDefinitions.Select(t => metadata.GetString(metadata.GetTypeDefinition(t).Namespace)).Distinct()];
            Assert.Contains("StaticNet", namespaces);
            Assert.DoesNotContain(namespaces, n => n.StartsWith("StaticNet.Plotting", StringComparison.Ordinal));
        }
    }

    private static void WriteConsumer(string directory, string feed, string version, string packagesFolder)
    {
        Directory.CreateDirectory(directory);
        // Stop MSBuild's upward search for Directory.Build.* files in the temp folder's parents.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        // The local feed in addition to the usual sources (no <clear/>), so dependencies still restore.
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="staticnet-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        // Restore into a private folder: nothing of this test lands in the global package cache.
        File.WriteAllText(Path.Combine(directory, "XorConsumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                <RestorePackagesPath>{packagesFolder}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="StaticNet" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), """
            using System;
            using System.Globalization;
            using StaticNet;

            float[,] x = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
            float[] y = { 0, 1, 1, 0 };

            var model = new XorNet(seed: 42);
            model.Compile(loss: Loss.BinaryCrossentropy, optimizer: new Adam(learningRate: 0.05f));
            model.Fit(x, y, epochs: 500, batchSize: 4, verbose: 0);

            float[,] p = model.Predict(x);
            for (int i = 0; i < 4; i++)
                Console.WriteLine($"xor {x[i, 0]} {x[i, 1]} {p[i, 0].ToString("0.0000", CultureInfo.InvariantCulture)}");
            return 0;

            [Network(2, 8, 1, Hidden = Activation.Tanh, Output = Activation.Sigmoid)]
            partial class XorNet;
            """);
    }
}
