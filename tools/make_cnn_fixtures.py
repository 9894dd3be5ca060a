#!/usr/bin/env python3
"""Writes the convolutional-network training fixtures of issue #11 (loss trajectories against PyTorch)
into tests/StaticNet.Tests/Fixtures/cnn/:

    /usr/bin/python3 tools/make_cnn_fixtures.py [--out DIR]     # Debian's python3-torch and numpy

Two small networks, each trained full-batch with Adam in float64 (the reference), from float32 values:

cnn_trajectory_*     input (12, 12, 2) channels-last, 24 samples, labels 0..2 (8 each):
                     Conv2D(4, 3, relu) -> BatchNormalization(momentum 0.99, epsilon 0.001)
                     -> MaxPooling2D(2) -> Conv2D(6, 3, strides 2, padding 'same', tanh)
                     -> AveragePooling2D(2, strides 1) -> Flatten -> Dense(8, sigmoid) -> Dense(3, softmax),
                     sparse categorical cross-entropy (mean over the batch), Adam(0.005), 50 steps.
conv1d_trajectory_*  input (16, 3) channels-last (steps, channels), 16 samples, labels 0/1 (8 each):
                     Conv1D(5, 3, padding 'same', relu) -> MaxPooling1D(2) -> Conv1D(4, 3, strides 2, linear)
                     -> GlobalAveragePooling1D -> Dense(1, sigmoid), binary cross-entropy, Adam(0.005), 30 steps.

Files per network (prefix P):
  P_init_pytorch.safetensors  the float32 initial weights in PyTorch layout and names (nn.Sequential indices:
                              "0.weight" [out, in, kh, kw] / Conv1d [out, in, k], "2.running_mean", Linear
                              "[k].weight" [out, in] whose inputs follow PyTorch's channels-FIRST flatten order)
  P_init_keras.safetensors    the same float32 values in Keras layout and names ("conv2d/kernel" [kh, kw, in, out],
                              Conv1D [k, in, out], "batch_normalization/gamma|beta|moving_mean|moving_variance",
                              "dense/kernel" [in, out] with inputs in channels-LAST flatten order (h, w, c))
  P_data.safetensors          "x" float32 [count, H, W, C] (Conv1D: [count, steps, channels]), "y" float32 [count]
  P_grad0_keras.safetensors   the gradients of the loss at the initial weights (training mode), Keras layout,
                              float32-rounded from the float64 reference: a check of the backward pass alone
  P_final_keras.safetensors   the float64 reference's weights after the last step, float32-rounded, Keras layout
  P.json                      config, "losses": the loss at the weights before each update (float64), "final_loss"
                              (after the last update), "final_moving_mean"/"final_moving_variance" (BatchNormalization),
                              "predictions" (the final weights in inference mode on the training inputs)

How the reference is made, and why it is trustworthy:
- The initial weights and the inputs are drawn (fixed seeds), rounded to float32, written, and the reference
  starts from exactly those rounded values cast to float64: the C# side loads the files and starts from the
  identical point.
- Forward/backward: PyTorch float64 autograd on NCHW tensors. The first step's gradients are checked against
  central finite differences in float64 (every parameter); the script prints the largest relative error
  and fails above 1e-6.
- Layout: the Keras-layout tensors are checked by an independent channels-last forward pass written in numpy
  (the index convention of docs/KERNELS: (y*W + x)*C + c; 'same' padding by Keras's rule), which must give the
  same loss and outputs as the PyTorch model, in training and inference mode, at the initial and final weights.
- Optimizer: NOT torch.optim.Adam. The update is StaticNet's (src/StaticNet/Optimizers/Adam.cs, Keras's form):
  with t the step number, alpha = lr*sqrt(1-beta2^t)/(1-beta1^t); m += (g-m)(1-beta1); v += (g^2-v)(1-beta2);
  w -= alpha*m/(sqrt(v)+eps), eps = 1e-7 (Keras's default). (torch.optim.Adam puts eps on sqrt(v_hat), which
  differs.) The hyperparameters are the float32 values StaticNet holds (0.005f, 0.9f, 0.999f, 1e-7f) cast to double.
- BatchNormalization, training mode: normalizes with the batch mean and the BIASED batch variance over (n, h, w);
  the moving statistics follow Keras: moving = momentum*moving + (1-momentum)*batch_statistic with momentum 0.99
  and the biased variance (PyTorch's running_var uses the unbiased one: not used here). Inference mode:
  (x - moving_mean)/sqrt(moving_variance + epsilon)*gamma + beta.
- Losses: the probabilities stay inside [1e-6, 1-1e-6] all along (asserted), so Keras's clipping at 1e-7 does not
  matter.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_pytorch_fixture import save_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)

F32 = lambda v: float(np.float32(v))  # noqa: E731  the float32 value StaticNet holds, as a double
ADAM = {"learning_rate": F32(0.005), "beta_1": F32(0.9), "beta_2": F32(0.999), "epsilon": F32(1e-7)}
BN_MOMENTUM, BN_EPSILON = F32(0.99), F32(0.001)


def keras_same(size, kernel, stride):
    """Keras's 'same' geometry: (out, pad_before, pad_after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def glorot(shape, fan_in, fan_out, g):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return (torch.rand(shape, generator=g) * 2 - 1) * limit


