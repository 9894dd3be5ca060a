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
