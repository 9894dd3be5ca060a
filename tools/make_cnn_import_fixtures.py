#!/usr/bin/env python3
"""Writes the convolutional model files that tests/StaticNet.Import.Tests imports (the dense ones come from
tools/make_import_fixtures.py). Small CNNs trained here in PyTorch (eval mode) on the bundled MNIST digits:

  ONNX (torch.onnx.export, opset 13, constant folding; expected outputs are PyTorch's):
    onnx_cnn.onnx        input [N, 1, 28, 28]: Conv2d(1, 8, 3, padding 1) ReLU MaxPool2d(2) BatchNorm2d(8)
                         Conv2d(8, 16, 3, stride 1) ReLU AvgPool2d(2) Flatten Dropout Linear(576, 10) Softmax
                         (the Linear's columns are in PyTorch's (c, h, w) order: the importer permutes them)
    onnx_conv1d.onnx     input [N, 28, 28] = (channels = image columns, length = image rows), so that the
                         channels-last StaticNet input (steps = rows, channels = columns) is the digit's pixels
                         in their usual order: Conv1d(28, 16, 5, padding 2) Tanh MaxPool1d(2) BatchNorm1d(16)
                         Conv1d(16, 12, 3, stride 2) ReLU AdaptiveAvgPool1d(1) Flatten Linear(12, 10)
    onnx_cnn_badpad.onnx onnx.helper: a Conv with kernel 5 and pads 1 (neither 'valid' nor Keras's 'same')
    onnx_cnn_elu.onnx    onnx.helper: Conv then Elu, an operator StaticNet does not have
    onnx_cnn_poolrelu.onnx  onnx.helper: Conv MaxPool Relu (the Relu after the pooling) Flatten BatchNormalization
                         (over the flattened features) Gemm Softmax, checked against ONNX Runtime
    onnx_cnn_avgpad.onnx onnx.helper: AveragePool with pads and count_include_pad 1 (PyTorch's AvgPool2d(3, padding=1))
  Keras, written with h5py following Keras's own saving code (weights: the PyTorch network's, turned into
  Keras's layout; expected outputs: that PyTorch network's, which computes the same function):
    keras3_cnn.keras       Keras 3.x zip (keras/src/saving/saving_lib.py: config.json, metadata.json,
                           model.weights.h5 in the H5IOStore layout "layers/<snake_case name>/vars/<i>"):
                           Sequential Conv2D(8, 3, same, relu) MaxPooling2D BatchNormalization
                           Conv2D(16, 3, relu) AveragePooling2D Flatten Dropout Dense(10, softmax)
                           variables per layer in build order (Conv2D: kernel [kh, kw, in, out], bias;
                           BatchNormalization: gamma, beta, moving_mean, moving_variance;
                           keras/src/layers/convolutional/base_conv.py and normalization/batch_normalization.py)
    keras3_cnn.weights.h5  the same network's model.save_weights file (no architecture)
    keras2_cnn.h5          Keras 2.x legacy HDF5 (keras/src/legacy/saving/legacy_h5_format.py): model_config +
                           model_weights/<layer>/<layer>/kernel:0 ...: Conv1D(16, 5, same, tanh) MaxPooling1D
                           BatchNormalization Conv1D(12, 3, strides 2, relu) GlobalAveragePooling1D Dense(10)
                           (the Conv1d network's weights)
  and <name>.expected.json as tools/make_import_fixtures.py writes them (first 32 official test digits).

    apt-get install -y python3-torch python3-onnx python3-h5py
    /usr/bin/python3 tools/make_cnn_import_fixtures.py

BatchNorm eps is 0.001 in both networks (Keras's default), so that the Keras files hold Keras's epsilon.
Deterministic: fixed seeds; each network trains 1 epoch on the first 4,000 training digits.
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np
import onnx
import torch
from torch import nn

from make_import_fixtures import OUT, TEST_DIGITS, read_idx, write_expected, DTYPE_POLICY


def train(model, x, y, seed):
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    order = torch.randperm(len(x), generator=generator)
    for start in range(0, len(x), 64):
        batch = order[start:start + 64]
        optimizer.zero_grad()
        out = model(x[batch])
        loss = nn.functional.nll_loss(torch.log(out + 1e-9), y[batch]) if isinstance(model[-1], nn.Softmax) \
            else nn.functional.cross_entropy(out, y[batch])
        loss.backward()
        optimizer.step()
    model.eval()
    return model


def export_onnx(model, sample, path):
    torch.onnx.export(model, sample, path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      opset_version=13, do_constant_folding=True)
    onnx.checker.check_model(path, full_check=True)


def cnn2d():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(8, eps=1e-3),
                         nn.Conv2d(8, 16, 3), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), nn.Dropout(0.25),
                         nn.Linear(16 * 6 * 6, 10), nn.Softmax(dim=1))


def cnn1d():
    return nn.Sequential(nn.Conv1d(28, 16, 5, padding=2), nn.Tanh(), nn.MaxPool1d(2), nn.BatchNorm1d(16, eps=1e-3),
                         nn.Conv1d(16, 12, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(),
                         nn.Linear(12, 10))


def randomize_bn(bn, seed):
    """Trained for one epoch the running statistics are close to (0, 1); move them so that a mix-up shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        bn.running_mean.add_(torch.randn(bn.num_features, generator=g) * 0.1)
        bn.running_var.mul_(1 + torch.rand(bn.num_features, generator=g))