def uniform(shape, low, high, g):
    return torch.rand(shape, generator=g) * (high - low) + low


def f32(t):
    """Rounded to float32, back to float64: the values that are written and that the reference starts from."""
    return t.to(torch.float32).to(torch.float64)


# ---------------------------------------------------------------------------------------------------------------
# The 2-D network. PyTorch names follow nn.Sequential(Conv2d, ReLU, BatchNorm2d, MaxPool2d, Conv2d, Tanh,
# AvgPool2d, Flatten, Linear, Sigmoid, Linear): module indices 0, 2, 4, 8, 10.

CNN = {"prefix": "cnn_trajectory", "count": 24, "classes": 3, "steps": 50, "H": 12, "W": 12, "C": 2}
_, PAD_T, PAD_B = keras_same(5, 3, 2)
assert (PAD_T, PAD_B) == (1, 1), "Keras 'same' for 5 -> 3 with k 3, s 2 pads 1 and 1 (symmetric: PyTorch padding=1)"


def cnn_sequential():
    """The PyTorch module list the names and layouts refer to (used to check the functional forward below)."""
    return nn.Sequential(
        nn.Conv2d(2, 4, 3), nn.ReLU(), nn.BatchNorm2d(4, momentum=1 - BN_MOMENTUM, eps=BN_EPSILON), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2, padding=PAD_T), nn.Tanh(), nn.AvgPool2d(2, stride=1), nn.Flatten(),
        nn.Linear(24, 8), nn.Sigmoid(), nn.Linear(8, 3))


def cnn_init(g):
    p = {}
    p["0.weight"] = glorot((4, 2, 3, 3), 2 * 9, 4 * 9, g)
    p["0.bias"] = uniform((4,), -0.1, 0.1, g)
    p["2.weight"] = uniform((4,), 0.5, 1.5, g)
    p["2.bias"] = uniform((4,), -0.2, 0.2, g)
    p["2.running_mean"] = uniform((4,), -0.1, 0.1, g)   # non-trivial, to check loading; training mode ignores them
    p["2.running_var"] = uniform((4,), 0.5, 1.5, g)
    p["4.weight"] = glorot((6, 4, 3, 3), 4 * 9, 6 * 9, g)
    p["4.bias"] = uniform((6,), -0.1, 0.1, g)
    p["8.weight"] = glorot((8, 24), 24, 8, g)
    p["8.bias"] = uniform((8,), -0.1, 0.1, g)
    p["10.weight"] = glorot((3, 8), 8, 3, g)
    p["10.bias"] = uniform((3,), -0.1, 0.1, g)
    return p


def cnn_forward(p, x_nchw, training):
    """Returns (logits, {bn name: (batch mean, biased batch variance)})."""
    stats = {}
    h = F.relu(F.conv2d(x_nchw, p["0.weight"], p["0.bias"]))
    if training:
        mean = h.mean(dim=(0, 2, 3))
        var = h.var(dim=(0, 2, 3), unbiased=False)
        stats["2"] = (mean.detach(), var.detach())
    else:
        mean, var = p["2.running_mean"], p["2.running_var"]
    h = (h - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + BN_EPSILON)
    h = h * p["2.weight"][None, :, None, None] + p["2.bias"][None, :, None, None]
    h = F.max_pool2d(h, 2)
    h = torch.tanh(F.conv2d(h, p["4.weight"], p["4.bias"], stride=2, padding=PAD_T))
    h = F.avg_pool2d(h, 2, stride=1)
    h = h.flatten(1)  # channels-first order (c, h, w)
    h = torch.sigmoid(F.linear(h, p["8.weight"], p["8.bias"]))
    return F.linear(h, p["10.weight"], p["10.bias"]), stats


