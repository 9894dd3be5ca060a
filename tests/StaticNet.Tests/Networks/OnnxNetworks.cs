using StaticNet;

namespace StaticNet.Tests.Networks;

// Networks of the ONNX layer export tests (Interop/OnnxLayerExportTests.cs): every layer kind, 'same' padding
// with an odd total (the extra row or column after), strides, non-square windows and inputs, 1-D layers.

/// <summary>'same' max pooling with strides 2 and odd padding, 'same' average pooling at stride 1, BN on 3-D, Flatten of (h, w, c).</summary>
[Sequential(8, 7, 3)]
[MaxPooling2D(3, 3, Strides = 2, Padding = Padding.Same)]   // (4, 4, 3): pads top 0, left 1, bottom 1, right 1
[AveragePooling2D(2, Strides = 1, Padding = Padding.Same)]  // (4, 4, 3): pads 0, 0, 1, 1
[BatchNormalization(Epsilon = 0.01f)]
[Flatten]
[Dense(6, Activation = Activation.Relu)]
[Dropout(0.25f)]
[Dense(4, Activation = Activation.Softmax)]
public partial class OnnxPooling2DNet;

/// <summary>'valid' pooling that leaves a row out, a non-square window, two channels and H ≠ W before Flatten, leaky ReLU.</summary>
[Sequential(9, 8, 2, LeakyReluSlope = 0.05f)]
[MaxPooling2D(2)]                          // (4, 4, 2)
[AveragePooling2D(3, 2, Strides = 1)]      // (2, 3, 2)
[Flatten]
[Dense(5, Activation = Activation.LeakyRelu)]
[Dense(2)]
public partial class OnnxValidPooling2DNet;

/// <summary>BatchNormalization on the input (3-D) and after a Dense layer (1-D), global average pooling.</summary>
[Sequential(5, 4, 3)]
[BatchNormalization]
[GlobalAveragePooling2D]
[Dense(4, Activation = Activation.Sigmoid)]
[BatchNormalization(Epsilon = 0.0001f)]
[Dense(2)]
public partial class OnnxGlobalPooling2DNet;

/// <summary>1-D pooling: 'same' max pooling with strides 2, 'same' average pooling with an odd pad, BN on (steps, channels), Flatten.</summary>
[Sequential(11, 3)]
[MaxPooling1D(3, Strides = 2, Padding = Padding.Same)]   // (6, 3): pads 1, 1
[AveragePooling1D(2, Strides = 1, Padding = Padding.Same)]   // (6, 3): pads 0, 1
[BatchNormalization]
[Flatten]
[Dense(4, Activation = Activation.Tanh)]
[Dense(3, Activation = Activation.Softmax)]
public partial class OnnxPooling1DNet;

/// <summary>Valid 1-D average pooling, then the mean over steps.</summary>
[Sequential(6, 4)]
[AveragePooling1D(2)]
[GlobalAveragePooling1D]
[Dense(3)]
public partial class OnnxGlobalPooling1DNet;

/// <summary>Flatten of the input itself: no Transpose in the graph.</summary>
[Sequential(3, 4, 2)]
[Flatten]
[Dense(5, Activation = Activation.Tanh)]
[Dense(2, Activation = Activation.Sigmoid)]
public partial class OnnxFlattenNet;

/// <summary>BatchNormalization and Dropout between Dense layers on a 1-D input (not a Dense stack: Keras names).</summary>
[Sequential(6)]
[Dense(8, Activation = Activation.Relu)]
[BatchNormalization]
[Dropout(0.1f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class OnnxDenseBatchNormNet;

/// <summary>A Dense stack with Dropout declared with [Sequential]: the first exporter's layer{l} names, Dropout not counted.</summary>
[Sequential(5)]
[Dense(7, Activation = Activation.Relu)]
[Dropout(0.3f)]
[Dense(2)]
public partial class OnnxSequentialDenseStackNet;

/// <summary>Conv2D 'valid' with ReLU, then a non-square kernel with strides 2, 'same' odd padding and no bias, BN, Flatten.</summary>
[Sequential(7, 6, 2)]
[Conv2D(4, 3, Activation = Activation.Relu)]                                  // (5, 4, 4)
[Conv2D(3, 2, 3, Strides = 2, Padding = Padding.Same, UseBias = false)]      // (3, 2, 3): pads top 0, left 0, bottom 1, right 1
[BatchNormalization]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
public partial class OnnxConv2DNet;

/// <summary>A small CNN as the README's: Conv2D, MaxPooling2D, 'same' Conv2D with leaky ReLU, AveragePooling2D, global pooling.</summary>
[Sequential(12, 12, 1, LeakyReluSlope = 0.1f)]
[Conv2D(4, 3, Activation = Activation.Relu)]                                  // (10, 10, 4)
[MaxPooling2D(2)]                                                             // (5, 5, 4)
[Conv2D(6, 3, Padding = Padding.Same, Activation = Activation.LeakyRelu)]    // (5, 5, 6): pads 1, 1, 1, 1
[AveragePooling2D(2)]                                                         // (2, 2, 6)
[GlobalAveragePooling2D]
[Dense(8, Activation = Activation.Sigmoid)]
[Dropout(0.2f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class OnnxCnnNet;

/// <summary>Conv1D 'same' with strides 2 (odd pad), Conv1D without bias, MaxPooling1D, Flatten of (steps, channels).</summary>
[Sequential(10, 3)]
[Conv1D(4, 3, Strides = 2, Padding = Padding.Same, Activation = Activation.Tanh)]   // (5, 4): pads 0, 1
[Conv1D(2, 2, UseBias = false)]                                                       // (4, 2)
[MaxPooling1D(2)]                                                                     // (2, 2)
[Flatten]
[Dense(2)]
public partial class OnnxConv1DNet;
