using StaticNet;

namespace StaticNet.Tests.Networks;

/// <summary>The course's 0/1 digit network: 784-25-15-1, sigmoid everywhere.</summary>
[Network(784, 25, 15, 1, Activation = Activation.Sigmoid)]
public partial class DigitNet;

/// <summary>The course's ten-digit network: 784-128-64-10 relu/relu/softmax.</summary>
[Network(784, 128, 64, 10, Hidden = Activation.Relu, Output = Activation.Softmax)]
public partial class MnistNet;
