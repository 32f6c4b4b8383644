/**
 * Model files that try to break the loader and saves that are interrupted: architectures that claim more
 * than their tensors, models that fail to build, metadata of the wrong type, paths that are not files,
 * temporary files of killed saves, and backend settings in the environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, encodeSafetensors, layers, loadModel, memory, readSafetensors, sequential } from 'rectifier';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rectifier-files-robust-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A saved [4] → 8 → 3 model, compiled, and its parts for tampering. */
function savedModel(name: string): { path: string; tensors: Map<string, { shape: number[]; data: Float32Array }>; metadata: Record<string, string> } {
  const m = sequential({ inputShape: [4], seed: 1, layers: [layers.dense({ units: 8, activation: 'relu' }), layers.dense({ units: 3 })] });
  m.compile({ optimizer: 'adam', loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  const path = join(dir, name);
  m.save(path);
  m.dispose();
  const { tensors, metadata } = readSafetensors(path);
  return { path, tensors: tensors as Map<string, { shape: number[]; data: Float32Array }>, metadata };
}

/** The saved model with its metadata changed. */
function tampered(name: string, change: (metadata: Record<string, string>, architecture: any) => void): string {
  const { tensors, metadata } = savedModel(`${name}.base.safetensors`);
  const architecture = JSON.parse(metadata.architecture!);
  change(metadata, architecture);
  if (metadata.architecture !== undefined && !('keep' in metadata)) metadata.architecture = JSON.stringify(architecture);
  delete metadata.keep;
  const path = join(dir, name);
  writeFileSync(path, encodeSafetensors(tensors, metadata));
  return path;
}

test('an architecture claiming 2^31 units is refused against the stored tensors before any weight is made', async () => {
  // It used to build and initialise the layers first: memory grew by ~58 MB/s with no output until killed.
  const path = tampered('huge-units.safetensors', (_m, arch) => { arch.layers[0].config.units = 2 ** 31; });
  const before = memory();
  const rss = process.memoryUsage.rss();
  await assert.rejects(loadModel(path), new RegExp(`^Error: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: weight "dense_1\\.kernel" has shape \\[4, 8\\] but the architecture needs \\[4, 2147483648\\]$`));
  assert.ok(process.memoryUsage.rss() - rss < 64 * 2 ** 20, 'memory stays at baseline');
  assert.equal(memory().numTensors, before.numTensors, 'nothing stays allocated');
  const wide = tampered('huge-input.safetensors', (_m, arch) => { arch.inputShape = [2 ** 31]; arch.layers[0].config.units = 2 ** 31; });
  await assert.rejects(loadModel(wide), /huge-input\.safetensors: weight "dense_1\.kernel" has shape \[4, 8\] but the architecture needs \[2147483648, 2147483648\]$/);
  // Without a file, a shape beyond what any backend holds is refused by the layer itself, before allocating.
  assert.throws(() => sequential({ inputShape: [2 ** 20], layers: [layers.dense({ units: 2 ** 12 })] }), /^RangeError: dense_1 \(Dense\): weight kernel of shape \[1048576, 4096\] would hold 4294967296 values, more than the 1073741824 \(4 GiB of float32\) a backend can hold$/);
});

test('weights taken from a file are never initialised: building with stored values draws nothing from the seed', async () => {
  class CountingRng extends Rng {
    draws = 0;
    override nextUint32(): number {
      this.draws++;
      return super.nextUint32();
    }
  }
  const fresh = layers.dense({ units: 3, kernelInitializer: 'he_normal' });
  const rng = new CountingRng(1);
  fresh.build([4], rng);
  assert.ok(rng.draws > 0, 'initialising draws from the stream');
  const loaded = layers.dense({ units: 3, kernelInitializer: 'he_normal' });
  const quiet = new CountingRng(1);
  const kernel = Float32Array.from({ length: 12 }, (_, i) => i);
  loaded.build([4], quiet, null, (name, shape) => (name === 'kernel' ? kernel : new Float32Array(shape[0]!)));
  assert.equal(quiet.draws, 0);
  assert.deepEqual(Array.from(loaded.weights()[0]!.value.data), Array.from(kernel));
  fresh.dispose();
  loaded.dispose();
});

test('a model that fails to build frees what it built, and its layers can go into another model', async () => {
  // 63 failures used to hold 4 GiB of wasm memory, after which no 64 MiB model could be built.
  const before = memory();
  for (let i = 0; i < 20; i++) {
    const big = layers.dense({ units: 2048 });
    assert.throws(() => sequential({ inputShape: [4096], layers: [big, layers.conv2d({ filters: 1, kernelSize: 3 })] }), /sequential: layer 1 \(conv2d_1, Conv2D\) cannot take the output of layer 0/);
    assert.equal(big.inputShape, null);
    assert.equal(memory().numTensors, before.numTensors);
  }
  assert.equal(memory().numBytes, before.numBytes, 'no bytes stay allocated');
  const reused = layers.dense({ units: 2 });
  assert.throws(() => sequential({ inputShape: [3], layers: [reused, layers.maxPool2d()] }));
  const m = sequential({ inputShape: [3], layers: [reused] });
  assert.deepEqual(m.outputShape, [2]);
  m.dispose();
  // loadModel on a file whose architecture fails to build used to leak 2 tensors per call.
  const path = tampered('fails-to-build.safetensors', (_m, arch) => { arch.layers.push({ className: 'MaxPool2D', config: {} }); });
  for (let i = 0; i < 5; i++) await assert.rejects(loadModel(path), /fails-to-build\.safetensors: __metadata__\.architecture: sequential: layer 2 \(max_pool2d_1, MaxPool2D\) cannot take/);
  assert.equal(memory().numTensors, before.numTensors);
});

test('bad metadata is an error naming the file and the key; layer classes named like Object members are unknown names', async () => {
  const cases: Array<[string, (m: Record<string, string>, a: any) => void, RegExp]> = [
    ['training not JSON', (m) => { m.training = '{optimizer'; }, /training-not-JSON\.safetensors: __metadata__\.training is not valid JSON \(/],
    ['training null', (m) => { m.training = 'null'; }, /training-null\.safetensors: __metadata__\.training must be an object \{ optimizer, loss, metrics \}, got null$/],
    ['training optimizer', (m) => { m.training = JSON.stringify({ optimizer: { name: 'rmsprop' }, loss: 'mse' }); }, /training-optimizer\.safetensors: __metadata__\.training: optimizerFromConfig: unknown optimizer "rmsprop"/],
    ['training loss', (m) => { m.training = JSON.stringify({ optimizer: { name: 'sgd' }, loss: 42 }); }, /training-loss\.safetensors: __metadata__\.training: /],
    ['class __proto__', (_m, a) => { a.layers[0].className = '__proto__'; }, /class-__proto__\.safetensors: __metadata__\.architecture\.layers\[0\]: layerFromConfig: unknown layer class "__proto__"; known: .*Dense/],
    ['class toString', (_m, a) => { a.layers[1].className = 'toString'; }, /class-toString\.safetensors: __metadata__\.architecture\.layers\[1\]: layerFromConfig: unknown layer class "toString"/],
    ['class constructor', (_m, a) => { a.layers[1].className = 'constructor'; }, /__metadata__\.architecture\.layers\[1\]: layerFromConfig: unknown layer class "constructor"/],
    ['layer not object', (_m, a) => { a.layers[0] = 7; }, /layer-not-object\.safetensors: __metadata__\.architecture\.layers\[0\]: layerFromConfig: expected \{ className, config \}, got 7/],
    ['layers not array', (_m, a) => { a.layers = {}; }, /layers-not-array\.safetensors: __metadata__\.architecture\.layers must be an array of layer configs, got an object \{\}/],
    ['architecture null', (m) => { m.architecture = 'null'; m.keep = ''; }, /architecture-null\.safetensors: __metadata__\.architecture is not a Sequential model \(expected \{ className: "Sequential", inputShape, layers \}, got null\)/],
    ['architecture not JSON', (m) => { m.architecture = '{"a"'; m.keep = ''; }, /architecture-not-JSON\.safetensors: __metadata__\.architecture is not valid JSON/],
    ['name not string', (_m, a) => { a.name = { x: 1 }; }, /name-not-string\.safetensors: __metadata__\.architecture: sequential: name must be a string of 1 to 200 characters, got an object/],
    ['units null', (_m, a) => { a.layers[0].config.units = null; }, /units-null\.safetensors: __metadata__\.architecture\.layers\[0\]: dense: units must be a positive integer, got null/],
  ];
  const before = memory().numTensors;
  for (const [name, change, pattern] of cases) {
    const path = tampered(`${name.replace(/\W+/g, '-')}.safetensors`, change);
    await assert.rejects(loadModel(path), (e: Error) => {
      assert.match(e.message, pattern, name);
      assert.ok(e.message.startsWith(`${path}: __metadata__.`), `${name}: names the file and the key`);
      return true;
    });
  }
  assert.equal(memory().numTensors, before, 'no failed load leaks a tensor');
});

test('a path that is not a readable file is a clear error naming it, without waiting on a pipe', async () => {
  await assert.rejects(loadModel(join(dir, 'nope.safetensors')), /^Error: loadModel: cannot read .*nope\.safetensors: no such file \(ENOENT\)$/);
  // A directory used to give a bare EISDIR; a pipe, "holds 0 bytes (truncated?)" or a wait for a writer.
  await assert.rejects(loadModel(dir), /^Error: loadModel: cannot read .*: it is a directory, not a regular file$/);
  assert.throws(() => readSafetensors(dir), /^Error: cannot read .*: it is a directory, not a safetensors file$/);
  await assert.rejects(loadModel('/dev/zero'), /^Error: loadModel: cannot read \/dev\/zero: it is a character device, not a regular file$/);
  await assert.rejects(loadModel('x'.repeat(5000)), /^Error: loadModel: cannot read x{200}… \(5000 characters\): the name is too long \(ENAMETOOLONG\)$/);
  const fifo = join(dir, 'pipe.safetensors');
  if (spawnSync('mkfifo', [fifo]).status === 0) await assert.rejects(loadModel(fifo), /^Error: loadModel: cannot read .*pipe\.safetensors: it is a named pipe, not a regular file$/);
});

test('a failed save names the file asked for, not its hidden temporary file', async () => {
  const m = sequential({ inputShape: [2], layers: [layers.dense({ units: 2 })] });
  await assert.rejects(m.save(join(dir, 'no-such-folder', 'm.safetensors')), /^Error: cannot write .*no-such-folder\/m\.safetensors: the folder .*no-such-folder does not exist \(ENOENT\)$/);
  await assert.rejects(m.save('/dev/null'), /^Error: cannot write \/dev\/null: it is a character device, not a file$/);
  await assert.rejects(m.save(dir), /^Error: cannot write .*: it is a directory, not a file$/);
  m.dispose();
});

test('a save removes the temporary files of that file left by processes that have ended', async () => {
  const sub = join(dir, 'sweep');
  mkdirSync(sub);
  const path = join(sub, 'm.safetensors');
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const stale = join(sub, `.m.safetensors.${dead}.abc123.tmp`);
  const live = join(sub, `.m.safetensors.${process.pid}.def456.tmp`);
  const other = join(sub, `.other.safetensors.${dead}.abc123.tmp`);
  for (const f of [stale, live, other]) writeFileSync(f, 'partial');
  const m = sequential({ inputShape: [2], layers: [layers.dense({ units: 2 })] });
  await m.save(path);
  m.dispose();
  assert.equal(existsSync(stale), false, 'the dead writer\'s temporary is removed');
  assert.ok(existsSync(live), 'a running writer\'s temporary is kept');
  assert.ok(existsSync(other), 'another file\'s temporaries are not this save\'s business');
});

/** A child process saving a 64 MB model to `path` in a loop. */
function savingChild(path: string) {
  const code = `
    const { layers, sequential } = await import('rectifier');
    const m = sequential({ inputShape: [4096], layers: [layers.dense({ units: 4096 })] });
    for (;;) m.save(${JSON.stringify(path)});`;
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Sends `signal` to `child` at the moment a temporary file appears in `folder` (a write in progress),
 * once `writes` temporaries have been seen (so that a complete file exists); resolves when it has exited.
 */
async function killMidWrite(child: ReturnType<typeof spawn>, folder: string, signal: NodeJS.Signals, writes: number): Promise<void> {
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const seen = new Set<string>();
  let done = false;
  void exited.then(() => { done = true; });
  while (!done) {
    for (const f of readdirSync(folder)) if (f.endsWith('.tmp')) seen.add(f);
    if (seen.size >= writes && readdirSync(folder).some((f) => f.endsWith('.tmp'))) {
      child.kill(signal);
      break;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await exited;
}

test('saves killed mid-write leave the previous file whole, and the next save leaves no temporary file behind', async () => {
  const sub = join(dir, 'killed');
  mkdirSync(sub);
  const path = join(sub, 'm.safetensors');
  let leftovers = 0;
  for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
    const child = savingChild(path);
    await killMidWrite(child, sub, signal, 2);
    assert.equal(child.signalCode, signal);
    leftovers = readdirSync(sub).filter((f) => f.endsWith('.tmp')).length;
    const model = await loadModel(path);
    assert.deepEqual(model.outputShape, [4096], `after ${signal} the file is whole`);
    model.dispose();
  }
  // A synchronous save cannot run a signal listener before it ends, so each kill left its temporary file
  // (the last one's is still there) until a save of the same file removes them.
  assert.ok(leftovers >= 1, 'the killed save left its temporary file');
  const last = sequential({ inputShape: [2], layers: [layers.dense({ units: 2 })] });
  last.save(path);
  last.dispose();
  assert.deepEqual(readdirSync(sub).filter((f) => f.endsWith('.tmp')), [], 'every temporary of the killed writers is gone');
  assert.ok(readFileSync(path).length > 0);
});

test('an asynchronous write interrupted by SIGTERM removes its temporary file before the process ends', async () => {
  const sub = join(dir, 'async');
  mkdirSync(sub);
  const code = `
    const { writeFileAtomic } = await import('./src/report/write.ts');
    const text = 'x'.repeat(64 << 20);
    for (;;) await writeFileAtomic(${JSON.stringify(join(sub, 'index.html'))}, text);`;
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  await killMidWrite(child, sub, 'SIGTERM', 2);
  assert.equal(child.signalCode, 'SIGTERM', 'the process still ends by the signal');
  assert.deepEqual(readdirSync(sub).filter((f) => f.endsWith('.tmp')), []);
});

test('invalid RECTIFIER_THREADS, RECTIFIER_BACKEND and RECTIFIER_RELAXED_SIMD are errors naming the variable and what it accepts', () => {
  const probe = (env: Record<string, string>) => spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e',
    "const m = await import('rectifier'); try { m.sequential({ inputShape: [2], layers: [m.layers.dense({ units: 2 })] }); console.log('backend', m.getBackend()); } catch (e) { console.log(e.message); }"],
  { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } }).stdout.trim();
  // These used to fall back to the js backend without a word (1,048 against 14,011 samples/s).
  for (const value of ['0', '-1', 'abc', '1.5']) {
    assert.match(probe({ RECTIFIER_THREADS: value }), new RegExp(`^RECTIFIER_THREADS must be a whole number of threads from 1 to \\d+ \\(the cores of this machine; larger values are capped at \\d+\\), got "${value.replace('.', '\\.')}"$`));
  }
  assert.equal(probe({ RECTIFIER_THREADS: '64' }), 'backend wasm', 'more threads than cores are capped, not refused');
  // This used to be reported as a shape error of layer 0.
  assert.equal(probe({ RECTIFIER_BACKEND: 'nope' }), 'RECTIFIER_BACKEND must be one of js, wasm (or unset for wasm where it loads), got "nope"');
  assert.equal(probe({ RECTIFIER_RELAXED_SIMD: 'yes' }), 'RECTIFIER_RELAXED_SIMD must be 1 (use relaxed SIMD) or 0 (do not), got "yes"');
});
