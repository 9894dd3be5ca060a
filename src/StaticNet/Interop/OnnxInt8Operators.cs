namespace StaticNet.Interop;

/// <summary>Which of ONNX's quantized operators the export of an <see cref="Quantization.Int8Network"/> uses.</summary>
public enum OnnxInt8Operators
{
    /// <summary>
    /// <c>QuantizeLinear</c> → <c>ConvInteger</c>/<c>MatMulInteger</c> → <c>Cast</c> → <c>Mul</c> → <c>Add</c> per int8
    /// layer, every layer's output in float32: ONNX Runtime computes the int8 network's own arithmetic (its outputs equal
    /// <see cref="Quantization.Int8Network.Predict(float[,])"/>'s but at rounding ties). ONNX Runtime 1.31.1 runs
    /// <c>ConvInteger</c> slowly on the CPU.
    /// </summary>
    Integer,

    /// <summary>
    /// <c>QLinearConv</c> for an int8 layer whose output reaches the next int8 layer only through ReLU, max pooling,
    /// Flatten or Dropout: its output is requantized to the next layer's uint8 input bytes, which flow on through the
    /// pooling and Flatten. ONNX Runtime's fast quantized path (what its own quantizer's models run), but the bytes
    /// between layers are rounded from int32 sums rather than from float32 outputs, so the outputs differ slightly from
    /// <see cref="Quantization.Int8Network.Predict(float[,])"/>'s. Every other int8 layer is written as in
    /// <see cref="Integer"/>.
    /// </summary>
    QLinear,
}
