using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using StaticNet.Interop;
using Xunit;

namespace StaticNet.Tests.Interop;

/// <summary>
/// The ONNX export is checked with real tools: the onnx package's checker (full check, with shape
/// inference) and ONNX Runtime (onnxruntime-node), whose outputs must match StaticNet's Predict.
/// Both are installed by tools/install-interop-tools.sh, which these tests run once themselves
/// (it is idempotent and quick when everything is there), so that `dotnet test` alone suffices on
/// a fresh machine; when the tools still cannot be had, the tests fail and say so (never skipped).
/// </summary>
public class OnnxExportTests
{
    private const float Tolerance = 1e-5f;
    private const string Install =
        "Install the interop tools with `bash tools/install-interop-tools.sh` (Debian's python3-onnx via apt-get, " +
        "and onnxruntime-node via `npm ci --ignore-scripts` in tools/onnx-check).";

    private static (float[,] X, int[] Labels, float[,] Targets) Data(int samples, int features, int seed)
    {
        var random = new Random(seed);
        var x = new float[samples, features];
        var labels = new int[samples];
        var targets = new float[samples, 2];
        for (int s = 0; s < samples; s++)
        {
            for (int f = 0; f < features; f++) x[s, f] = (float)(random.NextDouble() * 4 - 2);
            labels[s] = (x[s, 0] > 0 ? 1 : 0) + (x[s, 1] > 0.5f ? 2 : 0);
            targets[s, 0] = x[s, 0] - 0.5f * x[s, 1];
            targets[s, 1] = MathF.Abs(x[s, 2]);
        }
        return (x, labels, targets);
    }

    private static OnnxClassifierNet TrainedClassifier()
    {
        var model = new OnnxClassifierNet(seed: 21);
        var (x, labels, _) = Data(64, 6, 1);
        model.Compile(Loss.SparseCategoricalCrossentropy, new Adam(learningRate: 0.01f), Metric.Accuracy);
        model.Fit(x, labels, epochs: 5, batchSize: 16, verbose: 0);
        return model;
    }

    private static OnnxRegressionNet TrainedRegression()
    {
        var model = new OnnxRegressionNet(seed: 22);
        var (x, _, targets) = Data(64, 5, 2);
        model.Compile(Loss.MeanSquaredError, new Adam(learningRate: 0.01f));
        model.Fit(x, targets, epochs: 5, batchSize: 16, verbose: 0);
        return model;
    }

    [Fact]
    public void Classifier_PassesOnnxCheckerAndMatchesOnnxRuntime()
    {
        OnnxClassifierNet model = TrainedClassifier();
        JsonElement summary = CheckAndCompare(model, Data(32, 6, 7).X);
        Assert.Equal(new[] { "Gemm", "Sigmoid", "Gemm", "Tanh", "Gemm", "Relu", "Gemm", "Softmax" }, Strings(summary.GetProperty("nodes")));
    }

    [Fact]
    public void Regression_WithLeakyReluAndLinearLayers_PassesOnnxCheckerAndMatchesOnnxRuntime()
    {
        OnnxRegressionNet model = TrainedRegression();
        // Inputs of both signs and large magnitude: the leaky side with slope 0.1 is exercised.
        var (x, _, _) = Data(32, 5, 8);
        for (int f = 0; f < 5; f++) x[0, f] = -50f;
        JsonElement summary = CheckAndCompare(model, x);
        Assert.Equal(new[] { "Gemm", "LeakyRelu", "Gemm", "Gemm" }, Strings(summary.GetProperty("nodes")));
    }

