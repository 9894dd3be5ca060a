// Runs an ONNX model with ONNX Runtime (onnxruntime-node) on a batch of inputs and prints the
// outputs as JSON. Used by tools/check-onnx-export.sh (.ci/run) to cross-check StaticNet's ONNX export.
//
//   node tools/onnx-check/check.mjs model.onnx inputs.json
//
// inputs.json: an array of rows (one array of numbers per sample), fed to the model's first input
// as float32 [rows, columns]. Prints one JSON object: the model's input and output names and, for
// each output, its dims and its values in row-major order.
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const [modelPath, inputPath] = process.argv.slice(2);
if (!modelPath || !inputPath) {
  console.error('usage: node check.mjs model.onnx inputs.json');
  process.exit(2);
}

const rows = JSON.parse(readFileSync(inputPath, 'utf8'));
if (!Array.isArray(rows) || rows.length === 0 || !rows.every((r) => Array.isArray(r) && r.length === rows[0].length)) {
  console.error(`${inputPath}: expected a non-empty array of equally long rows`);
  process.exit(2);
}

const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0].length]);
const results = await session.run({ [session.inputNames[0]]: input });

const outputs = {};
for (const name of session.outputNames) {
  outputs[name] = { dims: Array.from(results[name].dims), data: Array.from(results[name].data) };
}
process.stdout.write(JSON.stringify({ inputNames: session.inputNames, outputNames: session.outputNames, outputs }) + '\n');
