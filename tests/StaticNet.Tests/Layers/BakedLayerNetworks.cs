using StaticNet;

namespace StaticNet.Tests.Layers;

// Twins of PyTorchTrajectoryTests' networks with their initial weights baked in at compile time from the
// fixtures (AdditionalFiles items in the csproj; tools/make_cnn_fixtures.py wrote them). The generator maps the
// tensors with the runtime's own safetensors mapping (src/Shared/TensorMapping.cs).

/// <summary>CnnTrajectoryNet baked from PyTorch's state_dict (Conv2d [out, in, kh, kw], BatchNorm2d, Linear after a channels-first Flatten).</summary>
[Sequential(12, 12, 2, Weights = "cnn_trajectory_init_pytorch.safetensors")]
[Conv2D(4, 3, Activation = Activation.Relu)]
[BatchNormalization]
[MaxPooling2D(2)]
[Conv2D(6, 3, Strides = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[AveragePooling2D(2, Strides = 1)]
[Flatten]
[Dense(8, Activation = Activation.Sigmoid)]
[Dense(3, Activation = Activation.Softmax)]
public partial class BakedCnnTrajectoryNet;

/// <summary>The same network baked from the Keras-layout file (conv2d/kernel, batch_normalization/gamma, ...).</summary>
[Sequential(12, 12, 2, Weights = "cnn_trajectory_init_keras.safetensors")]
[Conv2D(4, 3, Activation = Activation.Relu)]
[BatchNormalization]
[MaxPooling2D(2)]
[Conv2D(6, 3, Strides = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[AveragePooling2D(2, Strides = 1)]
[Flatten]
[Dense(8, Activation = Activation.Sigmoid)]
[Dense(3, Activation = Activation.Softmax)]
public partial class BakedKerasCnnTrajectoryNet;

/// <summary>Conv1DTrajectoryNet baked from PyTorch's state_dict (Conv1d [out, in, k]).</summary>
[Sequential(16, 3, Weights = "conv1d_trajectory_init_pytorch.safetensors")]
[Conv1D(5, 3, Padding = Padding.Same, Activation = Activation.Relu)]
[MaxPooling1D(2)]
[Conv1D(4, 3, Strides = 2)]
[GlobalAveragePooling1D]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class BakedConv1DTrajectoryNet;
