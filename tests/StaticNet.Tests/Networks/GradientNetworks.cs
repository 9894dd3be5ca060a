using StaticNet;

namespace StaticNet.Tests.Networks;

// Small networks for the numerical tests in StaticNet.Tests.Numerics (gradient checks, reference
// forward passes, optimizer and training behaviour). Together they put every activation on a
// hidden layer and on the output layer, and cover depths 1 (no hidden layer) to 4. The hidden
// widths of the deep ones differ so that the backward pass's two scratch halves hold deltas of
// different sizes at different offsets.

// ---- depth 1: the output layer reads the inputs directly

/// <summary>4-3, linear (logits for the fromLogits losses, regression for MSE).</summary>
[Network(4, 3, Activations = new[] { Activation.Linear })]
public partial class GradLinear1;

/// <summary>4-1, sigmoid (binary cross-entropy fused with sigmoid).</summary>
[Network(4, 1, Activations = new[] { Activation.Sigmoid })]
public partial class GradSigmoid1;

/// <summary>4-3, softmax.</summary>
[Network(4, 3, Activations = new[] { Activation.Softmax })]
public partial class GradSoftmax1;

// ---- depth 2: one hidden layer, one per hidden activation

/// <summary>5-4-3, sigmoid / sigmoid.</summary>
[Network(5, 4, 3, Activations = new[] { Activation.Sigmoid, Activation.Sigmoid })]
public partial class GradSigmoid2;

/// <summary>5-4-3, tanh / tanh.</summary>
[Network(5, 4, 3, Activations = new[] { Activation.Tanh, Activation.Tanh })]
public partial class GradTanh2;

/// <summary>5-4-3, relu / relu.</summary>
[Network(5, 4, 3, Activations = new[] { Activation.Relu, Activation.Relu })]
public partial class GradRelu2;

/// <summary>5-4-3, leaky relu / leaky relu with the default slope (0.2).</summary>
[Network(5, 4, 3, Activations = new[] { Activation.LeakyRelu, Activation.LeakyRelu })]
public partial class GradLeaky2;

/// <summary>5-4-3, leaky relu / leaky relu with a custom slope of 0.05.</summary>
[Network(5, 4, 3, Activations = new[] { Activation.LeakyRelu, Activation.LeakyRelu }, LeakyReluSlope = 0.05f)]
public partial class GradLeakyCustom2;

/// <summary>5-4-3, linear / softmax.</summary>
[Network(5, 4, 3, Activations = new[] { Activation.Linear, Activation.Softmax })]
public partial class GradLinearSoftmax2;

/// <summary>5-4-3, relu / linear (logits).</summary>
[Network(5, 4, 3, Activations = new[] { Activation.Relu, Activation.Linear })]
public partial class GradReluLinear2;

// ---- depth 3 and 4: mixed activations, hidden widths that differ

/// <summary>4-6-5-3, leaky relu (slope 0.1) / sigmoid / tanh.</summary>
[Network(4, 6, 5, 3, Activations = new[] { Activation.LeakyRelu, Activation.Sigmoid, Activation.Tanh }, LeakyReluSlope = 0.1f)]
public partial class GradDeep3;

/// <summary>5-7-3-6-3, tanh / relu / sigmoid / softmax.</summary>
[Network(5, 7, 3, 6, 3, Activations = new[] { Activation.Tanh, Activation.Relu, Activation.Sigmoid, Activation.Softmax })]
public partial class GradDeep4;

/// <summary>3-4-8-5-1, sigmoid / tanh / leaky relu / sigmoid.</summary>
[Network(3, 4, 8, 5, 1, Activations = new[] { Activation.Sigmoid, Activation.Tanh, Activation.LeakyRelu, Activation.Sigmoid })]
public partial class GradDeep4Binary;

// ---- training

/// <summary>2-8-1, tanh / sigmoid: XOR.</summary>
[Network(2, 8, 1, Hidden = Activation.Tanh, Output = Activation.Sigmoid)]
public partial class XorNet;

