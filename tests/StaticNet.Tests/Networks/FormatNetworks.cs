using StaticNet;

namespace StaticNet.Tests.Networks;

// Networks of the format tests (weights files, checkpoints, safetensors) with layers other than Dense.

/// <summary>(6, 6, 2) → Conv2D(3, 3x3, relu) → BatchNormalization → MaxPooling2D(2) → Flatten → Dense(4, relu) → Dropout → Dense(3, softmax).</summary>
[Sequential(6, 6, 2)]
[Conv2D(3, 3, Activation = Activation.Relu)]
[BatchNormalization]
[MaxPooling2D(2)]
[Flatten]
[Dense(4, Activation = Activation.Relu)]
[Dropout(0.2f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class FormatCnn;

/// <summary><see cref="FormatCnn"/> with 5 filters: another network, every later shape differs.</summary>
[Sequential(6, 6, 2)]
[Conv2D(5, 3, Activation = Activation.Relu)]
[BatchNormalization]
[MaxPooling2D(2)]
[Flatten]
[Dense(4, Activation = Activation.Relu)]
[Dropout(0.2f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class FormatCnnWide;

/// <summary><see cref="FormatCnn"/> with average pooling: the same parameter count, another network.</summary>
[Sequential(6, 6, 2)]
[Conv2D(3, 3, Activation = Activation.Relu)]
[BatchNormalization]
[AveragePooling2D(2)]
[Flatten]
[Dense(4, Activation = Activation.Relu)]
[Dropout(0.2f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class FormatCnnAverage;

/// <summary><see cref="FormatCnn"/> with another BatchNormalization momentum: differs in a setting only.</summary>
[Sequential(6, 6, 2)]
[Conv2D(3, 3, Activation = Activation.Relu)]
[BatchNormalization(Momentum = 0.9f)]
[MaxPooling2D(2)]
[Flatten]
[Dense(4, Activation = Activation.Relu)]
[Dropout(0.2f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class FormatCnnMomentum;

/// <summary>(8, 2) sequences → Conv1D(3, 3, tanh, no bias) → AveragePooling1D(2) → Flatten → BatchNormalization (1-D, after a Flatten) → Dense(2).</summary>
[Sequential(8, 2)]
[Conv1D(3, 3, Activation = Activation.Tanh, UseBias = false)]
[AveragePooling1D(2)]
[Flatten]
[BatchNormalization(Momentum = 0.8f, Epsilon = 0.01f)]
[Dense(2)]
public partial class FormatConv1DNet;

/// <summary>(7, 5, 3) → Conv2D(4, 3x2, strides 2, same, leaky ReLU, L2) → GlobalAveragePooling2D → Dense(2, sigmoid).</summary>
[Sequential(7, 5, 3, LeakyReluSlope = 0.1f)]
[Conv2D(4, 3, 2, Strides = 2, Padding = Padding.Same, Activation = Activation.LeakyRelu, L2 = 0.001f)]
[GlobalAveragePooling2D]
[Dense(2, Activation = Activation.Sigmoid)]
public partial class FormatStridedNet;

/// <summary>(9, 4) → MaxPooling1D(2) → GlobalAveragePooling1D → Dense(3, softmax): no parameters before the output layer.</summary>
[Sequential(9, 4)]
[MaxPooling1D(2)]
[GlobalAveragePooling1D]
[Dense(3, Activation = Activation.Softmax)]
public partial class FormatPool1DNet;

/// <summary>(2, 3, 2) → Flatten → Dense(2): the Flatten permutation's hand-checked case.</summary>
[Sequential(2, 3, 2)]
[Flatten]
[Dense(2)]
public partial class FlattenDenseNet;

/// <summary>The PyTorch fixture's CNN (tools/make_cnn_safetensors_fixture.py): Conv2d(2, 4, 3), ReLU, BatchNorm2d(4), MaxPool2d(2), Flatten, Linear(16, 3).</summary>
[Sequential(6, 6, 2)]
[Conv2D(4, 3, Activation = Activation.Relu)]
[BatchNormalization(Epsilon = 1e-5f)]
[MaxPooling2D(2)]
[Flatten]
[Dense(3)]
public partial class TorchCnn;
