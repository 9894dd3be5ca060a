#!/usr/bin/env python3
"""Writes the PyTorch CNN fixture that tests/StaticNet.Tests/Interop/CnnSafetensorsTests.cs checks StaticNet against.

A tiny CNN in eval mode (fixed seed; BatchNorm statistics and affine parameters set to random values so that
they matter), written into tests/StaticNet.Tests/Fixtures/:

  pytorch_cnn.safetensors     the model's state_dict as safetensors.torch.save_file writes it: "0.weight"
                              [4, 2, 3, 3], "0.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var",
                              "2.num_batches_tracked" (I64, a scalar), "5.weight" [3, 16], "5.bias"
  pytorch_cnn_io.safetensors  "input" [5, 6, 6, 2] (channels last, NHWC, as StaticNet takes it) and
                              "output" [5, 3]: PyTorch's forward pass on the same values (fed as NCHW)

  nn.Sequential(Conv2d(2, 4, 3), ReLU(), BatchNorm2d(4), MaxPool2d(2), Flatten(), Linear(16, 3))

is StaticNet's

  [Sequential(6, 6, 2)] [Conv2D(4, 3, Activation = Activation.Relu)] [BatchNormalization(Epsilon = 1e-5f)]
  [MaxPooling2D(2)] [Flatten] [Dense(3)]

(module indices 0, 1 ReLU, 2, 3, 4, 5). The Linear layer reads PyTorch's (c, h, w) flattening; StaticNet permutes
its columns on load. Needs PyTorch (/usr/bin/python3 with python3-torch). The safetensors package is used when it
is installed; otherwise the file is written by hand in the same bytes (tensors sorted by name, the JSON header
padded with spaces to a multiple of 8). The fixtures are committed: the tests do not need PyTorch.

  /usr/bin/python3 tools/make_cnn_safetensors_fixture.py [--out DIR]
"""

import argparse
import json
import os
import struct

import torch
from torch import nn

DTYPES = {torch.float32: ("F32", 4), torch.int64: ("I64", 8)}


def save_safetensors(tensors, path, metadata=None):
    """safetensors.torch.save_file, or the same bytes written by hand when the package is missing."""
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
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
    offset = 0
    blobs = []
    for name in sorted(tensors):   # the reference implementation orders by dtype alignment, then name; all here are 4 or 8 bytes
        t = tensors[name]
        dtype, size = DTYPES[t.dtype]
        data = t.numpy().astype("<f4" if dtype == "F32" else "<i8").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "StaticNet.Tests", "Fixtures"))
    args = parser.parse_args()

    torch.manual_seed(31)
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.BatchNorm2d(4), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 3))
    with torch.no_grad():
        bn = model[2]
        bn.weight.copy_(torch.rand(4) + 0.5)
        bn.bias.copy_(torch.randn(4) * 0.3)
        bn.running_mean.copy_(torch.randn(4) * 0.2)
        bn.running_var.copy_(torch.rand(4) + 0.3)
        bn.num_batches_tracked.fill_(17)
    model.eval()

    x_nhwc = torch.randn(5, 6, 6, 2)
    with torch.no_grad():
        y = model(x_nhwc.permute(0, 3, 1, 2).contiguous())   # PyTorch takes NCHW

    state = model.state_dict()
    assert state["2.num_batches_tracked"].dtype == torch.int64
    save_safetensors(state, os.path.join(args.out, "pytorch_cnn.safetensors"), metadata={"format": "pt"})
    save_safetensors({"input": x_nhwc, "output": y}, os.path.join(args.out, "pytorch_cnn_io.safetensors"))
    print("state_dict:", {k: list(v.shape) for k, v in state.items()})
    print("outputs:", y)


if __name__ == "__main__":
    main()
