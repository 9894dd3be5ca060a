using StaticNet;

namespace StaticNet.Import.Tests;

// The networks the fixtures hold, declared by hand (the end-to-end test declares them through `staticnet import`).

[Network(784, 16, 12, 10, Activations = new[] { Activation.Relu, Activation.Tanh, Activation.Softmax })]
public partial class ReluTanhSoftmaxNet;   // onnx_gemm.onnx, keras3_model.keras

[Network(784, 16, 12, 10, Activations = new[] { Activation.LeakyRelu, Activation.Sigmoid, Activation.Linear }, LeakyReluSlope = 0.1f)]
public partial class LeakySigmoidLinearNet;   // onnx_matmul.onnx

[Network(784, 12, 10, Hidden = Activation.Sigmoid, Output = Activation.Softmax)]
public partial class SigmoidSoftmaxNet;   // onnx_external.onnx, keras3_dense.weights.h5

[Network(784, 16, 10, Hidden = Activation.LeakyRelu, Output = Activation.Softmax, LeakyReluSlope = 0.3f)]
public partial class Keras2Net;   // keras2_model.h5

[Network(6, 5, 3, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class SmallNet;   // onnx_shuffled.onnx

[Network(784, 16, 12, 10, Activation = Activation.Sigmoid)]
public partial class AllSigmoidNet;   // the right sizes with the wrong activations
