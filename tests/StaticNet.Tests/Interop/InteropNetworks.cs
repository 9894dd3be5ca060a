using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using StaticNet;

namespace StaticNet.Tests.Interop;

// The networks of tools/export_pytorch_fixture.py, declared as StaticNet networks.

/// <summary>PyTorch: Sequential(Linear(6,10), ReLU, Linear(10,8), Tanh, Linear(8,3), Softmax(dim=1)).</summary>
[Network(6, 10, 8, 3, Activations = new[] { Activation.Relu, Activation.Tanh, Activation.Softmax })]
public partial class TorchReluTanhSoftmax;

/// <summary>PyTorch: Sequential(Linear(5,7), Sigmoid, Linear(7,6), LeakyReLU(0.2), Linear(6,2)).</summary>
[Network(5, 7, 6, 2, Activations = new[] { Activation.Sigmoid, Activation.LeakyRelu, Activation.Linear })]
public partial class TorchSigmoidLeakyLinear;

/// <summary>PyTorch: Sequential(Linear(4,6), Linear(6,5), Tanh, Linear(5,1), Sigmoid): Linear modules at 0, 1, 3.</summary>
[Network(4, 6, 5, 1, Activations = new[] { Activation.Linear, Activation.Tanh, Activation.Sigmoid })]
public partial class TorchLinearTanhSigmoid;

/// <summary>Every ONNX activation but leaky ReLU: sigmoid, tanh, relu hidden layers and a softmax output.</summary>
[Network(6, 12, 10, 8, 4, Activations = new[] { Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.Softmax })]
public partial class OnnxClassifierNet;

/// <summary>Leaky ReLU with a non-default slope, a linear hidden layer and a linear (regression) output.</summary>
[Network(5, 9, 7, 2, Activations = new[] { Activation.LeakyRelu, Activation.Linear, Activation.Linear }, LeakyReluSlope = 0.1f)]
public partial class OnnxRegressionNet;

/// <summary>A small network for the corrupt-file and fuzz tests: 3-4-2, tanh/softmax (26 parameters).</summary>
[Network(3, 4, 2, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class TinyNet;

/// <summary>Helpers of the interop tests.</summary>
internal static class InteropTest
{
    /// <summary>A fixture file copied to the test output (tests/StaticNet.Tests/Fixtures).</summary>
    public static string Fixture(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Fixture {path} is missing: tests/StaticNet.Tests/Fixtures/{name} should be copied to the test output.", path);
        return path;
    }

    /// <summary>Rows of a row-major buffer as a 2-D array.</summary>
    public static float[,] ToMatrix(float[] data, int rows, int columns)
    {
        var m = new float[rows, columns];
        Buffer.BlockCopy(data, 0, m, 0, data.Length * sizeof(float));
        return m;
    }

    /// <summary>Runs a program; returns exit code, stdout and stderr. Kills it after the timeout.</summary>
    public static (int ExitCode, string Output, string Error) Run(string fileName, string[] arguments, string workingDirectory, int timeoutMs = 120_000)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in {timeoutMs / 1000} s.");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A temporary directory deleted on dispose.</summary>
internal sealed class InteropTempDirectory : IDisposable
{
    public InteropTempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "staticnet-interop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
