import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng, encodeModel, encodeSafetensors, layers, loadModel, noGrad, optimizers, readSafetensors, sequential, tensor, tidy } from 'rectifier';

const dir = mkdtempSync(join(tmpdir(), 'rectifier-engine-save-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function model() {
  return sequential({
    inputShape: [4, 4, 1],
    seed: 3,
    layers: [
      layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: { id: 'elu', params: { alpha: 0.5 } } }),
      layers.batchNorm(),
      layers.avgPool2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 5, activation: 'gelu', kernelInitializer: 'rai' }),
      layers.prelu({ shared: true }),
      layers.dropout({ rate: 0.1 }),
      layers.rrelu({ lower: 0.1, upper: 0.2 }),
      layers.dense({ units: 3 }),
    ],
  });
}

test('save then loadModel round-trips architecture, weights (batch-norm statistics too) and compile settings', async () => {
  const m = model();
  m.compile({ optimizer: optimizers.adamw({ learningRate: optimizers.schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 10 }), weightDecay: 0.02 }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  const rng = new Rng(1);
  const x = Float32Array.from({ length: 20 * 16 }, () => rng.normal());
  const y = Int32Array.from({ length: 20 }, () => rng.int(3));
  await m.fit(x, y, { epochs: 2, batchSize: 8 });
  const path = join(dir, 'model.safetensors');
  await m.save(path);
  const loaded = await loadModel(path);
  assert.equal(loaded.summary(), m.summary());
  const a = m.weights();
  const b = loaded.weights();
  assert.equal(a.length, b.length);
  a.forEach((p, i) => assert.deepEqual(b[i]!.value.toArray(), p.value.toArray(), p.name));
  const out = (mm: typeof m) => noGrad(() => tidy(() => mm.forward(tensor(x, [20, 4, 4, 1])).toArray()));
  assert.deepEqual(out(loaded), out(m));
  assert.deepEqual(loaded.evaluate(x, y), m.evaluate(x, y));
  assert.equal(loaded.optimizer!.name, 'adamw');
  assert.deepEqual(loaded.optimizer!.getConfig(), m.optimizer!.getConfig());
  m.dispose();
  loaded.dispose();
});

test('the file is plain safetensors: header length, JSON header with F32 entries and string metadata', async () => {
  const m = sequential({ inputShape: [3], layers: [layers.dense({ units: 2, activation: 'relu' })], seed: 1 });
  const path = join(dir, 'plain.safetensors');
  await m.save(path);
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0, 'header padded to 8 bytes');
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  assert.deepEqual(header['dense_1.kernel'], { dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] });
  assert.deepEqual(header['dense_1.bias'], { dtype: 'F32', shape: [2], data_offsets: [24, 32] });
  assert.equal(bytes.length, 8 + n + 32);
  for (const v of Object.values(header.__metadata__)) assert.equal(typeof v, 'string');
  assert.equal(JSON.parse(header.__metadata__.architecture).layers[0].className, 'Dense');
  const kernel = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + n, bytes.byteOffset + 8 + n + 24));
  assert.deepEqual(Array.from(kernel), m.layers[0]!.weights()[0]!.value.toArray());
  m.dispose();
});

test('saving is atomic: it replaces the file whole and a failed save leaves the old file and no temporary', async () => {
  const path = join(dir, 'atomic.safetensors');
  const m1 = sequential({ inputShape: [2], layers: [layers.dense({ units: 2 })], seed: 1 });
  const m2 = sequential({ inputShape: [2], layers: [layers.dense({ units: 2 })], seed: 2 });
  await m1.save(path);
  const first = readFileSync(path);
  await m2.save(path);
  assert.notDeepEqual(readFileSync(path), first);
  // a directory where the file should go makes the rename fail after the temporary was written
  const blocked = join(dir, 'blocked.safetensors');
  mkdirSync(blocked);
  writeFileSync(join(blocked, 'keep'), 'x');
  await assert.rejects(m1.save(blocked));
  assert.ok(statSync(blocked).isDirectory());
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  m1.dispose();
  m2.dispose();
});

function writeRaw(name: string, bytes: Uint8Array | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function withHeader(header: unknown, dataBytes: number, declaredLength?: bigint): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeBigUInt64LE(declaredLength ?? BigInt(json.length), 0);
  json.copy(out, 8);
  return out;
}

