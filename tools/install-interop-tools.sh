#!/usr/bin/env bash
# Installs what tools/check-onnx-export.sh (an extra step of .ci/run, not part of `dotnet test`)
# needs to cross-check the ONNX export with tools outside .NET:
#   - Debian's python3-onnx (onnx.checker, run with /usr/bin/python3 by tools/onnx_check.py)
#   - onnxruntime-node in tools/onnx-check/node_modules (run by tools/onnx-check/check.mjs)
# Idempotent: what is already installed is not installed again. Needs root (apt-get) and node/npm
# on PATH. PyTorch is NOT needed: the PyTorch fixtures are committed (tools/export_pytorch_fixture.py
# regenerates them and needs python3-torch).
set -euo pipefail
cd "$(dirname "$0")"

if /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
  echo "install-interop-tools: python3-onnx already installed"
else
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-onnx >/dev/null
  /usr/bin/python3 -c 'import onnx; print("install-interop-tools: onnx", onnx.__version__)'
fi

command -v node >/dev/null || { echo "install-interop-tools: node is not on PATH (apt-get install -y nodejs npm)" >&2; exit 1; }
if [ -f onnx-check/node_modules/onnxruntime-node/package.json ] && \
   (cd onnx-check && node -e "require('onnxruntime-node')" 2>/dev/null); then
  echo "install-interop-tools: onnxruntime-node already installed"
else
  # --ignore-scripts: the package ships its CPU binaries; its install script only fetches GPU extras.
  (cd onnx-check && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  (cd onnx-check && node -e "console.log('install-interop-tools: onnxruntime-node', require('onnxruntime-node/package.json').version)")
fi
