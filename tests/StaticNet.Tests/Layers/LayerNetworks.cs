using StaticNet;

namespace StaticNet.Tests.Layers;

// [Sequential] networks for the layer tests: together they put every layer kind, strides 1 and 2, both paddings,
// convolutions with and without bias, and BatchNormalization after convolutions, pooling and Dense layers
// through the generated forward and backward passes. Smooth activations (tanh, sigmoid) where finite
// differences check gradients; max pooling's kinks are detected by the checker.

/// <summary>(6, 6, 2) → average pooling → BatchNormalization → Flatten → Dense(5, tanh) → Dropout → Dense(3, softmax).</summary>
[Sequential(6, 6, 2)]
[AveragePooling2D(2)]
[BatchNormalization(Momentum = 0.9f)]
[Flatten]
[Dense(5, Activation = Activation.Tanh)]
[Dropout(0.3f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class PoolNormNet;

/// <summary>(7, 5, 3) → max pooling 3x2 strides 2 'same' → global average pooling → BatchNormalization → Dense(2, linear).</summary>
[Sequential(7, 5, 3)]
[MaxPooling2D(3, 2, Strides = 2, Padding = Padding.Same)]
[GlobalAveragePooling2D]
[BatchNormalization]
[Dense(2)]
public partial class MaxGlobalNet;

/// <summary>(9, 4) sequences → average pooling 1-D 'same' strides 2 → max pooling 1-D → Flatten → Dense(4, sigmoid) → Dense(1, sigmoid).</summary>
[Sequential(9, 4)]
[AveragePooling1D(3, Strides = 2, Padding = Padding.Same)]
[MaxPooling1D(2)]
[Flatten]
[Dense(4, Activation = Activation.Sigmoid)]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class Sequence1DNet;

/// <summary>A dense stack declared layer by layer: the same network as <see cref="ShorthandTwin"/>.</summary>
[Sequential(6)]
[Dense(5, Activation = Activation.Relu)]
[Dropout(0.25f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class SequentialTwin;

/// <summary>The [Network] shorthand of <see cref="SequentialTwin"/>.</summary>
[Network(6, 5, 3, Hidden = Activation.Relu, Output = Activation.Softmax, DropoutPerLayer = new[] { 0.25f })]
public partial class ShorthandTwin;

/// <summary>BatchNormalization first, normalizing the inputs (1-D).</summary>
[Sequential(4)]
[BatchNormalization(Momentum = 0.5f, Epsilon = 0.01f)]
[Dense(3, Activation = Activation.Tanh)]
[Dense(2, Activation = Activation.Softmax)]
public partial class InputNormNet;
