#!/usr/bin/env python3
"""Validates an ONNX model with the onnx package's checker, as tools/check-onnx-export.sh (.ci/run) does.

    /usr/bin/python3 tools/onnx_check.py model.onnx

Runs onnx.checker.check_model(model, full_check=True) (the structural checks plus strict shape
inference) and prints a JSON summary: IR version, opsets, producer, graph inputs and outputs with
their shapes, and the node types in order. Exits non-zero with the checker's message when the
model is invalid. Needs the onnx package (Debian: apt-get install -y python3-onnx).
"""

import json
import sys

import onnx


def dims(value_info):
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in value_info.type.tensor_type.shape.dim]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    model = onnx.load(sys.argv[1])
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as e:
        print(f"onnx.checker: {e}", file=sys.stderr)
        return 1
    graph = model.graph
    print(json.dumps({
        "onnx": onnx.__version__,
        "ir_version": model.ir_version,
        "opset_import": {o.domain: o.version for o in model.opset_import},
        "producer_name": model.producer_name,
        "producer_version": model.producer_version,
        "inputs": {v.name: dims(v) for v in graph.input},
        "outputs": {v.name: dims(v) for v in graph.output},
        "initializers": {t.name: list(t.dims) for t in graph.initializer},
        "nodes": [n.op_type for n in graph.node],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