def cnn_loss(logits, y):
    probabilities = torch.softmax(logits, 1)
    assert probabilities.min() > 1e-6 and probabilities.max() < 1 - 1e-6, "clipping would matter"
    return F.cross_entropy(logits, y.long()), probabilities


def dense_to_keras(w, channels, height, width):
    """Linear [out, C*H*W] (inputs in c, h, w order) -> Keras Dense kernel [H*W*C, out] (inputs in h, w, c order)."""
    out = w.shape[0]
    return w.reshape(out, channels, height, width).permute(2, 3, 1, 0).reshape(height * width * channels, out)


def cnn_to_keras(p):
    return {
        "conv2d/kernel": p["0.weight"].permute(2, 3, 1, 0), "conv2d/bias": p["0.bias"],
        "batch_normalization/gamma": p["2.weight"], "batch_normalization/beta": p["2.bias"],
        "batch_normalization/moving_mean": p["2.running_mean"],
        "batch_normalization/moving_variance": p["2.running_var"],
        "conv2d_1/kernel": p["4.weight"].permute(2, 3, 1, 0), "conv2d_1/bias": p["4.bias"],
        "dense/kernel": dense_to_keras(p["8.weight"], 6, 2, 2), "dense/bias": p["8.bias"],
        "dense_1/kernel": p["10.weight"].t(), "dense_1/bias": p["10.bias"],
    }


# ---------------------------------------------------------------------------------------------------------------
# An independent channels-last forward in numpy from the Keras-layout tensors (checks the layout conversions).

def np_conv(x, kernel, bias, stride, pad_top, pad_left, out_h, out_w):
    """x [N, H, W, C], kernel [kh, kw, in, out]; zeros outside the input."""
    n, h, w, _ = x.shape
    kh, kw = kernel.shape[:2]
    need_h, need_w = (out_h - 1) * stride + kh, (out_w - 1) * stride + kw
    padded = np.zeros((n, max(need_h, h + pad_top), max(need_w, w + pad_left), x.shape[3]))
    padded[:, pad_top:pad_top + h, pad_left:pad_left + w, :] = x
    out = np.zeros((n, out_h, out_w, kernel.shape[3])) + bias
    for ky in range(kh):
        for kx in range(kw):
            window = padded[:, ky:ky + (out_h - 1) * stride + 1:stride, kx:kx + (out_w - 1) * stride + 1:stride, :]
            out += np.einsum("nhwc,co->nhwo", window, kernel[ky, kx])
    return out


def np_pool(x, size, stride, reduce):
    n, h, w, c = x.shape
    oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    windows = np.stack([x[:, y * stride:y * stride + size, z * stride:z * stride + size, :].reshape(n, size * size, c)
                        for y in range(oh) for z in range(ow)], 1)
    return reduce(windows, axis=2).reshape(n, oh, ow, c)


def np_bn(x, k, name, training):
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes) if training else k[name + "/moving_mean"]
    var = x.var(axis=axes) if training else k[name + "/moving_variance"]
    return (x - mean) / np.sqrt(var + BN_EPSILON) * k[name + "/gamma"] + k[name + "/beta"]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_cnn_forward(k, x, training):
    """x [N, 12, 12, 2] channels-last; returns the softmax probabilities."""
    h = np.maximum(np_conv(x, k["conv2d/kernel"], k["conv2d/bias"], 1, 0, 0, 10, 10), 0)
    h = np_bn(h, k, "batch_normalization", training)
    h = np_pool(h, 2, 2, np.max)
    out, pad_top, _ = keras_same(5, 3, 2)
    h = np.tanh(np_conv(h, k["conv2d_1/kernel"], k["conv2d_1/bias"], 2, pad_top, pad_top, out, out))
    h = np_pool(h, 2, 1, np.mean)
    h = h.reshape(len(h), -1)  # channels-last order (h, w, c)
    h = sigmoid(h @ k["dense/kernel"] + k["dense/bias"])
    z = h @ k["dense_1/kernel"] + k["dense_1/bias"]
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


# ---------------------------------------------------------------------------------------------------------------
# The 1-D network: nn.Sequential(Conv1d, ReLU, MaxPool1d, Conv1d, AdaptiveAvgPool1d(1), Flatten, Linear, Sigmoid):
# module indices 0, 3, 6.

