using StaticNet;

namespace StaticNet.Tests.Quantization;

/// <summary>Sizes that are not multiples of the int8 kernel's 16-input blocks or 32-output tiles; tanh inputs need a zero point.</summary>
[Network(40, 70, 33, 3, Hidden = Activation.Tanh, Output = Activation.Softmax)]
public partial class Int8TanhNet;

/// <summary>Leaky ReLU, a linear layer (negative inputs for the next layer) and one sigmoid output.</summary>
[Network(37, 65, 9, 1, Activations = new[] { Activation.LeakyRelu, Activation.Linear, Activation.Sigmoid })]
public partial class Int8LeakyNet;
