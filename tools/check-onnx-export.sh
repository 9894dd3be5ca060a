#!/usr/bin/env bash
# Cross-checks StaticNet's ONNX export with tools outside .NET, as an extra step of .ci/run:
# the python onnx package's checker (full check, with shape inference) and ONNX Runtime for Node
# (onnxruntime-node), whose outputs must match StaticNet's Predict to 1e-5.
#
#   STATICNET_ONNX_EXPORT_DIR=DIR dotnet test tests/StaticNet.Tests --filter OnnxExportTests
#   bash tools/install-interop-tools.sh      # python3-onnx (apt-get, root) and onnxruntime-node (npm)
#   bash tools/check-onnx-export.sh DIR
#
# DIR holds what tests/StaticNet.Tests/Interop/OnnxExportTests leaves there: NAME.onnx (a trained
# network's export), NAME.input.json (rows) and NAME.expected.json (Predict's outputs). Exits
# non-zero when a file is missing, the checker rejects a model or an output differs.
# DIR/layers holds OnnxLayerExportTests' exports (convolution, pooling, BatchNormalization, Flatten,
# 1-D layers): their inputs are channels-last tensors, which check.mjs's rows do not describe, so
# they go through the checker only (the tests compare them with Predict in ONNX Runtime for .NET).
# DIR/int8 holds the int8 networks' exports (integer operators, and NAME-qlinear.onnx with QLinearConv) that
# OnnxInt8ExportTests and OnnxInt8QLinearExportTests leave: the checker only, for the same reason.
set -euo pipefail
dir=${1:?usage: bash tools/check-onnx-export.sh DIR}
tools=$(cd "$(dirname "$0")" && pwd)

shopt -s nullglob
models=("$dir"/*.onnx)
if [ ${#models[@]} -lt 2 ]; then
  echo "check-onnx-export: expected the OnnxExportTests' exports in $dir, found ${#models[@]} (run the tests with STATICNET_ONNX_EXPORT_DIR=$dir)" >&2
  exit 1
fi

for model in "${models[@]}"; do
  base=${model%.onnx}
  /usr/bin/python3 "$tools/onnx_check.py" "$model" > "$base.checker.json"
  node "$tools/onnx-check/check.mjs" "$model" "$base.input.json" > "$base.ort.json"
  /usr/bin/python3 - "$base.checker.json" "$base.ort.json" "$base.expected.json" <<'PY'
import json, sys
checker, ort, expected = (json.load(open(p)) for p in sys.argv[1:4])
assert checker["ir_version"] == 8 and checker["opset_import"][""] == 13, checker
out = ort["outputs"]["output"]
rows, cols = len(expected), len(expected[0])
assert ort["inputNames"] == ["input"] and ort["outputNames"] == ["output"], ort
assert out["dims"] == [rows, cols], (out["dims"], rows, cols)
worst = max(abs(out["data"][r * cols + c] - expected[r][c]) for r in range(rows) for c in range(cols))
assert worst <= 1e-5, f"onnxruntime-node differs from Predict by {worst}"
print(f"{len(checker['nodes'])} nodes, {rows}x{cols} outputs, largest difference {worst:.2e}")
PY
  echo "check-onnx-export: $(basename "$model"): onnx.checker accepts it, onnxruntime-node matches Predict"
done

layer_models=("$dir"/layers/*.onnx)
if [ ${#layer_models[@]} -lt 10 ]; then
  echo "check-onnx-export: expected the OnnxLayerExportTests' exports in $dir/layers, found ${#layer_models[@]}" >&2
  exit 1
fi
for model in "${layer_models[@]}"; do
  base=${model%.onnx}
  /usr/bin/python3 "$tools/onnx_check.py" "$model" > "$base.checker.json"
  /usr/bin/python3 - "$base.checker.json" "$base.expected.json" <<'PY'
import json, sys
checker, expected = (json.load(open(p)) for p in sys.argv[1:3])
assert checker["ir_version"] == 8 and checker["opset_import"][""] == 13, checker
assert checker["outputs"] == {"output": ["batch", len(expected[0])]}, checker["outputs"]
assert list(checker["inputs"]) == ["input"] and checker["inputs"]["input"][0] == "batch", checker["inputs"]
print(f"{len(checker['nodes'])} nodes ({' '.join(checker['nodes'])}), input {checker['inputs']['input']}")
PY
  echo "check-onnx-export: layers/$(basename "$model"): onnx.checker accepts it (full check, strict shape inference)"
done

int8_models=("$dir"/int8/*.onnx)
if [ ${#int8_models[@]} -lt 10 ]; then
  echo "check-onnx-export: expected the int8 export tests' files in $dir/int8, found ${#int8_models[@]}" >&2
  exit 1
fi
for model in "${int8_models[@]}"; do
  /usr/bin/python3 "$tools/onnx_check.py" "$model" > "${model%.onnx}.checker.json"
  /usr/bin/python3 - "${model%.onnx}.checker.json" <<'PY'
import json, sys
checker = json.load(open(sys.argv[1]))
assert checker["ir_version"] == 8 and checker["opset_import"][""] == 13, checker
assert list(checker["inputs"]) == ["input"] and checker["inputs"]["input"][0] == "batch", checker["inputs"]
assert list(checker["outputs"]) == ["output"] and checker["outputs"]["output"][0] == "batch", checker["outputs"]
ops = set(checker["nodes"])
assert ops & {"MatMulInteger", "ConvInteger", "QLinearConv"}, ops
print(f"{len(checker['nodes'])} nodes ({' '.join(sorted(ops))})")
PY
  echo "check-onnx-export: int8/$(basename "$model"): onnx.checker accepts it (full check, strict shape inference)"
done