CONV1D = {"prefix": "conv1d_trajectory", "count": 16, "classes": 2, "steps": 30, "L": 16, "C": 3}
_, PAD1_L, PAD1_R = keras_same(16, 3, 1)
assert (PAD1_L, PAD1_R) == (1, 1)


def conv1d_sequential():
    return nn.Sequential(nn.Conv1d(3, 5, 3, padding=PAD1_L), nn.ReLU(), nn.MaxPool1d(2), nn.Conv1d(5, 4, 3, stride=2),
                         nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(4, 1), nn.Sigmoid())


def conv1d_init(g):
    return {
        "0.weight": glorot((5, 3, 3), 3 * 3, 5 * 3, g), "0.bias": uniform((5,), -0.1, 0.1, g),
        "3.weight": glorot((4, 5, 3), 5 * 3, 4 * 3, g), "3.bias": uniform((4,), -0.1, 0.1, g),
        "6.weight": glorot((1, 4), 4, 1, g), "6.bias": uniform((1,), -0.1, 0.1, g),
    }


def conv1d_forward(p, x_ncl, training):
    h = F.relu(F.conv1d(x_ncl, p["0.weight"], p["0.bias"], padding=PAD1_L))
    h = F.max_pool1d(h, 2)
    h = F.conv1d(h, p["3.weight"], p["3.bias"], stride=2)
    h = h.mean(dim=2)
    return F.linear(h, p["6.weight"], p["6.bias"]).squeeze(1), {}


def conv1d_loss(logits, y):
    probabilities = torch.sigmoid(logits)
    assert probabilities.min() > 1e-6 and probabilities.max() < 1 - 1e-6, "clipping would matter"
    return F.binary_cross_entropy(probabilities, y), probabilities.unsqueeze(1)


def conv1d_to_keras(p):
    return {
        "conv1d/kernel": p["0.weight"].permute(2, 1, 0), "conv1d/bias": p["0.bias"],
        "conv1d_1/kernel": p["3.weight"].permute(2, 1, 0), "conv1d_1/bias": p["3.bias"],
        "dense/kernel": p["6.weight"].t(), "dense/bias": p["6.bias"],
    }


def np_conv1d_forward(k, x, training):
    """x [N, 16, 3] channels-last, run as height-1 2-D layers (as the C# kernels do)."""
    x = x[:, None, :, :]
    h = np.maximum(np_conv(x, k["conv1d/kernel"][None], k["conv1d/bias"], 1, 0, PAD1_L, 1, 16), 0)
    h = np.max(h.reshape(len(h), 1, 8, 2, 5), axis=3)  # MaxPooling1D(2): pool 1x2, stride 1x2
    h = np_conv(h, k["conv1d_1/kernel"][None], k["conv1d_1/bias"], 2, 0, 0, 1, 3)  # valid: (8 - 3) // 2 + 1 = 3
    h = h.mean(axis=(1, 2))
    return sigmoid(h @ k["dense/kernel"] + k["dense/bias"])


# ---------------------------------------------------------------------------------------------------------------

def finite_difference_check(spec, p, x, y):
    """Central differences in float64 of the training-mode loss against autograd, every parameter."""
    trainable = [n for n in p if "running" not in n]
    q = {n: v.clone().requires_grad_(n in trainable) for n, v in p.items()}
    loss, _ = spec["loss"](spec["forward"](q, x, True)[0], y)
    grads = torch.autograd.grad(loss, [q[n] for n in trainable])
    worst, h = 0.0, 1e-5
    with torch.no_grad():
        for name, grad in zip(trainable, grads):
            flat = p[name].reshape(-1)
            for i in range(flat.numel()):
                saved = flat[i].item()
                flat[i] = saved + h
                up = spec["loss"](spec["forward"](p, x, True)[0], y)[0].item()
                flat[i] = saved - h
                down = spec["loss"](spec["forward"](p, x, True)[0], y)[0].item()
                flat[i] = saved
                numeric, analytic = (up - down) / (2 * h), grad.reshape(-1)[i].item()
                error = abs(numeric - analytic) / max(abs(analytic), abs(numeric), 1e-7)
                if error > worst:
                    worst, where = error, f"{name}[{i}]: autograd {analytic:.9e}, finite differences {numeric:.9e}"
    print(f"  worst: {where}")
    return worst, {n: g.detach() for n, g in zip(trainable, grads)}


