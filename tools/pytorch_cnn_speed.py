#!/usr/bin/python3
"""Seconds per training epoch of the DigitCnn network in PyTorch on one thread (the peer of the
benchmarks' `-- --cnn` mode): the 10,000 bundled digits, Adam(0.001), batch 32, shuffled, after one
warm-up epoch. Prints the torch version on the first line and the median of 3 epochs on the last.

    /usr/bin/python3 tools/pytorch_cnn_speed.py samples/data/mnist
"""
import gzip, os, struct, sys, time
import numpy as np
import torch
from torch import nn


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(directory, stem):
    for name in os.listdir(directory):
        if name.startswith(stem):
            return os.path.join(directory, name)
    raise FileNotFoundError(stem)


def main():
    torch.set_num_threads(1)
    directory = sys.argv[1] if len(sys.argv) > 1 else "samples/data/mnist"
    x = torch.tensor(idx(find(directory, "train-images")).astype(np.float32) / 255).reshape(-1, 1, 28, 28)
    y = torch.tensor(idx(find(directory, "train-labels")).astype(np.int64))
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    loss = nn.CrossEntropyLoss()
    times = []
    for epoch in range(4):
        start = time.perf_counter()
        order = torch.randperm(len(y))
        for i in range(0, len(y), 32):
            rows = order[i:i + 32]
            optimizer.zero_grad()
            loss(model(x[rows]), y[rows]).backward()
            optimizer.step()
        if epoch > 0:
            times.append(time.perf_counter() - start)
    print(f"torch {torch.__version__}")
    print(f"seconds per epoch {sorted(times)[1]:.3f}")


if __name__ == "__main__":
    main()
