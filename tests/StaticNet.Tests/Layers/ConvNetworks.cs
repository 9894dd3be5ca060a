using StaticNet;

namespace StaticNet.Tests.Layers;

/// <summary>(7, 7, 2) → Conv2D(3, 3x3, tanh) → max pooling → Flatten → Dense(3, softmax).</summary>
[Sequential(7, 7, 2)]
[Conv2D(3, 3, Activation = Activation.Tanh)]
[MaxPooling2D(2)]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
public partial class SmallConvNet;

/// <summary>(8, 8, 1) → Conv2D(4, 3x3, strides 2, 'same', no bias) → BatchNormalization → Conv2D(5, 2x3, sigmoid) → global average pooling → Dense(2).</summary>
[Sequential(8, 8, 1)]
[Conv2D(4, 3, Strides = 2, Padding = Padding.Same, UseBias = false)]
[BatchNormalization]
[Conv2D(5, 2, 3, Activation = Activation.Sigmoid)]
[GlobalAveragePooling2D]
[Dense(2)]
public partial class StridedConvNet;

/// <summary>(12, 3) sequences → Conv1D(4, 3, 'same', tanh) → MaxPooling1D → Conv1D(3, 3, strides 2, relu) → GlobalAveragePooling1D → Dense(1, sigmoid).</summary>
[Sequential(12, 3)]
[Conv1D(4, 3, Padding = Padding.Same, Activation = Activation.Tanh)]
[MaxPooling1D(2)]
[Conv1D(3, 3, Strides = 2, Activation = Activation.Relu)]
[GlobalAveragePooling1D]
[Dense(1, Activation = Activation.Sigmoid)]
public partial class AudioConvNet;

/// <summary>The example on small digits: Conv2D → pool → Conv2D → pool → Flatten → Dense → Dropout → Dense(softmax).</summary>
[Sequential(10, 10, 1)]
[Conv2D(4, 3, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Conv2D(6, 2, Activation = Activation.LeakyRelu)]
[AveragePooling2D(2)]
[Flatten]
[Dense(8, Activation = Activation.Relu)]
[Dropout(0.2f)]
[Dense(3, Activation = Activation.Softmax)]
public partial class TinyCnn;

internal static partial class LayerTestNetworks
{
    static partial void CreateMoreCore(string name, int seed, ref NeuralNetwork? result) => result = name switch
    {
        "SmallConvNet" => new SmallConvNet(seed),
        "StridedConvNet" => new StridedConvNet(seed),
        "AudioConvNet" => new AudioConvNet(seed),
        "TinyCnn" => new TinyCnn(seed),
        _ => null,
    };
}
