using StaticNet;

namespace StaticNet.Tests.Quantization;

/// <summary>The MNIST network of tools/make-int8-fixture with its int8 weights baked in.</summary>
[Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax, Precision = Precision.Int8,
    Weights = "Fixtures/int8/mnist_int8.safetensors")]
public partial class BakedInt8MnistNet;

/// <summary>The same file declared layer by layer, with a Dropout (nothing at prediction time).</summary>
[Sequential(784, Precision = Precision.Int8, Weights = "Fixtures/int8/mnist_int8.safetensors")]
[Dense(128, Activation = Activation.Relu)]
[Dropout(0.2f)]
[Dense(64, Activation = Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
public partial class BakedInt8SequentialNet;

/// <summary>The digit CNN (Int8DigitCnn's layers) trained one epoch and quantized by tools/make-int8-fixture: a float32 first convolution, an int8 second.</summary>
[Sequential(28, 28, 1, Precision = Precision.Int8, Weights = "Fixtures/int8/digitcnn_int8.safetensors")]
[Conv2D(16, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Conv2D(32, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64, Activation = Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
public partial class BakedInt8DigitCnn;

/// <summary>1-D layers from tools/make-int8-fixture: an int8 Conv1D, average pooling, a float32 Conv1D (18-value windows), global pooling, Dropout.</summary>
[Sequential(12, 12, Precision = Precision.Int8, Weights = "Fixtures/int8/sequence_int8.safetensors")]
[Conv1D(6, 3, Padding = Padding.Same, Activation = Activation.Relu)]
[AveragePooling1D(2)]
[Conv1D(8, 3, Strides = 2, Activation = Activation.Sigmoid)]
[GlobalAveragePooling1D]
[Dropout(0.2f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class BakedInt8SequenceNet;
