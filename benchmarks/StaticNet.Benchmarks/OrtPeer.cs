using System;
using Microsoft.ML.OnnxRuntime;
using StaticNet.Interop;

namespace StaticNet.Benchmarks;

/// <summary>
/// ONNX Runtime's fastest CPU path on a StaticNet model: the graph from <see cref="OnnxExporter"/>,
/// every graph optimization, a fixed number of intra-op threads, and input and output tensors
/// allocated once and bound with an <see cref="OrtIoBinding"/>, so a run copies nothing in or out.
/// </summary>
public sealed class OrtPeer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _input, _output;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();

    /// <param name="model">The network to export.</param>
    /// <param name="input">The input rows, row-major; bound in place (ORT reads this array).</param>
    /// <param name="output">Receives the outputs, row-major; bound in place.</param>
    /// <param name="threads">ORT's intra-op threads (1: no thread pool).</param>
    public OrtPeer(NeuralNetwork model, float[] input, float[] output, int threads)
    {
        int inputs = model.NetworkShape.InputSize, outputs = model.NetworkShape.OutputSize;
        int rows = input.Length / inputs;
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        _session = new InferenceSession(OnnxExporter.ToBytes(model), options);
        _input = OrtValue.CreateTensorValueFromMemory(input, [rows, inputs]);
        _output = OrtValue.CreateTensorValueFromMemory(output, [rows, outputs]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(OnnxExporter.InputName, _input);
        _binding.BindOutput(OnnxExporter.OutputName, _output);
    }

    /// <summary>One run over the bound input into the bound output.</summary>
    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
