/** The ONNX decoder: every fixture reads back as written; broken or lying files are refused with the reason. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxFormatError, decodeOnnx } from 'rectifier';
import { modelProto } from '../src/onnx/schema.js';
import { fixture, fixtureNames, onnxBytes } from './helpers/onnx.js';

test('every fixture decodes: opset, input shape with its symbolic batch, node list and weights as written', () => {
  const names = fixtureNames();
  assert.ok(names.length >= 40, `expected the committed fixtures, found ${names.length}`);
  for (const name of names) {
    const f = fixture(name);
    const m = decodeOnnx(f.bytes);
    assert.equal(m.opset, f.opset, name);
    assert.deepEqual(m.nodes.map((n) => n.opType), f.ops, name);
    assert.equal(m.inputs.length, 1, name);
    const shape = m.inputs[0]!.shape!;
    assert.deepEqual(shape.slice(1), f.inputShape.slice(1), name);
    // Every export but one has a symbolic batch axis; the static one keeps the traced batch of 2.
    if (name.includes('static_batch')) assert.equal(shape[0], 2);
    else assert.equal(typeof shape[0], 'string', `${name}: batch axis ${shape[0]}`);
    for (const t of m.initializers.values()) assert.equal(t.data.length, t.dims.reduce((a, b) => a * b, 1), `${name}: ${t.name}`);
  }
});

test('initializer values, attributes and Constant nodes come through exactly', () => {
  const m = decodeOnnx(fixture('cnn_view_opset13').bytes);
  const conv = m.nodes[0]!;
  assert.equal(conv.opType, 'Conv');
  assert.deepEqual(conv.attributes.get('pads'), { kind: 'ints', value: [1, 1, 1, 1] });
  assert.deepEqual(conv.attributes.get('strides'), { kind: 'ints', value: [2, 2] });
  const w = m.initializers.get(conv.inputs[1]!)!;
  assert.deepEqual(w.dims, [4, 3, 3, 3]);
  assert.ok(w.data instanceof Float32Array && w.data.some((v) => v !== 0));
  const constants = m.nodes.filter((n) => n.opType === 'Constant').map((n) => n.attributes.get('value'));
  assert.deepEqual(constants.map((c) => (c?.kind === 'tensor' ? [...c.value.data] : null)), [[0], [0], [-1]]);
  const hand = decodeOnnx(onnxBytes({
    nodes: [{ op: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attrs: { alpha: 0.25, name_s: 'text', list: [3, -4], fl: { floats: [0.5, 2] } } }],
    initializers: { shape: { dims: [2], int64: [-1, 9007199254740991] } },
  }));
  const a = hand.nodes[0]!.attributes;
  assert.deepEqual(a.get('alpha'), { kind: 'float', value: 0.25 });
  assert.deepEqual(a.get('name_s'), { kind: 'string', value: 'text' });
  assert.deepEqual(a.get('list'), { kind: 'ints', value: [3, -4] });
  assert.deepEqual(a.get('fl'), { kind: 'floats', value: [0.5, 2] });
  assert.deepEqual([...hand.initializers.get('shape')!.data], [-1, 9007199254740991]);
});

function encode(model: Record<string, unknown>): Uint8Array {
  const type = modelProto();
  return type.encode(type.fromObject(model)).finish();
}

function withTensor(tensor: Record<string, unknown>): Uint8Array {
  return encode({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], graph: { name: 'g', initializer: [{ name: 'w', ...tensor }] } });
}

test('malformed, truncated and lying files are refused with what is wrong, before anything of the claimed size is allocated', () => {
  const good = fixture('cnn_conv_pool_opset13').bytes;
  const reject = (bytes: Uint8Array, pattern: RegExp, what: string) => {
    assert.throws(() => decodeOnnx(bytes), (e: Error) => {
      assert.ok(e instanceof OnnxFormatError, `${what}: ${e.name}: ${e.message}`);
      assert.match(e.message, /^not a valid ONNX model: /, what);
      assert.match(e.message, pattern, what);
      return true;
    });
  };
  reject(new Uint8Array(0), /the file is empty/, 'empty');
  // Every cut through the file is caught: protobuf lengths run past the end.
  for (let cut = 1; cut < good.length; cut += Math.max(1, Math.floor(good.length / 97))) {
    reject(good.subarray(0, cut), /./, `cut at ${cut} of ${good.length}`);
  }
  reject(Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff), /protobuf encoding is broken|graph|IR version/, 'noise');
  reject(encode({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }] }), /it has no graph/, 'no graph');
  reject(encode({ irVersion: 2, opsetImport: [{ domain: '', version: 13 }], graph: { name: 'g' } }), /IR version is 2/, 'old IR');
  reject(encode({ irVersion: 8, opsetImport: [{ domain: 'com.microsoft', version: 1 }], graph: { name: 'g' } }), /no default-domain \(ai\.onnx\) opset; imports: com\.microsoft:1/, 'no opset');
  // A tensor claiming 2^40 floats with 16 bytes of data: refused from the byte count, nothing allocated.
  reject(withTensor({ dims: [1 << 20, 1 << 20], dataType: 1, rawData: new Uint8Array(16) }), /initializer 0 \("w"\) claims dims \[1048576, 1048576\] of FLOAT \(4398046511104 bytes\) but holds 16 bytes/, 'huge claim');
  reject(withTensor({ dims: [3], dataType: 1, rawData: new Uint8Array(8) }), /claims dims \[3\] of FLOAT \(12 bytes\) but holds 8 bytes/, 'short raw data');
  reject(withTensor({ dims: [3], dataType: 1, floatData: [1, 2] }), /claims dims \[3\] \(3 values\) but holds 2/, 'short float_data');
  reject(withTensor({ dims: [2 ** 40, 2 ** 40], dataType: 1, rawData: new Uint8Array(4) }), /more elements than can be addressed/, 'overflowing dims');
  reject(withTensor({ dims: [2], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }), /keeps its data in an external file/, 'external data');
  reject(withTensor({ dims: [2], dataType: 8, rawData: new Uint8Array(2) }), /element type STRING; supported: FLOAT/, 'strings');
  assert.throws(() => decodeOnnx('model.onnx' as never), /decodeOnnx: expected the model's bytes as a Uint8Array, got string/);
});

test('float_data, doubles, halves and int64 tensors are read into numbers', () => {
  const read = (tensor: Record<string, unknown>) => [...decodeOnnx(withTensor(tensor)).initializers.get('w')!.data];
  assert.deepEqual(read({ dims: [2], dataType: 1, floatData: [1.5, -2] }), [1.5, -2]);
  assert.deepEqual(read({ dims: [2], dataType: 11, doubleData: [0.25, 3] }), [0.25, 3]);
  assert.deepEqual(read({ dims: [2], dataType: 7, int64Data: [5, -6] }), [5, -6]);
  // IEEE half: 0x3c00 = 1, 0xc000 = −2, 0x3555 ≈ 0.333
  const halves = read({ dims: [3], dataType: 10, rawData: new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35]) });
  assert.deepEqual(halves.slice(0, 2), [1, -2]);
  assert.ok(Math.abs(halves[2]! - 0.33325195) < 1e-7);
});
