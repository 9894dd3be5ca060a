namespace StaticNet.Import;

/// <summary>One node or layer of a model file, as <c>staticnet inspect</c> lists it.</summary>
/// <param name="Location">Where it is: <c>node 3 '/1/Gemm'</c> (ONNX) or <c>layer 2 'dense_1'</c> (Keras).</param>
/// <param name="Operator">The ONNX op type or Keras class name.</param>
/// <param name="Description">What StaticNet makes of it, e.g. <c>dense 784 -> 16</c>, or why it cannot.</param>
/// <param name="Supported">False when StaticNet cannot compile this step.</param>
public sealed record ModelStep(string Location, string Operator, string Description, bool Supported);
