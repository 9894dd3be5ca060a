#!/usr/bin/env python3
"""Measures, in PyTorch, the test accuracy of candidate CNNs for the samples/DigitCnn sample (issue #11):
the figures in docs/CNN-REFERENCES.md come from this script.

    /usr/bin/python3 tools/pytorch_cnn_accuracy.py --net issue --seeds 1 2 3            # bundled MNIST digits
    /usr/bin/python3 tools/pytorch_cnn_accuracy.py --net bn --data /usr/share/datasets/fashion-mnist --seeds 1

Settings shared by every run (chosen to match what StaticNet/Keras do by default):
- float32, torch.set_num_threads(1) (the machine is shared; the time per epoch is for one thread);
- pixels scaled to [0, 1], channels-last input of 28x28x1 converted to PyTorch's NCHW;
- Keras-like initialisation: Glorot-uniform kernels (fan_in = in*kh*kw, fan_out = out*kh*kw for
  convolutions, as Keras), zero biases; BatchNormalization with Keras's momentum 0.99 (PyTorch 0.01)
  and epsilon 0.001, gamma 1, beta 0;
- Adam(lr 0.001, betas 0.9/0.999, eps 1e-7: Keras's defaults), batch 32, the training set shuffled
  every epoch by a seeded generator, sparse categorical cross-entropy (softmax output);
- no validation split: all training images are used; the test accuracy is measured after the last epoch
  (and after every epoch, printed, for the learning curve).

Data: --data DIR is any folder with the four standard MNIST-format files (default: the bundled
samples/data/mnist: 10,000 training digits + the official 10,000 test digits).
Each run prints one JSON line (net, seed, epochs, accuracy per epoch, seconds per epoch, parameter count);
--log FILE appends the same lines to FILE.
"""
import argparse
import gzip
import json
import math
import os
import struct
import time

import numpy as np
import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BUNDLED = os.path.join(ROOT, "samples", "data", "mnist")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        pixels = np.frombuffer(data, dtype=np.uint8, offset=16).astype(np.float32) / 255.0
        return torch.from_numpy(pixels.reshape(count, 1, rows, cols).copy())
    if magic == 2049:
        return torch.from_numpy(np.frombuffer(data, dtype=np.uint8, offset=8).astype(np.int64).copy())
    raise ValueError(f"{path}: IDX magic {magic}, expected 2051 (images) or 2049 (labels)")


def load(folder):
    def f(name):
        return read_idx(os.path.join(folder, name))

    return (f("train-images-idx3-ubyte.gz"), f("train-labels-idx1-ubyte.gz"),
            f("t10k-images-idx3-ubyte.gz"), f("t10k-labels-idx1-ubyte.gz"))


def bn(channels):
    # Keras: momentum 0.99 (moving = 0.99*moving + 0.01*batch), epsilon 1e-3.
    return nn.BatchNorm2d(channels, momentum=0.01, eps=1e-3)


# Each factory returns the nn.Sequential; the Keras-style declaration is documented next to it.
NETS = {
    # The network: Conv2D(16,3,relu) MaxPool2 Conv2D(32,3,relu) MaxPool2 Flatten Dense(64,relu)
    # Dropout(0.2) Dense(10,softmax). 56,714 parameters.
    "issue": lambda: nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10)),
    # BatchNormalization between each convolution and its relu (Keras: Conv2D(16, 3) BatchNormalization
    # Activation("relu") ...): needs a separate activation layer or an activation on BatchNormalization.
    "bn": lambda: nn.Sequential(
        nn.Conv2d(1, 16, 3), bn(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), bn(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10)),
    # BatchNormalization after the relu (Conv2D(16,3,relu) BatchNormalization MaxPool2 ...): needs no
    # activation on the BN layer, so it is declarable with the layer list of issue #11 as it stands.
    "bn_after": lambda: nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), bn(16), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), bn(32), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10)),
    # Wider: Conv2D(32,3,relu) MaxPool2 Conv2D(64,3,relu) MaxPool2 Flatten Dense(32,relu) Dropout(0.2)
    # Dense(10). 70,378 parameters.
    "wide": lambda: nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 10)),
}


def keras_init(model, generator):
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            w = module.weight
            receptive = w[0][0].numel() if w.dim() > 2 else 1
            fan_in, fan_out = w.shape[1] * receptive, w.shape[0] * receptive
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            with torch.no_grad():
                w.copy_(torch.rand(w.shape, generator=generator) * 2 * limit - limit)
                module.bias.zero_()


def accuracy(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), 1000):
            correct += (model(x[start:start + 1000]).argmax(1) == y[start:start + 1000]).sum().item()
    model.train()
    return correct / len(x)


def run(net, seed, data, epochs, schedule, batch=32, lr=0.001):
    x, y, x_test, y_test = data
    torch.manual_seed(seed)  # dropout masks
    generator = torch.Generator().manual_seed(seed)
    model = NETS[net]()
    keras_init(model, generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-7)
    steps_per_epoch = math.ceil(len(x) / batch)
    total_steps = steps_per_epoch * epochs
    loss_fn = nn.CrossEntropyLoss()
    history, seconds = [], []
    step = 0
    for epoch in range(epochs):
        start_time = time.perf_counter()
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), batch):
            if schedule == "cosine":  # Keras CosineDecay(lr, total_steps), alpha 0
                for group in optimizer.param_groups:
                    group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))
            index = order[start:start + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
            step += 1
        seconds.append(time.perf_counter() - start_time)
        history.append(accuracy(model, x_test, y_test))
        print(f"  {net} seed {seed} epoch {epoch + 1}: test accuracy {history[-1]:.4f} ({seconds[-1]:.1f} s)", flush=True)
    params = sum(p.numel() for p in model.parameters())
    return {"net": net, "schedule": schedule, "seed": seed, "epochs": epochs, "train": len(x), "test": len(x_test),
            "params": params, "accuracy": history, "final": history[-1],
            "seconds_per_epoch": round(sum(seconds) / len(seconds), 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--net", choices=sorted(NETS), default="issue")
    parser.add_argument("--data", default=BUNDLED)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--schedule", choices=["constant", "cosine"], default="constant")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--log")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load(args.data)
    for seed in args.seeds:
        result = run(args.net, seed, data, args.epochs, args.schedule)
        result["data"] = os.path.relpath(os.path.abspath(args.data), ROOT) if args.data == BUNDLED else args.data
        line = json.dumps(result)
        print(line, flush=True)
        if args.log:
            with open(args.log, "a") as f:
                f.write(line + "\n")


if __name__ == "__main__":
    main()