def check_layout(spec, p, x_channels_last, x, y, label):
    """The numpy channels-last forward on the Keras tensors equals the PyTorch forward (both modes), and
    nn.Sequential with the PyTorch tensors equals the functional forward (inference mode)."""
    keras = {n: v.detach().numpy() for n, v in spec["to_keras"](p).items()}
    worst = 0.0
    for training in (True, False):
        expected = spec["loss"](spec["forward"](p, x, training)[0], y)[1].detach().numpy()
        actual = spec["np_forward"](keras, x_channels_last.numpy(), training)
        worst = max(worst, float(np.abs(actual - expected).max()))
    module = spec["sequential"]().to(torch.float64).eval()
    module.load_state_dict({n: v.detach() for n, v in p.items()}, strict=False)
    out = module(x)
    out = out.squeeze(1) if out.dim() == 2 and out.shape[1] == 1 else out
    functional = spec["forward"](p, x, False)[0]
    if spec["classes"] == 2:
        functional = torch.sigmoid(functional)
    worst = max(worst, float((out - functional).abs().max()))
    print(f"  layout check ({label}): numpy channels-last vs PyTorch, nn.Sequential vs functional: max |diff| {worst:.2e}")
    assert worst < 1e-12, f"layout check failed ({label}): {worst}"


def train(spec, p, x, y):
    """Full-batch training with StaticNet's Adam and Keras's moving statistics; float64."""
    trainable = [n for n in p if "running" not in n]
    m = {n: torch.zeros_like(p[n]) for n in trainable}
    v = {n: torch.zeros_like(p[n]) for n in trainable}
    lr, b1, b2, eps = ADAM["learning_rate"], ADAM["beta_1"], ADAM["beta_2"], ADAM["epsilon"]
    losses = []
    for t in range(1, spec["steps"] + 1):
        q = {n: p[n].clone().requires_grad_(n in trainable) for n in p}
        logits, stats = spec["forward"](q, x, True)
        loss, _ = spec["loss"](logits, y)
        losses.append(loss.item())
        grads = torch.autograd.grad(loss, [q[n] for n in trainable])
        with torch.no_grad():
            for bn, (mean, var) in stats.items():
                p[bn + ".running_mean"] = BN_MOMENTUM * p[bn + ".running_mean"] + (1 - BN_MOMENTUM) * mean
                p[bn + ".running_var"] = BN_MOMENTUM * p[bn + ".running_var"] + (1 - BN_MOMENTUM) * var
            alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            for n, g in zip(trainable, grads):
                m[n] += (g - m[n]) * (1 - b1)
                v[n] += (g * g - v[n]) * (1 - b2)
                p[n] = p[n] - alpha * m[n] / (torch.sqrt(v[n]) + eps)
    return losses