# ---------------------------------------------------------------- Keras helpers

def conv_kernel(weight):
    """PyTorch [out, in, kh, kw] / [out, in, k] → Keras [kh, kw, in, out] / [k, in, out]."""
    w = weight.detach().numpy()
    return np.transpose(w, (2, 3, 1, 0)).copy() if w.ndim == 4 else np.transpose(w, (2, 1, 0)).copy()


def dense_kernel_after_flatten(weight, channels, positions):
    """PyTorch Linear.weight [out, c·positions] in (c, h, w) order → Keras kernel [h·w·c, out] in (h, w, c) order."""
    w = weight.detach().numpy()
    out = w.shape[0]
    w = w.reshape(out, channels, positions).transpose(0, 2, 1).reshape(out, positions * channels)
    return w.T.copy()


def bn_vars(bn):
    return [bn.weight.detach().numpy(), bn.bias.detach().numpy(), bn.running_mean.numpy(), bn.running_var.numpy()]


def k3_layer(cls, name, config, input_shape):
    return {"module": "keras.layers", "class_name": cls, "config": {"name": name, "trainable": True, "dtype": DTYPE_POLICY, **config},
            "registered_name": None, "build_config": {"input_shape": input_shape}}


def keras3_cnn_config():
    init = {"kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}, "registered_name": None},
            "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}

    def conv(name, filters, k, padding, activation, shape):
        return k3_layer("Conv2D", name, {"filters": filters, "kernel_size": [k, k], "strides": [1, 1], "padding": padding,
                                         "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                                         "activation": activation, "use_bias": True, **init}, shape)

    def pool(cls, name, shape):
        return k3_layer(cls, name, {"pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}, shape)

    layers = [
        {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 28, 28, 1], "dtype": "float32", "sparse": False, "ragged": False, "name": "input_layer"}, "registered_name": None},
        conv("conv2d", 8, 3, "same", "relu", [None, 28, 28, 1]),
        pool("MaxPooling2D", "max_pooling2d", [None, 28, 28, 8]),
        k3_layer("BatchNormalization", "batch_normalization",
                 {"axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
                  "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
                  "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": None},
                  "moving_mean_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
                  "moving_variance_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": None},
                  "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None, "synchronized": False},
                 [None, 14, 14, 8]),
        conv("conv2d_1", 16, 3, "valid", "relu", [None, 14, 14, 8]),
        pool("AveragePooling2D", "average_pooling2d", [None, 12, 12, 16]),
        k3_layer("Flatten", "flatten", {"data_format": "channels_last"}, [None, 6, 6, 16]),
        k3_layer("Dropout", "dropout", {"rate": 0.25, "seed": None, "noise_shape": None}, [None, 576]),
        k3_layer("Dense", "dense", {"units": 10, "activation": "softmax", "use_bias": True, **init}, [None, 576]),
    ]
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "sequential", "trainable": True, "dtype": DTYPE_POLICY, "layers": layers, "build_input_shape": [None, 28, 28, 1]},
            "registered_name": None, "build_config": {"input_shape": [None, 28, 28, 1]}, "compile_config": None}


