namespace StaticNet.Interop;

/// <summary>How a network's layers are named and laid out as safetensors tensors.</summary>
/// <remarks>The full mapping is in docs/FORMATS.md, section "safetensors mapping".</remarks>
public enum SafetensorsLayout
{
    /// <summary>
    /// PyTorch's <c>nn.Sequential</c> state dict: <c>"{i}.weight"</c> with shape [outputs, inputs]
    /// (<c>nn.Linear.weight</c>, the same row-major order as <see cref="NeuralNetwork.Parameters"/>)
    /// and <c>"{i}.bias"</c> [outputs], where <c>i</c> is the <c>nn.Linear</c>'s index in the
    /// Sequential (see <see cref="Safetensors.LayerNames"/>); <c>nn.Conv2d.weight</c> [out, in, kh, kw],
    /// <c>nn.Conv1d.weight</c> [out, in, k], BatchNorm's <c>weight</c>, <c>bias</c>, <c>running_mean</c>,
    /// <c>running_var</c>; a Linear after a Flatten takes PyTorch's channels-first column order.
    /// </summary>
    PyTorch = 0,

    /// <summary>
    /// Keras's <c>Dense</c> variables: <c>"{name}/kernel"</c> with shape [inputs, outputs] (the
    /// transpose of PyTorch's) and <c>"{name}/bias"</c> [outputs], with the names Keras gives
    /// (<c>dense</c>, <c>dense_1</c>, <c>dense_2</c>, ...); <c>conv2d/kernel</c> [kh, kw, in, out] and
    /// <c>conv1d/kernel</c> [k, in, out] as stored; <c>batch_normalization/gamma</c>, <c>/beta</c>,
    /// <c>/moving_mean</c>, <c>/moving_variance</c>.
    /// </summary>
    Keras = 1,
}