def make(spec, out_dir, seed):
    prefix = spec["prefix"]
    print(f"{prefix}:")
    g = torch.Generator().manual_seed(seed)
    p = {n: f32(v) for n, v in spec["init"](g).items()}
    count = spec["count"]
    if "H" in spec:
        x_cl = f32(uniform((count, spec["H"], spec["W"], spec["C"]), -1, 1, g))
        x = x_cl.permute(0, 3, 1, 2).contiguous()
    else:
        x_cl = f32(uniform((count, spec["L"], spec["C"]), -1, 1, g))
        x = x_cl.permute(0, 2, 1).contiguous()
    labels = torch.arange(count) % spec["classes"]
    y = labels[torch.randperm(count, generator=g)].to(torch.float64)

    check_layout(spec, p, x_cl, x, y, "initial weights")
    worst, grad0 = finite_difference_check(spec, {n: v.clone() for n, v in p.items()}, x, y)
    print(f"  finite differences vs autograd at the initial weights: max relative error {worst:.2e}")
    assert worst < 1e-6, f"finite-difference check failed: {worst}"

    init = {n: v.clone() for n, v in p.items()}
    # The same training in float32 arithmetic (what StaticNet does): how far float32 drifts from the reference
    # tells whether the tolerance (1e-4 relative at every step) is reachable at all.
    losses32 = train(spec, {n: v.to(torch.float32) for n, v in p.items()}, x.to(torch.float32), y.to(torch.float32))
    losses = train(spec, p, x, y)
    drift = max(abs(a - b) / abs(b) for a, b in zip(losses32, losses))
    print(f"  the same training in PyTorch float32: largest relative loss difference from float64 {drift:.2e}")
    with torch.no_grad():
        final_loss = spec["loss"](spec["forward"](p, x, True)[0], y)[0].item()
        predictions = spec["loss"](spec["forward"](p, x, False)[0], y)[1]
    check_layout(spec, p, x_cl, x, y, "final weights")
    print(f"  loss {losses[0]:.6f} -> {losses[-1]:.6f} after {spec['steps']} steps (then {final_loss:.6f})")

    def path(suffix):
        return os.path.join(out_dir, f"{prefix}_{suffix}")

    meta = {"format": "pt", "source": "tools/make_cnn_fixtures.py"}
    save_safetensors(init, path("init_pytorch.safetensors"), meta)
    save_safetensors(spec["to_keras"](init), path("init_keras.safetensors"), {**meta, "format": "keras"})
    save_safetensors({"x": x_cl, "y": y}, path("data.safetensors"), {**meta, "layout": "channels-last"})
    keras_grad0 = spec["to_keras"]({**grad0, **{n: init[n] for n in init if "running" in n}})
    keras_grad0 = {n: v for n, v in keras_grad0.items() if "moving" not in n}
    save_safetensors(keras_grad0, path("grad0_keras.safetensors"), {**meta, "format": "keras", "content": "gradients"})
    save_safetensors(spec["to_keras"](p), path("final_keras.safetensors"), {**meta, "format": "keras"})

    document = {
        "source": "tools/make_cnn_fixtures.py",
        "torch": torch.__version__,
        "config": {**spec["config"], "samples": count, "steps": spec["steps"], "seed": seed,
                   "optimizer": {"name": "Adam", **ADAM,
                                 "update": "alpha = lr*sqrt(1-beta_2^t)/(1-beta_1^t); m += (g-m)(1-beta_1); "
                                           "v += (g^2-v)(1-beta_2); w -= alpha*m/(sqrt(v)+epsilon)"},
                   "batch": "full", "dtype": "float64 from float32-rounded initial weights and inputs"},
        "finite_difference_max_relative_error": worst,
        "pytorch_float32_max_relative_loss_difference": drift,
        "losses": losses,
        "final_loss": final_loss,
        "predictions": predictions.tolist(),
    }
    if "2.running_mean" in p:
        document["config"]["batch_normalization"] = {
            "momentum": BN_MOMENTUM, "epsilon": BN_EPSILON,
            "moving_update": "moving = momentum*moving + (1-momentum)*batch_statistic, biased batch variance"}
        document["final_moving_mean"] = p["2.running_mean"].tolist()
        document["final_moving_variance"] = p["2.running_var"].tolist()
    json_path = os.path.join(out_dir, prefix + ".json")
    with open(json_path, "w") as f:
        json.dump(document, f, indent=1)
        f.write("\n")
    for suffix in ("init_pytorch.safetensors", "init_keras.safetensors", "data.safetensors",
                   "grad0_keras.safetensors", "final_keras.safetensors"):
        print(f"  wrote {os.path.relpath(path(suffix))} ({os.path.getsize(path(suffix))} bytes)")
    print(f"  wrote {os.path.relpath(json_path)}")


SPECS = [
    (dict(CNN, init=cnn_init, forward=cnn_forward, loss=cnn_loss, to_keras=cnn_to_keras, np_forward=np_cnn_forward,
          sequential=cnn_sequential,
          config={"input": [12, 12, 2], "layers": [
              "Conv2D(4, 3, relu)", "BatchNormalization(momentum 0.99, epsilon 0.001)", "MaxPooling2D(2)",
              "Conv2D(6, 3, strides 2, padding same, tanh)", "AveragePooling2D(2, strides 1)", "Flatten",
              "Dense(8, sigmoid)", "Dense(3, softmax)"], "loss": "sparse categorical cross-entropy, mean"}), 11),
    (dict(CONV1D, init=conv1d_init, forward=conv1d_forward, loss=conv1d_loss, to_keras=conv1d_to_keras,
          np_forward=np_conv1d_forward, sequential=conv1d_sequential,
          config={"input": [16, 3], "layers": [
              "Conv1D(5, 3, padding same, relu)", "MaxPooling1D(2)", "Conv1D(4, 3, strides 2, linear)",
              "GlobalAveragePooling1D", "Dense(1, sigmoid)"], "loss": "binary cross-entropy, mean"}), 12),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(here, "..", "tests", "StaticNet.Tests", "Fixtures", "cnn"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for spec, seed in SPECS:
        make(spec, args.out, seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