def keras3_cnn_weights(target, model):
    """H5IOStore: every layer of model.layers gets layers/<unique snake_case name>/vars, variables numbered."""
    conv1, bn, conv2, dense = model[0], model[3], model[4], model[9]
    variables = {
        "conv2d": [conv_kernel(conv1.weight), conv1.bias.detach().numpy()],
        "max_pooling2d": [],
        "batch_normalization": bn_vars(bn),
        "conv2d_1": [conv_kernel(conv2.weight), conv2.bias.detach().numpy()],
        "average_pooling2d": [], "flatten": [], "dropout": [],
        "dense": [dense_kernel_after_flatten(dense.weight, 16, 36), dense.bias.detach().numpy()],
    }
    with h5py.File(target, "w") as f:
        f.create_group("vars").attrs["name"] = "sequential"
        layers = f.create_group("layers")
        for name, values in variables.items():
            v = layers.create_group(name).create_group("vars")
            for i, value in enumerate(values):
                v.create_dataset(str(i), data=np.asarray(value, dtype=np.float32))


def keras2_cnn(path, model):
    conv1, bn, conv2, dense = model[0], model[3], model[4], model[8]
    init = {"kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    layers = [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 28, 28], "dtype": "float32", "sparse": False, "ragged": False, "name": "conv1d_input"}},
        {"class_name": "Conv1D", "config": {"name": "conv1d", "trainable": True, "dtype": "float32", "batch_input_shape": [None, 28, 28],
                                            "filters": 16, "kernel_size": [5], "strides": [1], "padding": "same", "data_format": "channels_last",
                                            "dilation_rate": [1], "groups": 1, "activation": "tanh", "use_bias": True, **init}},
        {"class_name": "MaxPooling1D", "config": {"name": "max_pooling1d", "trainable": True, "dtype": "float32", "strides": [2], "pool_size": [2],
                                                  "padding": "valid", "data_format": "channels_last"}},
        {"class_name": "BatchNormalization", "config": {"name": "batch_normalization", "trainable": True, "dtype": "float32", "axis": [2],
                                                        "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True}},
        {"class_name": "Conv1D", "config": {"name": "conv1d_1", "trainable": True, "dtype": "float32", "filters": 12, "kernel_size": [3],
                                            "strides": [2], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1], "groups": 1,
                                            "activation": "relu", "use_bias": True, **init}},
        {"class_name": "GlobalAveragePooling1D", "config": {"name": "global_average_pooling1d", "trainable": True, "dtype": "float32",
                                                            "data_format": "channels_last", "keepdims": False}},
        {"class_name": "Dense", "config": {"name": "dense", "trainable": True, "dtype": "float32", "units": 10, "activation": "linear", "use_bias": True, **init}},
    ]
    weights = {
        "conv1d": [("kernel", conv_kernel(conv1.weight)), ("bias", conv1.bias.detach().numpy())],
        "batch_normalization": list(zip(["gamma", "beta", "moving_mean", "moving_variance"], bn_vars(bn))),
        "conv1d_1": [("kernel", conv_kernel(conv2.weight)), ("bias", conv2.bias.detach().numpy())],
        "dense": [("kernel", dense.weight.detach().numpy().T.copy()), ("bias", dense.bias.detach().numpy())],
    }
    names = [l["config"]["name"] for l in layers[1:]]
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.12.0"
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = np.array([n.encode("utf8") for n in names])
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"2.12.0"
        for name in sorted(names):
            g = mw.create_group(name)
            entries = weights.get(name, [])
            g.attrs["weight_names"] = np.array([f"{name}/{w}:0".encode() for w, _ in entries]) if entries else np.array([], dtype="S1")
            for w, value in entries:
                g.create_dataset(f"{name}/{w}:0", data=np.asarray(value, dtype=np.float32))


def helper_fixtures():
    from onnx import TensorProto, helper
    rng = np.random.default_rng(11)
    w = rng.normal(size=(4, 1, 5, 5)).astype(np.float32)
    init = [helper.make_tensor("w", TensorProto.FLOAT, w.shape, w.tobytes(), raw=True)]
    for name, nodes, out in (
            ("onnx_cnn_badpad", [helper.make_node("Conv", ["x", "w"], ["y"], name="conv_odd", kernel_shape=[5, 5], pads=[1, 1, 1, 1])], [None, 4, 10, 10]),
            ("onnx_cnn_elu", [helper.make_node("Conv", ["x", "w"], ["c"], name="conv0", kernel_shape=[5, 5]),
                              helper.make_node("Elu", ["c"], ["y"], name="elu1")], [None, 4, 8, 8])):
        graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 12, 12])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, out[2], out[3]])], init)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
        model.ir_version = 7
        onnx.checker.check_model(model, full_check=True)
        onnx.save_model(model, os.path.join(OUT, name + ".onnx"))

    # Conv, MaxPool, then Relu (max pooling commutes with a non-decreasing activation, so the Relu joins the
    # Conv), Flatten in (c, h, w) order, BatchNormalization over the 64 flattened features, Gemm, Softmax.
    bn = [rng.normal(size=64).astype(np.float32), rng.normal(size=64).astype(np.float32),
          rng.normal(size=64).astype(np.float32), rng.uniform(0.5, 2.0, size=64).astype(np.float32)]
    dense = rng.normal(size=(3, 64)).astype(np.float32) * 0.3
    init = [helper.make_tensor("w", TensorProto.FLOAT, w.shape, w.tobytes(), raw=True)] + \
           [helper.make_tensor(n, TensorProto.FLOAT, [64], v.tobytes(), raw=True) for n, v in zip(["g", "b", "m", "v"], bn)] + \
           [helper.make_tensor("d", TensorProto.FLOAT, [3, 64], dense.tobytes(), raw=True)]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv0", kernel_shape=[5, 5]),
             helper.make_node("MaxPool", ["c"], ["p"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Relu", ["p"], ["r"], name="relu2"),
             helper.make_node("Flatten", ["r"], ["f"], name="flatten3", axis=1),
             helper.make_node("BatchNormalization", ["f", "g", "b", "m", "v"], ["n"], name="bn4", epsilon=1e-5),
             helper.make_node("Gemm", ["n", "d"], ["z"], name="dense5", transB=1),
             helper.make_node("Softmax", ["z"], ["y"], name="softmax6", axis=1)]
    graph = helper.make_graph(nodes, "pool_relu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 12, 12])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, os.path.join(OUT, "onnx_cnn_poolrelu.onnx"))

    # Average pooling that counts padded zeros (PyTorch's AvgPool2d(padding=1) default): not StaticNet's (Keras's) mean.
    graph = helper.make_graph([helper.make_node("AveragePool", ["x"], ["y"], name="avg0", kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1)],
                              "avg_pad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 12, 12])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 1, 12, 12])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, os.path.join(OUT, "onnx_cnn_avgpad.onnx"))


def main():
    x = read_idx("train-images-idx3-ubyte.gz")[:4000]
    y = torch.from_numpy(read_idx("train-labels-idx1-ubyte.gz")[:4000])
    x_test = read_idx("t10k-images-idx3-ubyte.gz")[:TEST_DIGITS]
    source = f"PyTorch {torch.__version__}"

    images = torch.from_numpy(x).reshape(-1, 1, 28, 28)
    test = torch.from_numpy(x_test).reshape(-1, 1, 28, 28)
    torch.manual_seed(21)
    model = train(cnn2d(), images, y, seed=21)
    randomize_bn(model[3], 1)
    export_onnx(model, images[:2], os.path.join(OUT, "onnx_cnn.onnx"))
    with torch.no_grad():
        expected = model(test).numpy()
    write_expected("onnx_cnn", expected, source)

    # The Keras files hold the same network: their expected outputs are this PyTorch network's.
    weights = io.BytesIO()
    keras3_cnn_weights(weights, model)
    path = os.path.join(OUT, "keras3_cnn.keras")
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in (("metadata.json", json.dumps({"keras_version": "3.16.0", "date_saved": "2026-01-01@00:00:00"})),
                           ("config.json", json.dumps(keras3_cnn_config())), ("model.weights.h5", weights.getvalue())):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    write_expected("keras3_cnn", expected, source + " (the same network)")
    keras3_cnn_weights(os.path.join(OUT, "keras3_cnn.weights.h5"), model)
    write_expected("keras3_cnn.weights", expected, source + " (the same network)")

    # Conv1d: channels = image columns, length = image rows.
    seqs = torch.from_numpy(x).reshape(-1, 28, 28).transpose(1, 2).contiguous()
    test_seqs = torch.from_numpy(x_test).reshape(-1, 28, 28).transpose(1, 2).contiguous()
    torch.manual_seed(22)
    model = train(cnn1d(), seqs, y, seed=22)
    randomize_bn(model[3], 2)
    export_onnx(model, seqs[:2], os.path.join(OUT, "onnx_conv1d.onnx"))
    with torch.no_grad():
        expected = model(test_seqs).numpy()
    write_expected("onnx_conv1d", expected, source)
    keras2_cnn(os.path.join(OUT, "keras2_cnn.h5"), model)
    write_expected("keras2_cnn", expected, source + " (the same network)")

    helper_fixtures()
    for name in ("onnx_cnn", "onnx_conv1d"):
        m = onnx.load(os.path.join(OUT, name + ".onnx"))
        print(name, [(n.op_type, n.name) for n in m.graph.node])


if __name__ == "__main__":
    main()
