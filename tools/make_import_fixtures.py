#!/usr/bin/env python3
"""Writes the model files that tests/StaticNet.Import.Tests imports: small dense digit
classifiers trained here on the bundled MNIST digits, saved as

  ONNX (exported by PyTorch's torch.onnx.export; expected outputs are PyTorch's):
    onnx_gemm.onnx           Flatten, Gemm, Relu, Gemm, Tanh, Gemm, Softmax (input [N, 1, 28, 28])
    onnx_matmul.onnx         Reshape, MatMul + Add (a hand-written x @ W + b), LeakyRelu(0.1), Sigmoid, linear logits
    onnx_external.onnx       Gemm/Sigmoid/Gemm/Softmax with every initializer in onnx_external.onnx.data
                             (onnx.save_model(..., save_as_external_data=True): the ONNX way, location relative to the model)
    onnx_shuffled.onnx       made with onnx.helper: Identity, Dropout, Gemm with
                             alpha/beta/transB = 0 and float_data initializers, MatMul + Add (bias first); the tests
                             compare it with ONNX Runtime for .NET
    onnx_unsupported.onnx    made with onnx.helper: a Gemm followed by Elu, which StaticNet has no activation for
  Keras (written with h5py following Keras's own saving code, see docs/FORMATS.md; expected outputs computed in numpy):
    keras3_model.keras       Keras 3 zip: metadata.json, config.json, model.weights.h5 (Sequential: Dense relu, Dropout, Dense tanh, Dense softmax)
    keras3_dense.weights.h5  Keras 3 model.save_weights layout (Sequential 784-12(sigmoid)-10(softmax); no architecture)
    keras2_model.h5          legacy Keras 2 model.save(...h5): model_config + model_weights (Flatten, Dense sigmoid,
                             LeakyReLU layer, Dense softmax)
  and <name>.expected.json: the indices of the test digits used and the source framework's outputs for them.

    apt-get install -y python3-torch python3-onnx python3-h5py
    /usr/bin/python3 tools/make_import_fixtures.py

Deterministic: fixed seeds; each network trains 2 epochs on the first 6,000 training digits.
"""
import gzip
import io
import json
import os
import struct
import zipfile

import h5py
import numpy as np
import onnx
import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DATA = os.path.join(ROOT, "samples", "data", "mnist")
OUT = os.path.join(ROOT, "tests", "StaticNet.Import.Tests", "Fixtures")
TEST_DIGITS = 32   # the first 32 official test digits (t10k), read by the tests from samples/data/mnist


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data[16:], dtype=np.uint8).reshape(count, rows * cols).astype(np.float32) / np.float32(255.0)
    return np.frombuffer(data[8:], dtype=np.uint8).astype(np.int64)


def train(model, x, y, seed, epochs=2):
    """Adam on cross-entropy (the model's last module is dropped when it is a Softmax)."""
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), 64):
            batch = order[start:start + 64]
            optimizer.zero_grad()
            out = model(x[batch])
            if isinstance(model, nn.Sequential) and isinstance(model[-1], nn.Softmax):
                loss = nn.functional.nll_loss(torch.log(out + 1e-9), y[batch])
            else:
                loss = nn.functional.cross_entropy(out, y[batch])
            loss.backward()
            optimizer.step()
    model.eval()
    return model


def write_expected(name, outputs, source):
    path = os.path.join(OUT, name + ".expected.json")
    rows = [[float(v) for v in row] for row in np.asarray(outputs, dtype=np.float32)]
    with open(path, "w") as f:
        json.dump({"source": source, "test_digits": list(range(TEST_DIGITS)), "outputs": rows}, f)
        f.write("\n")


