using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using StaticNet.Tool;
using Xunit;

namespace StaticNet.Import.Tests;

/// <summary>
/// File → <c>staticnet import</c> → a fresh console project built with the generated files (weights
/// baked in by the generator) → its predictions on test digits equal the source framework's.
/// </summary>
public class EndToEndTests
{
    private static readonly (string File, string Class, string Expected)[] Models =
    {
        ("onnx_gemm.onnx", "GemmNet", "onnx_gemm"),
        ("onnx_matmul.onnx", "MatMulNet", "onnx_matmul"),
        ("onnx_external.onnx", "ExternalNet", "onnx_external"),
        ("keras3_model.keras", "Keras3Net", "keras3_model"),
        ("keras2_model.h5", "Keras2LegacyNet", "keras2_model"),
        // Convolutional: [Sequential] declarations with their weights baked in.
        ("onnx_cnn.onnx", "CnnOnnxNet", "onnx_cnn"),
        ("keras3_cnn.keras", "CnnKeras3Net", "keras3_cnn"),
        ("onnx_conv1d.onnx", "Conv1dOnnxNet", "onnx_conv1d"),
        ("keras2_cnn.h5", "Conv1dKeras2Net", "keras2_cnn"),
    };

    [Fact]
    public void Imported_files_build_into_a_fresh_project_that_predicts_as_the_source_framework()
    {
        string dir = Directory.CreateTempSubdirectory("staticnet-e2e-").FullName;
        try
        {
            foreach (var (file, cls, _) in Models)
            {
                var output = new StringWriter();
                var error = new StringWriter();
                Assert.True(Cli.Run(new[] { "import", Fixture.Path(file), "--class", cls, "--namespace", "Imported", "--out", dir }, output, error) == 0, error.ToString());
            }
            string root = Fixture.RepoRoot;
            File.WriteAllText(Path.Combine(dir, "App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <ImplicitUsings>disable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="{root}/src/StaticNet/StaticNet.csproj" />
                    <ProjectReference Include="{root}/generator/StaticNet.Generator/StaticNet.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                  </ItemGroup>
                  <ItemGroup>
                {string.Concat(Models.Select(m => $"    <AdditionalFiles Include=\"{m.Class}.safetensors\" />\n"))}  </ItemGroup>
                  <Import Project="{root}/src/StaticNet/build/StaticNet.targets" />
                </Project>
                """);
            // Each network, fresh from its constructor (no file read: the weights are baked in), on the test digits.
            File.WriteAllText(Path.Combine(dir, "Program.cs"), $$"""
                using System;
                using System.Globalization;
                using StaticNet;
                using StaticNet.Data;

                float[,] all = Idx.ReadImages(args[0]);
                int n = int.Parse(args[1], CultureInfo.InvariantCulture);
                var x = new float[n, 784];
                Buffer.BlockCopy(all, 0, x, 0, n * 784 * sizeof(float));
                // Every model takes the digit's 784 pixels: (784), (28, 28, 1), or (28 steps = rows, 28 channels = columns).
                foreach (NeuralNetwork model in new NeuralNetwork[] { {{string.Join(", ", Models.Select(m => $"new Imported.{m.Class}()"))}} })
                {
                    float[,] p = model.Predict(x);
                    for (int i = 0; i < n; i++)
                    {
                        var row = new string[p.GetLength(1)];
                        for (int j = 0; j < row.Length; j++) row[j] = p[i, j].ToString("R", CultureInfo.InvariantCulture);
                        Console.WriteLine(model.GetType().Name + " " + string.Join(" ", row));
                    }
                }
                """);
            string digits = Path.Combine(root, "samples", "data", "mnist", "t10k-images-idx3-ubyte.gz");
            string stdout = Dotnet(dir, "run", "--project", "App.csproj", "--", digits, "32");
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var (file, cls, expectedName) in Models)
            {
                var (_, expected) = Fixture.Expected(expectedName);
                var rows = lines.Where(l => l.StartsWith(cls + " ", StringComparison.Ordinal))
                    .Select(l => l.Split(' ').Skip(1).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
                Assert.Equal(expected.GetLength(0), rows.Length);
                var actual = new float[rows.Length, rows[0].Length];
                for (int i = 0; i < rows.Length; i++)
                    for (int j = 0; j < rows[i].Length; j++)
                        actual[i, j] = rows[i][j];
                Fixture.AssertClose(expected, actual, 1e-5, $"{file} built as {cls}");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static string Dotnet(string dir, params string[] args)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var info = new ProcessStartInfo(host) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        // Set by the test host's MSBuild parents; the child build must find its SDK afresh.
        foreach (string name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
            info.Environment.Remove(name);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish in 8 minutes.\n{stdout}");
        }
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited with {process.ExitCode}\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