/// <summary>3-5-3, tanh / softmax: a small three-class problem.</summary>
[Network(3, 5, 3, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class TinyClassifier;

/// <summary>3-4-2, tanh / linear: a small regression problem.</summary>
[Network(3, 4, 2, Hidden = Activation.Tanh, Output = Activation.Linear)]
public partial class TinyRegressor;

// ---- attribute forms and the pooled one-sample path

/// <summary>3-4-2 with no activation named: ReLU hidden layers and a linear output.</summary>
[Network(3, 4, 2)]
public partial class DefaultActivationsNet;

/// <summary>3-4-5-2 with Activation = Tanh overridden by Output = Linear (explicitly the enum's default value).</summary>
[Network(3, 4, 5, 2, Activation = Activation.Tanh, Output = Activation.Linear)]
public partial class TanhLinearOverrideNet;

/// <summary>2-16400-1: more hidden values than the generated one-sample Predict keeps on the stack (16384), so it rents them.</summary>
[Network(2, 16400, 1, Hidden = Activation.Tanh, Output = Activation.Sigmoid)]
public partial class WideNet;

// ---- layers with 16 or more inputs: on AVX-512 hardware these run the register-tiled kernels
// (4 samples x 4 outputs tiles, 64-input tiles, overlapping last windows), with every tail:
// inputs not a multiple of 16, outputs not a multiple of 4 (or 8), batches not a multiple of 4.

/// <summary>19-17-6-3, tanh / sigmoid / softmax: input remainders 3 and 1, output tails of 1 and 2.</summary>
[Network(19, 17, 6, 3, Activations = new[] { Activation.Tanh, Activation.Sigmoid, Activation.Softmax })]
public partial class GradTiled3;

/// <summary>70-66-5, tanh / linear: a full 64-input tile plus a remainder, on both layers.</summary>
[Network(70, 66, 5, Activations = new[] { Activation.Tanh, Activation.Linear })]
public partial class GradTiled2;

/// <summary>32-16-8-2, relu / tanh / sigmoid: input sizes that are exact multiples of 16.</summary>
[Network(32, 16, 8, 2, Activations = new[] { Activation.Relu, Activation.Tanh, Activation.Sigmoid })]
public partial class GradTiledExact;

// ---- regularization declared on [Network] (and twins without it: same sizes, so the same
// seed gives the same initial weights)

/// <summary>5-4-3, tanh / linear, without regularization (the twin of the two below).</summary>
[Network(5, 4, 3, Activations = new[] { Activation.Tanh, Activation.Linear })]
public partial class GradTanhLinear2;

/// <summary>5-4-3, tanh / linear, L2 = 0.01 on both layers' weights.</summary>
[Network(5, 4, 3, Activations = new[] { Activation.Tanh, Activation.Linear }, L2 = 0.01f)]
public partial class GradL2;

/// <summary>5-4-3, tanh / linear, L2 = 0.05 on the first layer's weights only.</summary>
[Network(5, 4, 3, Activations = new[] { Activation.Tanh, Activation.Linear }, L2PerLayer = new[] { 0.05f, 0f })]
public partial class GradL2FirstLayer;

/// <summary>6-8-2, tanh / linear, dropout 0.5 after the hidden layer.</summary>
[Network(6, 8, 2, Hidden = Activation.Tanh, Output = Activation.Linear, Dropout = 0.5f)]
public partial class DropoutNet;

/// <summary>6-8-2, tanh / linear, no dropout (DropoutNet's twin).</summary>
[Network(6, 8, 2, Hidden = Activation.Tanh, Output = Activation.Linear)]
public partial class NoDropoutNet;

/// <summary>6-8-5-2, tanh / sigmoid / linear, dropout 0.5 and 0.25 after the two hidden layers.</summary>
[Network(6, 8, 5, 2, Activations = new[] { Activation.Tanh, Activation.Sigmoid, Activation.Linear }, DropoutPerLayer = new[] { 0.5f, 0.25f })]
public partial class DropoutDeepNet;