class ManualDense(nn.Module):
    """x @ W + b with W [in, out]: torch.onnx.export writes MatMul + Add, not Gemm."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_in, n_out) * (2.0 / (n_in + n_out)) ** 0.5)
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


class MatMulNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3 = ManualDense(784, 16), ManualDense(16, 12), ManualDense(12, 10)

    def forward(self, x):
        x = x.reshape(-1, 784)
        x = nn.functional.leaky_relu(self.l1(x), 0.1)
        x = torch.sigmoid(self.l2(x))
        return self.l3(x)


def export_onnx(model, sample, path):
    torch.onnx.export(model, sample, path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                      opset_version=13, do_constant_folding=True)


def onnx_fixtures(x, y, x_test):
    images = torch.from_numpy(x).reshape(-1, 1, 28, 28)
    labels = torch.from_numpy(y)
    test = torch.from_numpy(x_test)

    torch.manual_seed(1)
    gemm = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 12), nn.Tanh(),
                         nn.Linear(12, 10), nn.Softmax(dim=1))
    train(gemm, images, labels, seed=1)
    export_onnx(gemm, images[:2], os.path.join(OUT, "onnx_gemm.onnx"))
    with torch.no_grad():
        write_expected("onnx_gemm", gemm(test.reshape(-1, 1, 28, 28)).numpy(), f"PyTorch {torch.__version__}")

    torch.manual_seed(2)
    matmul = MatMulNet()
    train(matmul, images, labels, seed=2)
    export_onnx(matmul, images[:2], os.path.join(OUT, "onnx_matmul.onnx"))
    with torch.no_grad():
        write_expected("onnx_matmul", matmul(test.reshape(-1, 1, 28, 28)).numpy(), f"PyTorch {torch.__version__}")

    torch.manual_seed(3)
    external = nn.Sequential(nn.Linear(784, 12), nn.Sigmoid(), nn.Linear(12, 10), nn.Softmax(dim=1))
    train(external, torch.from_numpy(x), labels, seed=3)
    path = os.path.join(OUT, "onnx_external.onnx")
    buffer = io.BytesIO()
    export_onnx(external, torch.from_numpy(x[:2]), buffer)
    proto = onnx.load_model_from_string(buffer.getvalue())
    if os.path.exists(path + ".data"):
        os.remove(path + ".data")   # onnx appends to an existing data file
    onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="onnx_external.onnx.data", size_threshold=0)
    with torch.no_grad():
        write_expected("onnx_external", external(test).numpy(), f"PyTorch {torch.__version__}")
    for name in ("onnx_gemm", "onnx_matmul", "onnx_external"):
        onnx.checker.check_model(os.path.join(OUT, name + ".onnx"), full_check=True)


def helper_fixtures():
    """Graphs no exporter writes in this exact form, made with onnx.helper to cover the importer's rules."""
    from onnx import TensorProto, helper
    rng = np.random.default_rng(7)
    w1 = rng.normal(size=(6, 5)).astype(np.float32)    # Gemm B with transB = 0: [in, out]
    b1 = rng.normal(size=(5,)).astype(np.float32)
    w2 = rng.normal(size=(5, 3)).astype(np.float32)    # MatMul B: [in, out]
    b2 = rng.normal(size=(3,)).astype(np.float32)
    inits = [helper.make_tensor("w1", TensorProto.FLOAT, w1.shape, w1.flatten().tolist()),   # float_data
             helper.make_tensor("b1", TensorProto.FLOAT, b1.shape, b1.flatten().tolist()),
             helper.make_tensor("w2", TensorProto.FLOAT, w2.shape, w2.tobytes(), raw=True),  # raw_data
             helper.make_tensor("b2", TensorProto.FLOAT, b2.shape, b2.tobytes(), raw=True)]
    nodes = [helper.make_node("Identity", ["x"], ["x1"], name="id0"),
             helper.make_node("Gemm", ["x1", "w1", "b1"], ["g"], name="gemm0", alpha=0.5, beta=2.0, transB=0),
             helper.make_node("Tanh", ["g"], ["t"], name="tanh0"),
             helper.make_node("Dropout", ["t"], ["d"], name="drop0"),
             helper.make_node("MatMul", ["d", "w2"], ["m"], name="mm1"),
             helper.make_node("Add", ["b2", "m"], ["a"], name="add1"),
             helper.make_node("Softmax", ["a"], ["y"], name="softmax1", axis=-1)]
    graph = helper.make_graph(nodes, "shuffled",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, os.path.join(OUT, "onnx_shuffled.onnx"))

    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["g"], name="dense0", transB=0),
             helper.make_node("Elu", ["g"], ["y"], name="elu0")]
    graph = helper.make_graph(nodes, "unsupported", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 5])], inits[:2])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, os.path.join(OUT, "onnx_unsupported.onnx"))