    /// <summary>Exports, runs onnx.checker and ONNX Runtime, compares with Predict; returns the checker's summary.</summary>
    private static JsonElement CheckAndCompare(NeuralNetwork model, float[,] x)
    {
        string root = InteropTest.RepositoryRoot();
        string python = FindPythonWithOnnx();
        string node = FindNodeWithOnnxRuntime(root);

        using var dir = new InteropTempDirectory();
        string modelPath = dir.File("model.onnx");
        OnnxExporter.Save(model, modelPath);

        // 1. onnx.checker.check_model(full_check=True).
        var check = InteropTest.Run(python, new[] { Path.Combine(root, "tools", "onnx_check.py"), modelPath }, root);
        Assert.True(check.ExitCode == 0, $"onnx.checker rejected the export:\n{check.Error}\n{check.Output}");
        JsonElement summary = JsonDocument.Parse(check.Output).RootElement;
        Assert.Equal(8, summary.GetProperty("ir_version").GetInt32());
        Assert.Equal(13, summary.GetProperty("opset_import").GetProperty("").GetInt32());
        Assert.Equal("StaticNet", summary.GetProperty("producer_name").GetString());
        Assert.Equal("[\"batch\",", summary.GetProperty("inputs").GetProperty("input").GetRawText()[..9]);
        Assert.Equal(model.NetworkShape.InputSize, summary.GetProperty("inputs").GetProperty("input")[1].GetInt32());
        Assert.Equal(model.NetworkShape.OutputSize, summary.GetProperty("outputs").GetProperty("output")[1].GetInt32());

        // 2. ONNX Runtime on a batch, against StaticNet's Predict.
        int rows = x.GetLength(0), columns = x.GetLength(1);
        var json = new StringBuilder("[");
        for (int r = 0; r < rows; r++)
        {
            json.Append(r == 0 ? "[" : ",[");
            for (int c = 0; c < columns; c++)
                json.Append(c == 0 ? "" : ",").Append(x[r, c].ToString("R", CultureInfo.InvariantCulture));
            json.Append(']');
        }
        json.Append(']');
        string inputPath = dir.File("input.json");
        File.WriteAllText(inputPath, json.ToString());
        var run = InteropTest.Run(node, new[] { Path.Combine(root, "tools", "onnx-check", "check.mjs"), modelPath, inputPath }, root);
        Assert.True(run.ExitCode == 0, $"onnxruntime-node failed on the export:\n{run.Error}\n{run.Output}");
        JsonElement result = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal(new[] { "input" }, Strings(result.GetProperty("inputNames")));
        Assert.Equal(new[] { "output" }, Strings(result.GetProperty("outputNames")));
        JsonElement output = result.GetProperty("outputs").GetProperty("output");
        Assert.Equal(new[] { rows, model.NetworkShape.OutputSize }, output.GetProperty("dims").EnumerateArray().Select(d => d.GetInt32()).ToArray());
        float[] ort = output.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

        float[,] expected = model.Predict(x);
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < model.NetworkShape.OutputSize; o++)
            {
                float e = expected[r, o], a = ort[r * model.NetworkShape.OutputSize + o];
                Assert.True(MathF.Abs(e - a) <= Tolerance, $"sample {r}, output {o}: StaticNet {e:R}, ONNX Runtime {a:R}");
            }
        return summary;
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    /// <summary>The install script's run, once per test run; its output explains a failure.</summary>
    private static readonly Lazy<string> s_installation = new(() =>
    {
        string? bash = InteropTest.FindExecutable("bash", "/bin/bash", "/usr/bin/bash");
        if (bash is null) return "bash was not found, so tools/install-interop-tools.sh did not run.";
        string root = InteropTest.RepositoryRoot();
        var run = InteropTest.Run(bash, new[] { Path.Combine(root, "tools", "install-interop-tools.sh") }, root, 15 * 60_000);
        return $"tools/install-interop-tools.sh exited with {run.ExitCode}:\n{run.Output}\n{run.Error}";
    });

    private static string FindPythonWithOnnx()
    {
        string installation = s_installation.Value;
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
        {
            string? python = InteropTest.FindExecutable(candidate);
            if (python is null) continue;
            var probe = InteropTest.Run(python, new[] { "-c", "import onnx" }, Environment.CurrentDirectory, 60_000);
            if (probe.ExitCode == 0) return python;
        }
        Assert.Fail("No python3 with the onnx package was found (tried /usr/bin/python3 and python3 on PATH). " + Install + "\n" + installation);
        return null!;
    }

    private static string FindNodeWithOnnxRuntime(string root)
    {
        string installation = s_installation.Value;
        string? node = InteropTest.FindExecutable("node", "/usr/bin/node", "/usr/local/bin/node");
        if (node is null)
            Assert.Fail("node (Node.js) is not on PATH. Install it (apt-get install -y nodejs npm), then: " + Install);
        string package = Path.Combine(root, "tools", "onnx-check", "node_modules", "onnxruntime-node", "package.json");
        if (!File.Exists(package))
            Assert.Fail($"onnxruntime-node is not installed ({package} is missing). " + Install + "\n" + installation);
        return node!;
    }
}
