namespace StaticNet.Interop;

/// <summary>How a network's dense layers are named and laid out as safetensors tensors.</summary>
/// <remarks>The full mapping is in docs/FORMATS.md, section "safetensors mapping".</remarks>
public enum SafetensorsLayout
{
    /// <summary>
    /// PyTorch's <c>nn.Sequential</c> state dict: <c>"{i}.weight"</c> with shape [outputs, inputs]
    /// (<c>nn.Linear.weight</c>, the same row-major order as <see cref="NeuralNetwork.Parameters"/>)
    /// and <c>"{i}.bias"</c> [outputs], where <c>i</c> is the <c>nn.Linear</c>'s index in the
    /// Sequential (see <see cref="Safetensors.LayerNames"/>).
    /// </summary>
    PyTorch = 0,

    /// <summary>
    /// Keras's <c>Dense</c> variables: <c>"{name}/kernel"</c> with shape [inputs, outputs] (the
    /// transpose of PyTorch's) and <c>"{name}/bias"</c> [outputs], with the names Keras gives
    /// (<c>dense</c>, <c>dense_1</c>, <c>dense_2</c>, ...).
    /// </summary>
    Keras = 1,
}