# ---------------------------------------------------------------- numpy reference

def np_act(name, z, slope=0.2):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "leaky_relu":
        return np.where(z >= 0, z, slope * z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    assert name == "linear"
    return z


def np_forward(x, layers, slope=0.2):
    """layers: (kernel [in, out] as Keras stores it, bias, activation)."""
    a = x.astype(np.float64)
    for kernel, bias, act in layers:
        a = np_act(act, a @ kernel.astype(np.float64) + bias.astype(np.float64), slope)
    return a


def trained_kernels(sizes, activations, x, y, seed):
    """Trains an nn.Sequential in PyTorch and returns Keras-style kernels [in, out] (the transpose of nn.Linear.weight)."""
    torch.manual_seed(seed)
    modules = []
    acts = {"relu": nn.ReLU(), "tanh": nn.Tanh(), "sigmoid": nn.Sigmoid(), "leaky_relu": nn.LeakyReLU(0.3), "linear": None}
    for i, act in enumerate(activations):
        modules.append(nn.Linear(sizes[i], sizes[i + 1]))
        if act != "softmax" and acts[act] is not None:
            modules.append(acts[act])
    model = train(nn.Sequential(*modules), torch.from_numpy(x), torch.from_numpy(y), seed=seed)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return [(l.weight.detach().numpy().T.copy(), l.bias.detach().numpy().copy()) for l in linears]


# ---------------------------------------------------------------- Keras 3

DTYPE_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def keras3_dense_config(name, units, activation, n_in):
    return {"module": "keras.layers", "class_name": "Dense",
            "config": {"name": name, "trainable": True, "dtype": DTYPE_POLICY, "units": units, "activation": activation,
                       "use_bias": True,
                       "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}, "registered_name": None},
                       "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
                       "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None},
            "registered_name": None, "build_config": {"input_shape": [None, n_in]}}


def keras3_weights_h5(target, dense_layers, other_layers=()):
    """The H5IOStore layout of keras/src/saving/saving_lib.py (Keras 3.x): the model's own (empty) "vars",
    then "layers/<snake_case class name, numbered>/vars/<i>" with the layer's variables in order
    (Dense: "0" kernel [in, out], "1" bias); layers without variables get an empty vars group."""
    with h5py.File(target, "w") as f:
        f.create_group("vars").attrs["name"] = "sequential"
        layers = f.create_group("layers")
        for name, kernel, bias in dense_layers:
            v = layers.create_group(name).create_group("vars")
            v.attrs["name"] = name
            v.create_dataset("0", data=kernel.astype(np.float32))
            v.create_dataset("1", data=bias.astype(np.float32))
        for name in other_layers:
            layers.create_group(name).create_group("vars").attrs["name"] = name


def keras3_fixtures(x, y, x_test):
    k = trained_kernels([784, 16, 12, 10], ["relu", "tanh", "softmax"], x, y, seed=4)
    config = {"module": "keras", "class_name": "Sequential",
              "config": {"name": "sequential", "trainable": True, "dtype": DTYPE_POLICY,
                         "layers": [
                             {"module": "keras.layers", "class_name": "InputLayer",
                              "config": {"batch_shape": [None, 784], "dtype": "float32", "sparse": False, "ragged": False, "name": "input_layer"},
                              "registered_name": None},
                             keras3_dense_config("dense", 16, "relu", 784),
                             {"module": "keras.layers", "class_name": "Dropout",
                              "config": {"name": "dropout", "trainable": True, "dtype": DTYPE_POLICY, "rate": 0.2, "seed": None, "noise_shape": None},
                              "registered_name": None, "build_config": {"input_shape": [None, 16]}},
                             keras3_dense_config("dense_1", 12, "tanh", 16),
                             keras3_dense_config("dense_2", 10, "softmax", 12)],
                         "build_input_shape": [None, 784]},
              "registered_name": None, "build_config": {"input_shape": [None, 784]}, "compile_config": None}
    weights = io.BytesIO()
    keras3_weights_h5(weights, [("dense", *k[0]), ("dense_1", *k[1]), ("dense_2", *k[2])], other_layers=["dropout"])
    path = os.path.join(OUT, "keras3_model.keras")
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in (("metadata.json", json.dumps({"keras_version": "3.16.0", "date_saved": "2026-01-01@00:00:00"})),
                           ("config.json", json.dumps(config)), ("model.weights.h5", weights.getvalue())):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)   # fixed times: same bytes every run
    write_expected("keras3_model", np_forward(x_test, [(k[0][0], k[0][1], "relu"), (k[1][0], k[1][1], "tanh"),
                                                      (k[2][0], k[2][1], "softmax")]), "numpy (Keras semantics)")

    k = trained_kernels([784, 12, 10], ["sigmoid", "softmax"], x, y, seed=5)
    keras3_weights_h5(os.path.join(OUT, "keras3_dense.weights.h5"), [("dense", *k[0]), ("dense_1", *k[1])])
    write_expected("keras3_dense.weights", np_forward(x_test, [(k[0][0], k[0][1], "sigmoid"), (k[1][0], k[1][1], "softmax")]),
                   "numpy (Keras semantics)")


# ---------------------------------------------------------------- Keras 2 (legacy HDF5)

def keras2_fixture(x, y, x_test):
    """keras/src/legacy/saving/legacy_h5_format.py (save_model_to_hdf5, save_weights_to_hdf5_group) with
    Keras 2.x names: root attributes keras_version, backend, model_config (JSON); group model_weights with
    attribute layer_names; one group per layer (sorted by name) with attribute weight_names
    ("dense/kernel:0", "dense/bias:0") and those datasets under it."""
    k = trained_kernels([784, 16, 10], ["leaky_relu", "softmax"], x, y, seed=6)
    layers = [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 28, 28], "dtype": "float32", "sparse": False, "ragged": False, "name": "flatten_input"}},
        {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True, "dtype": "float32", "batch_input_shape": [None, 28, 28], "data_format": "channels_last"}},
        {"class_name": "Dense", "config": {"name": "dense", "trainable": True, "dtype": "float32", "units": 16, "activation": "linear", "use_bias": True,
                                           "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
                                           "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}},
        {"class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "trainable": True, "dtype": "float32", "alpha": 0.30000001192092896}},
        {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "dtype": "float32", "units": 10, "activation": "softmax", "use_bias": True,
                                           "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
                                           "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}},
    ]
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}
    path = os.path.join(OUT, "keras2_model.h5")
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.12.0"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        mw = f.create_group("model_weights")
        names = ["flatten", "dense", "leaky_re_lu", "dense_1"]   # model.layers (no InputLayer in a Sequential)
        mw.attrs["layer_names"] = np.array([n.encode("utf8") for n in names])
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"2.12.0"
        weights = {"dense": k[0], "dense_1": k[1]}
        for name in sorted(names):
            g = mw.create_group(name)
            if name in weights:
                kernel, bias = weights[name]
                g.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
                g.create_dataset(f"{name}/kernel:0", data=kernel.astype(np.float32))
                g.create_dataset(f"{name}/bias:0", data=bias.astype(np.float32))
            else:
                g.attrs["weight_names"] = np.array([], dtype="S1")
    # LeakyReLU's alpha is stored as a float32 in Keras 2 (0.30000001192092896 in the JSON).
    slope = float(np.float32(0.3))
    write_expected("keras2_model", np_forward(x_test, [(k[0][0], k[0][1], "leaky_relu"), (k[1][0], k[1][1], "softmax")], slope),
                   "numpy (Keras semantics)")


def main():
    os.makedirs(OUT, exist_ok=True)
    x = read_idx("train-images-idx3-ubyte.gz")[:6000]
    y = read_idx("train-labels-idx1-ubyte.gz")[:6000]
    x_test = read_idx("t10k-images-idx3-ubyte.gz")[:TEST_DIGITS]
    onnx_fixtures(x, y, x_test)
    helper_fixtures()
    keras3_fixtures(x, y, x_test)
    keras2_fixture(x, y, x_test)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
