/**
 * ONNX bytes that try to break the importer: its errors say they come from reading ONNX (bytes carry no
 * file name) and stay short however large the graph's lists are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeOnnx, importOnnx } from 'rectifier';
import { modelProto } from '../src/onnx/schema.js';

const mlp = new Uint8Array(readFileSync(new URL('./fixtures/onnx/mlp_relu_opset13.onnx', import.meta.url)));

test('importOnnx and describeOnnx errors name the function, since bytes carry no file name', () => {
  // "the graph has 0 inputs …" used to arrive with nothing saying it came from an ONNX import.
  assert.throws(() => importOnnx(mlp.subarray(0, 100)), /^OnnxFormatError: importOnnx: not a valid ONNX model: /);
  assert.throws(() => describeOnnx(mlp.subarray(0, 100)), /^OnnxFormatError: describeOnnx: not a valid ONNX model: /);
  const type = modelProto();
  const message = type.toObject(type.decode(mlp), { longs: Number, bytes: String }) as { graph: { input: unknown[] } };
  message.graph.input = [];
  const noInput = type.encode(type.fromObject(message)).finish();
  assert.throws(() => importOnnx(noInput), /^UnsupportedOnnxError: importOnnx: the graph has 0 inputs \(none\); a Sequential model has exactly one$/);
});

test('a graph listing a thousand outputs is refused in a short message', () => {
  const type = modelProto();
  const message = type.toObject(type.decode(mlp), { longs: Number, bytes: String }) as { graph: { output: unknown[] } };
  message.graph.output = Array.from({ length: 1001 }, () => message.graph.output[0]);
  const bytes = type.encode(type.fromObject(message)).finish();
  assert.throws(() => importOnnx(bytes), (e: Error) => {
    assert.match(e.message, /^importOnnx: the graph has 1001 outputs \("output", "output", "output", "output", "output" and 996 more\); a Sequential model has exactly one$/);
    return true;
  });
});

test('names and operator types from the file are cut in messages', () => {
  const type = modelProto();
  const message = type.toObject(type.decode(mlp), { longs: Number, bytes: String }) as { graph: { node: { opType: string }[] } };
  message.graph.node[0]!.opType = 'X'.repeat(100_000);
  const bytes = type.encode(type.fromObject(message)).finish();
  assert.throws(() => importOnnx(bytes), (e: Error) => e.message.length < 1000 && /node "[^"]*" \(X{60}…\) is not supported/.test(e.message));
});
