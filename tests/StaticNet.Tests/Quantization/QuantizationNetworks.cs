using StaticNet;

namespace StaticNet.Tests.Quantization;

/// <summary>Sizes that are not multiples of the int8 kernel's 16-input blocks or 32-output tiles; tanh inputs need a zero point.</summary>
[Network(40, 70, 33, 3, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class Int8TanhNet;

/// <summary>Leaky ReLU, a linear layer (negative inputs for the next layer) and one sigmoid output.</summary>
[Network(37, 65, 9, 1, Activations = new[] { Activation.LeakyRelu, Activation.Linear, Activation.Sigmoid })]
public partial class Int8LeakyNet;

/// <summary>The digit CNN of samples/DigitCnn without dropout: a first convolution of 9-value windows (kept in float32), a second of 144 (int8).</summary>
[Sequential(28, 28, 1)]
[Conv2D(16, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Conv2D(32, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64, Activation = Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
public partial class Int8DigitCnn;

/// <summary>
/// Int8 convolutions with 'same' padding and strides, inputs with a non-zero zero point (so padding must hold it),
/// no bias, tanh and leaky ReLU, a 'same' max pooling, filters that do not fill a 32-output tile, and Dropout.
/// </summary>
[Sequential(9, 8, 4)]
[Conv2D(12, 3, Padding = Padding.Same, Activation = Activation.LeakyRelu)]
[MaxPooling2D(3, 3, Strides = 2, Padding = Padding.Same)]
[Conv2D(20, 2, 3, Strides = 2, Padding = Padding.Same, UseBias = false, Activation = Activation.Tanh)]
[Flatten]
[Dropout(0.3f)]
[Dense(5, Activation = Activation.Softmax)]
public partial class Int8ConvMix;

/// <summary>Sequences: Conv1D with 'same' padding (36-value windows, int8), max pooling over steps, a strided Conv1D.</summary>
[Sequential(12, 12)]
[Conv1D(6, 3, Padding = Padding.Same, Activation = Activation.Relu)]
[MaxPooling1D(2)]
[Conv1D(8, 6, Strides = 2, Activation = Activation.Sigmoid)]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
public partial class Int8SequenceNet;

/// <summary>
/// Convolutions whose windows the VNNI paths read in place (kernel rows of whole 16-byte blocks, 'valid' padding):
/// a stride of 2, 40 filters (two 32-output tiles), output rows of 6 and 5 positions (the last four shifted).
/// </summary>
[Sequential(10, 13, 16)]
[Conv2D(40, 3, Strides = 2, Activation = Activation.Relu)]
[Conv2D(8, 2, Activation = Activation.Tanh)]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
public partial class Int8WindowNet;

/// <summary>Output rows of 79 positions, read in place: more sums at once than a chunk of gathered windows holds.</summary>
[Sequential(3, 80, 16)]
[Conv2D(8, 2, Activation = Activation.Relu)]
[Flatten]
[Dense(2, Activation = Activation.Softmax)]
public partial class Int8WideRowNet;

/// <summary>Float32 layers between int8 convolutions: BatchNormalization after a linear int8 convolution, average pooling, global average pooling.</summary>
[Sequential(8, 8, 16)]
[Conv2D(32, 3, Padding = Padding.Same, UseBias = false)]
[BatchNormalization]
[Conv2D(16, 3, Activation = Activation.Relu)]
[AveragePooling2D(2)]
[GlobalAveragePooling2D]
[Dense(4, Activation = Activation.Softmax)]
public partial class Int8NormNet;
