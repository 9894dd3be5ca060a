#!/usr/bin/env python3
"""Trains the course's 0-vs-1 network (784-25-15-1, sigmoid everywhere) in PyTorch on the bundled
MNIST digits and writes its weights as safetensors in nn.Sequential's layout, for
samples/AotPredict, which bakes them into a NativeAOT program at compile time.

    /usr/bin/python3 tools/train_pytorch_digits.py   # needs Debian's python3-torch

Deterministic: a fixed seed, full-batch order from a seeded generator.
"""
import gzip
import os
import struct
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from export_pytorch_fixture import save_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
DATA = os.path.join(ROOT, "samples", "data", "mnist")
OUT = os.path.join(ROOT, "samples", "AotPredict", "pytorch_digits.safetensors")


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return torch.tensor(list(data[16:]), dtype=torch.float32).reshape(count, rows * cols) / 255.0
    return torch.tensor(list(data[8:]), dtype=torch.int64)


def zeros_and_ones(images, labels):
    keep = (labels == 0) | (labels == 1)
    return images[keep], labels[keep].float().unsqueeze(1)


def main():
    torch.manual_seed(42)
    x, y = zeros_and_ones(read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz"))
    x_test, y_test = zeros_and_ones(read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz"))
    model = nn.Sequential(nn.Linear(784, 25), nn.Sigmoid(), nn.Linear(25, 15), nn.Sigmoid(), nn.Linear(15, 1), nn.Sigmoid())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.BCELoss()
    generator = torch.Generator().manual_seed(42)
    for epoch in range(20):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), 32):
            batch = order[start:start + 32]
            optimizer.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        accuracy = ((model(x_test) > 0.5).float() == y_test).float().mean().item()
    print(f"PyTorch test accuracy on {len(x_test)} zeros and ones: {accuracy:.4f}")
    tensors = {name: value.detach().contiguous() for name, value in model.state_dict().items()}
    save_safetensors(tensors, OUT, {"format": "pt", "source": "tools/train_pytorch_digits.py"})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