test('truncated and corrupt files are rejected with a clear message and bounded memory', async () => {
  const good = encodeSafetensors(new Map([['w', { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }]]), { a: 'b' });
  const cases: Array<[string, Uint8Array | Buffer, RegExp]> = [
    ['empty', new Uint8Array(0), /fewer than the 8-byte header length/],
    ['short', good.subarray(0, 5), /fewer than the 8-byte header length/],
    ['cut in the header', good.subarray(0, 20), /header claims \d+ bytes but the file holds only 12/],
    ['cut in the data', good.subarray(0, good.length - 4), /claims bytes 0\.\.16 but the data section holds 12/],
    ['header length 2^60', withHeader({}, 0, 2n ** 60n), /more than the 104857600-byte limit/],
    ['header length past the end', withHeader({}, 0, 5000n), /header claims 5000 bytes but the file holds only 2/],
    ['not JSON', Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{{{{')]), /not valid UTF-8 JSON/],
    ['array header', withHeader([1, 2], 0), /not a JSON object/],
    ['offsets beyond the file', withHeader({ w: { dtype: 'F32', shape: [1 << 20], data_offsets: [0, 4 << 20] } }, 16), /claims bytes 0\.\.4194304 but the data section holds 16/],
    ['size mismatch', withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, 16), /needs 12 bytes but its offsets span 16/],
    ['overlap', withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /starts at byte 4 where 8 was expected/],
    ['trailing bytes', withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 8), /cover 4 bytes but the data section holds 8/],
    ['wrong dtype', withHeader({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, 8), /dtype "F64"; only F32/],
    ['negative shape', withHeader({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), /invalid shape \[-1\]/],
    ['metadata not strings', withHeader({ __metadata__: { a: 1 } }, 0), /__metadata__\.a must be a string/],
  ];
  for (const [name, bytes, pattern] of cases) {
    const p = writeRaw(`${name.replace(/\W+/g, '-')}.safetensors`, bytes);
    assert.throws(() => readSafetensors(p), (e: Error) => {
      assert.match(e.message, /is not a valid safetensors file/, name);
      assert.match(e.message, pattern, name);
      return true;
    });
    await assert.rejects(loadModel(p), /is not a valid safetensors file/);
  }
  // valid safetensors but not a model
  const weightsOnly = writeRaw('weights-only.safetensors', good);
  assert.deepEqual(Array.from(readSafetensors(weightsOnly).tensors.get('w')!.data), [1, 2, 3, 4]);
  await assert.rejects(loadModel(weightsOnly), /no architecture in the safetensors __metadata__/);
});

test('a model file whose weights do not fit its architecture is rejected naming the weight', async () => {
  const m = sequential({ inputShape: [3], layers: [layers.dense({ units: 2 })], seed: 1 });
  const arch = JSON.stringify(m.toJSON());
  const p = writeRaw('mismatch.safetensors', encodeSafetensors(new Map([
    ['dense_1.kernel', { shape: [2, 3], data: new Float32Array(6) }],
    ['dense_1.bias', { shape: [2], data: new Float32Array(2) }],
  ]), { architecture: arch }));
  await assert.rejects(loadModel(p), /weight "dense_1\.kernel" has shape \[2, 3\] but the architecture needs \[3, 2\]/);
  const q = writeRaw('missing.safetensors', encodeSafetensors(new Map([['dense_1.kernel', { shape: [3, 2], data: new Float32Array(6) }]]), { architecture: arch }));
  await assert.rejects(loadModel(q), /weight "dense_1\.bias" is missing/);
  m.dispose();
});

test('paths, file:// URLs, bytes and Blobs load the same model; a missing file says which', async () => {
  const m = sequential({ inputShape: [3], layers: [layers.dense({ units: 2, activation: 'relu' })], seed: 4 });
  const path = join(dir, 'sources.safetensors');
  await m.save(pathToFileURL(path).href);
  const bytes = readFileSync(path);
  assert.deepEqual(bytes, Buffer.from(encodeModel(m)));
  const x = tensor(Float32Array.of(1, -2, 3), [1, 3]);
  const want = m.predict(x).toArray();
  for (const source of [path, pathToFileURL(path), pathToFileURL(path).href, new Uint8Array(bytes), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), new Blob([bytes])]) {
    const loaded = await loadModel(source as Parameters<typeof loadModel>[0]);
    assert.deepEqual(loaded.predict(x).toArray(), want, String(source));
    loaded.dispose();
  }
  await assert.rejects(loadModel(join(dir, 'nope.safetensors')), /loadModel: cannot read .*nope\.safetensors: no such file \(ENOENT\)/);
  await assert.rejects(loadModel(42 as unknown as string), /loadModel: source must be a path or URL, a File or Blob, a Response, an ArrayBuffer or a typed array, or indexeddb:\/\/ or localstorage:\/\/ and a name, got 42/);
  await assert.rejects(m.save('https://example.invalid/m.safetensors'), /save: cannot save to https:\/\/ URLs/);
  await assert.rejects(loadModel('indexeddb://m'), /loadModel: indexeddb:\/\/ needs a browser's IndexedDB/);
  x.dispose();
  m.dispose();
});
