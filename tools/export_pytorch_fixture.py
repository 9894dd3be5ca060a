#!/usr/bin/env python3
"""Writes the PyTorch fixtures that tests/StaticNet.Tests/Interop checks StaticNet against.

For each small nn.Sequential below (fixed seed) it writes, into tests/StaticNet.Tests/Fixtures/:

  pytorch_<name>.safetensors     the model's state_dict ("0.weight", "0.bias", ...), as
                                 safetensors.torch.save_file writes it (metadata {"format": "pt"})
  pytorch_<name>_io.safetensors  "input" [16, inputs] and "output" [16, outputs]: PyTorch's
                                 forward pass on that batch, in float32

Needs PyTorch (Debian: apt-get install -y python3-torch, then run with /usr/bin/python3). The
`safetensors` package is used when it is installed; otherwise the file is written by hand below,
byte for byte as the reference implementation does (tensors sorted by name, all F32, the JSON
header padded with spaces to a multiple of 8 bytes). The fixtures are committed: tests and CI do
not need PyTorch. Run again only to change the fixtures:

  /usr/bin/python3 tools/export_pytorch_fixture.py [--out DIR]
"""

import argparse
import json
import os
import struct
import sys

import torch
from torch import nn

BATCH = 16

# name -> (seed, module factory, StaticNet declaration the tests use)
NETWORKS = {
    # relu and tanh hidden layers, softmax output: Linear modules at 0, 2, 4.
    "relu_tanh_softmax": (
        1234,
        lambda: nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Linear(10, 8), nn.Tanh(), nn.Linear(8, 3), nn.Softmax(dim=1)),
        "[Network(6, 10, 8, 3, Activations = new[] { Activation.Relu, Activation.Tanh, Activation.Softmax })]",
    ),
    # sigmoid and leaky relu (slope 0.2, Keras's default and StaticNet's) hidden layers, linear output: 0, 2, 4.
    "sigmoid_leaky_linear": (
        2024,
        lambda: nn.Sequential(nn.Linear(5, 7), nn.Sigmoid(), nn.Linear(7, 6), nn.LeakyReLU(negative_slope=0.2), nn.Linear(6, 2)),
        "[Network(5, 7, 6, 2, Activations = new[] { Activation.Sigmoid, Activation.LeakyRelu, Activation.Linear })]",
    ),
    # a linear hidden layer has no activation module after it: Linear modules at 0, 1, 3.
    "linear_tanh_sigmoid": (
        7,
        lambda: nn.Sequential(nn.Linear(4, 6), nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 1), nn.Sigmoid()),
        "[Network(4, 6, 5, 1, Activations = new[] { Activation.Linear, Activation.Tanh, Activation.Sigmoid })]",
    ),
}


def save_safetensors(tensors, path, metadata=None):
    """safetensors.torch.save_file, or the same bytes written by hand when the package is missing."""
    tensors = {k: v.detach().to(torch.float32).contiguous().cpu() for k, v in tensors.items()}
    try:
        from safetensors.torch import save_file
    except ImportError:
        save_file = None
    if save_file is not None:
        save_file(tensors, path, metadata=metadata)
        return
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):  # one dtype: the reference orders by alignment, then name
        data = tensors[name].numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(here, "..", "tests", "StaticNet.Tests", "Fixtures"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    for name, (seed, build, declaration) in NETWORKS.items():
        torch.manual_seed(seed)
        model = build().eval()
        x = torch.randn(BATCH, model[0].in_features) * 2.0  # wide enough to reach both sides of every activation
        with torch.no_grad():
            y = model(x)
        weights_path = os.path.join(args.out, f"pytorch_{name}.safetensors")
        io_path = os.path.join(args.out, f"pytorch_{name}_io.safetensors")
        save_safetensors(model.state_dict(), weights_path, metadata={"format": "pt"})
        save_safetensors({"input": x, "output": y}, io_path,
                         metadata={"format": "pt", "torch": torch.__version__, "module": repr(model).replace("\n", " ")})
        print(f"{name}: {declaration}")
        print(f"  {os.path.relpath(weights_path)} ({os.path.getsize(weights_path)} bytes): "
              + ", ".join(f"{k} {list(v.shape)}" for k, v in model.state_dict().items()))
        print(f"  {os.path.relpath(io_path)} ({os.path.getsize(io_path)} bytes): input {list(x.shape)}, output {list(y.shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
