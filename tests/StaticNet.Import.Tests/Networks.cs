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

// The convolutional fixtures (tools/make_cnn_import_fixtures.py), declared by hand as [Sequential] twins.

[Sequential(28, 28, 1)]
[Conv2D(8, 3, Padding = Padding.Same, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[BatchNormalization]
[Conv2D(16, 3, Activation = Activation.Relu)]
[AveragePooling2D(2)]
[Flatten]
[Dropout(0.25f)]
[Dense(10, Activation = Activation.Softmax)]
public partial class Cnn2dNet;   // onnx_cnn.onnx, keras3_cnn.keras, keras3_cnn.weights.h5

[Sequential(28, 28)]
[Conv1D(16, 5, Padding = Padding.Same, Activation = Activation.Tanh)]
[MaxPooling1D(2)]
[BatchNormalization]
[Conv1D(12, 3, Strides = 2, Activation = Activation.Relu)]
[GlobalAveragePooling1D]
[Dense(10)]
public partial class Cnn1dNet;   // onnx_conv1d.onnx, keras2_cnn.h5

[Sequential(28, 28, 1)]
[Conv2D(8, 3, Padding = Padding.Same, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[BatchNormalization]
[Conv2D(16, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(10, Activation = Activation.Softmax)]
public partial class Cnn2dMaxNet;   // Cnn2dNet with max pooling where the files average

[Sequential(28, 28, 1)]
[Conv2D(8, 3, Padding = Padding.Same, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[BatchNormalization(Momentum = 0.9f)]
[Conv2D(16, 3, Activation = Activation.Relu)]
[AveragePooling2D(2)]
[Flatten]
[Dense(10, Activation = Activation.Softmax)]
public partial class Cnn2dPlainNet;   // what `staticnet import onnx_cnn.onnx` declares (Dropout, a no-op at inference, left out)

[Sequential(12, 12, 1)]
[Conv2D(4, 5, UseBias = false, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[BatchNormalization(Momentum = 0.9f, Epsilon = 1e-5f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class PoolReluNet;   // onnx_cnn_poolrelu.onnx (its Relu comes after the MaxPool)
