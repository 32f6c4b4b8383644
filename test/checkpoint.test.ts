/**
 * Checkpoints in one process: the Rng's and the optimizers' state saved and restored exactly, fit
 * stopped (through its signal) at every kind of position and resumed to the weights and history of the
 * uninterrupted run, the files a checkpoint is made of, the atomic commit when a write fails part-way,
 * what callbacks see on resume, and the errors for a resume that cannot continue the same run.
 * test/checkpoint-kill.test.ts kills real processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FitInterruptedError, Rng, latestCheckpoint, layers, loadModel, monitor, optimizers, readCheckpointState, readSafetensors,
  sequential, sum, mul, tensor, tidy, type Callbacks, type FitOptions, type Optimizer, type Sequential,
} from 'rectifier';
import { generationWriteHooks } from '../src/io/generations.js';
import { gradOf } from '../src/autograd/tape.js';

const temp = () => mkdtempSync(join(tmpdir(), 'rectifier-ckpt-'));

function quadrants(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a * b > 0 ? 1 : 0;
  }
  return { x, y };
}

/** Every kind of training state: Adam moments under a schedule, batch-norm statistics, dropout, rrelu. */
function model(units = 12, optimizer: () => Optimizer = () => optimizers.adam({ learningRate: optimizers.schedules.cosineDecay({ initialLearningRate: 0.03, decaySteps: 40 }) })): Sequential {
  const m = sequential({
    inputShape: [2],
    seed: 5,
    layers: [
      layers.dense({ units, activation: 'relu' }), layers.batchNorm(), layers.dropout({ rate: 0.2 }),
      layers.dense({ units: 12 }), layers.rrelu(), layers.dense({ units: 2 }),
    ],
  });
  m.compile({ optimizer: optimizer(), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  return m;
}

const bits = (m: Sequential) => m.weights().map((p) => Array.from(new Uint32Array((p.value.data as Float32Array).buffer)));
const data = quadrants(150, 1);
const val = quadrants(60, 2);
// 150 samples in batches of 32: 5 steps per epoch, the last of 22 samples.
const base: FitOptions = { epochs: 4, batchSize: 32, validationData: [val.x, val.y] };

/** Trains until `stopAfter` steps have run (through fit's signal), then resumes in a new model; returns both histories. */
async function stopAndResume(stopAfter: number, every: NonNullable<FitOptions['checkpoint']>['every'], make = () => model()) {
  const dir = join(temp(), 'run');
  const first = make();
  const controller = new AbortController();
  let steps = 0;
  let error: unknown = null;
  try {
    await first.fit(data.x, data.y, {
      ...base, signal: controller.signal, checkpoint: { path: dir, every },
      callbacks: { onBatchEnd() { if (++steps === stopAfter) controller.abort(); } },
    });
  } catch (e) {
    error = e;
  }
  first.dispose();
  const second = make();
  const history = await second.fit(data.x, data.y, { ...base, resume: dir, checkpoint: { path: dir, every } });
  return { dir, error, history, second };
}

test('Rng.getState/setState continue the same stream, the spare normal included; a damaged state is refused', () => {
  const a = new Rng(42);
  for (let i = 0; i < 5; i++) a.next();
  a.normal(); // leaves the second normal of the pair in reserve
  const b = new Rng(1).setState(JSON.parse(JSON.stringify(a.getState())));
  const draws = (r: Rng) => [r.normal(), r.nextUint32(), r.uniform(-3, 3), r.int(1000), r.normal(), r.normal()];
  assert.deepEqual(draws(b), draws(a));
  const state = a.getState();
  assert.ok(state.words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff), `unsigned words: ${state.words}`);
  assert.throws(() => a.setState({ ...state, words: [0, 0, 0, 0] }), /all zero/);
  assert.throws(() => a.setState({ ...state, words: [1, 2, 3] as never }), /words must be 4 unsigned 32-bit integers/);
  assert.throws(() => a.setState({ ...state, algorithm: 'mt19937' as never }), /algorithm must be "xoshiro128\*\*"/);
  assert.throws(() => a.setState({ ...state, spareNormal: NaN }), /spareNormal must be a finite number or null/);
  assert.deepEqual(a.getState(), state, 'a refused state changes nothing');
});

test('an optimizer state exported after some steps and imported into a fresh optimizer gives the same next steps (SGD momentum, Adam)', () => {
  for (const make of [() => optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), () => optimizers.adam({ learningRate: optimizers.schedules.stepDecay({ initialLearningRate: 0.1, stepSize: 2 }) })]) {
    const w = tensor(Float32Array.from([0.5, -1, 2, 0.25]), [4]);
    w.requiresGrad = true;
    const step = (opt: Optimizer, p: typeof w, k: number) => {
      tidy(() => sum(mul(mul(p, tensor(Float32Array.from([1, 2, 3, k]), [4])), p)).backward());
      opt.step([p]);
      opt.zeroGrad([p]);
    };
    const a = make();
    for (let k = 0; k < 3; k++) step(a, w, k);
    const saved = a.exportState([['w', w]]);
    assert.equal(saved.iterations, 3);
    assert.deepEqual([...saved.slots.keys()], a.slotNames().map((s) => `w.${s}`));
    const w2 = tensor(w.data as Float32Array, [4]);
    w2.requiresGrad = true;
    const b = make();
    b.importState([['w', w2]], saved);
    for (let k = 3; k < 6; k++) {
      step(a, w, k);
      step(b, w2, k);
    }
    assert.deepEqual(Array.from(w2.data), Array.from(w.data), `${a.name}: same weights after three more steps`);
    assert.throws(() => b.importState([['v', w2]], saved), /"w\.[a-z]+", which is no buffer/);
    const wrong = new Map([...saved.slots].map(([k, t]) => [k, { shape: [2, 2], data: t.data }]));
    assert.throws(() => b.importState([['w', w2]], { iterations: 3, slots: wrong }), /has shape \[2, 2\] but the parameter has \[4\]/);
    assert.equal(gradOf(w2), null);
  }
});

test('fit stopped mid-epoch, after an epoch\'s last step and before any step, then resumed, ends with the uninterrupted weights and history', async () => {
  const reference = model();
  const expected = await reference.fit(data.x, data.y, base);
  const want = bits(reference);
  reference.dispose();
  // 5 steps per epoch: 1 and 7 stop mid-epoch, 5 and 10 after an epoch's last step (with validation and
  // its callbacks run), 20 is the last step of training (the run completes).
  for (const [stopAfter, every] of [[1, { steps: 3 }], [7, { steps: 3 }], [5, 1], [10, { epochs: 2 }], [13, 'interrupt'], [20, { steps: 4 }]] as const) {
    const { error, history, second, dir } = await stopAndResume(stopAfter, every);
    if (stopAfter < 20) {
      assert.ok(error instanceof FitInterruptedError, `stopped after ${stopAfter} steps: ${error}`);
      assert.equal(error.checkpoint, dir);
      assert.equal(error.epoch * 5 + error.step, stopAfter, 'the position is the next step');
      assert.match(error.message, new RegExp(`continue with fit\\(x, y, \\{ resume: ".*run" \\}\\)`));
    } else {
      assert.equal(error, null);
    }
    assert.deepEqual(bits(second), want, `stopped after ${stopAfter} steps (every ${JSON.stringify(every)}): the resumed weights differ`);
    assert.deepEqual(history, expected, `stopped after ${stopAfter} steps: the history differs`);
    second.dispose();
  }
});

test('a checkpoint is a directory of plain files: a loadable model, the optimizer buffers and sample order, readable state', async () => {
  const dir = join(temp(), 'run');
  const m = model();
  await m.fit(data.x, data.y, { ...base, epochs: 2, checkpoint: { path: dir, every: { steps: 3 }, metadata: { note: 'kept' } } });
  const entries = readdirSync(dir).sort();
  assert.deepEqual(entries, ['checkpoint.json', 'step-000010']);
  const pointer = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
  assert.deepEqual(pointer, { format: 'rectifier-checkpoint', version: 1, epoch: 2, step: 0, globalStep: 10, complete: true, latest: 'step-000010' });
  const generation = latestCheckpoint(dir)!;
  assert.deepEqual(readdirSync(generation).sort(), ['model.safetensors', 'state.json', 'state.safetensors']);
  const loaded = loadModel(join(generation, 'model.safetensors'));
  assert.deepEqual(bits(loaded), bits(m), 'model.safetensors is the model as model.save writes it');
  loaded.dispose();
  const { tensors } = readSafetensors(join(generation, 'state.safetensors'));
  assert.deepEqual([...tensors.keys()].sort(), [
    'data.order',
    ...['dense_1.bias', 'dense_1.kernel', 'dense_2.bias', 'dense_2.kernel', 'dense_3.bias', 'dense_3.kernel', 'batch_norm_1.gamma', 'batch_norm_1.beta']
      .flatMap((p) => [`optimizer.${p}.m`, `optimizer.${p}.v`]),
  ].sort());
  assert.deepEqual([...tensors.get('data.order')!.data].sort((a, b) => a - b), Array.from({ length: 150 }, (_, i) => i));
  const { state } = readCheckpointState(dir);
  assert.equal(state.optimizer.iterations, 10);
  assert.equal(state.optimizer.config.name, 'adam');
  assert.deepEqual(state.position, { epoch: 2, step: 0, globalStep: 10, stepsPerEpoch: 5, complete: true });
  assert.deepEqual(state.fit, { epochs: 2, batchSize: 32, shuffle: true, validation: true });
  assert.deepEqual(state.rng, m.rng.getState());
  assert.equal(state.history.history.loss.length, 2);
  assert.deepEqual(state.metadata, { note: 'kept' });
  m.dispose();
});

test('a write that fails part-way leaves the previous checkpoint whole, and the next write removes what it left', async () => {
  for (const failAt of ['directory-created', 'file-written:model.safetensors', 'file-written:state.json', 'renamed']) {
    const dir = join(temp(), 'run');
    const m = model();
    let writes = 0;
    generationWriteHooks.onStage = (stage) => {
      if (stage === failAt && ++writes === 2) throw new Error(`failed at ${stage}`);
    };
    try {
      await assert.rejects(m.fit(data.x, data.y, { ...base, epochs: 2, checkpoint: { path: dir, every: { steps: 3 } } }), new RegExp(`failed at ${failAt}`));
    } finally {
      generationWriteHooks.onStage = null;
    }
    const { state } = readCheckpointState(dir);
    assert.equal(state.position.globalStep, 3, `after a failure at ${failAt}, the first checkpoint is the latest`);
    // A stale directory of an earlier crash, under the name the next write will use, is replaced too.
    mkdirSync(join(dir, '.step-000099.1.x.tmp'));
    const resumed = model();
    await resumed.fit(data.x, data.y, { ...base, epochs: 2, resume: dir, checkpoint: { path: dir, every: { steps: 3 } } });
    assert.deepEqual(readdirSync(dir).sort(), ['checkpoint.json', 'step-000010'], `after ${failAt}`);
    m.dispose();
    resumed.dispose();
  }
});

test('callbacks of a resumed run see where it continues, and the monitor runs on it', async () => {
  const dir = join(temp(), 'run');
  const controller = new AbortController();
  const first = model();
  await assert.rejects(first.fit(data.x, data.y, {
    ...base, signal: controller.signal, checkpoint: { path: dir, every: 'interrupt' },
    callbacks: { onBatchEnd(batch) { if (batch === 2) controller.abort(); } },
  }), FitInterruptedError);
  first.dispose();
  const seen: string[] = [];
  const watcher: Callbacks = {
    onTrainBegin({ resumedFrom, history }) { seen.push(`begin ${JSON.stringify(resumedFrom)} ${history.epoch.length}`); },
    onEpochBegin(epoch) { seen.push(`epoch ${epoch}`); },
    onBatchEnd(batch) { seen.push(`batch ${batch}`); },
    onEpochEnd(epoch) { seen.push(`end ${epoch}`); },
  };
  const fitMonitor = monitor({ every: 1 });
  const second = model();
  const history = await second.fit(data.x, data.y, { ...base, epochs: 2, resume: dir, callbacks: [watcher, fitMonitor] });
  assert.deepEqual(seen, [
    'begin {"epoch":0,"step":3,"globalStep":3} 0', 'epoch 0', 'batch 3', 'batch 4', 'end 0',
    'epoch 1', 'batch 0', 'batch 1', 'batch 2', 'batch 3', 'batch 4', 'end 1',
  ]);
  assert.equal(history.epoch.length, 2);
  assert.deepEqual(fitMonitor.epochs.map((e) => e?.steps), [2, 5], 'the monitor counts the steps it saw: 2 of the resumed epoch, then 5');
  second.dispose();
});

test('resuming a finished run trains nothing unless more epochs are asked for', async () => {
  const dir = join(temp(), 'run');
  const m = model();
  const done = await m.fit(data.x, data.y, { ...base, epochs: 2, checkpoint: { path: dir } });
  const again = model();
  let steps = 0;
  const h = await again.fit(data.x, data.y, { ...base, epochs: undefined, resume: dir, callbacks: { onBatchEnd() { steps++; } } });
  assert.equal(steps, 0);
  assert.deepEqual(h, done);
  assert.deepEqual(bits(again), bits(m));
  const longer = await again.fit(data.x, data.y, { ...base, epochs: 3, resume: dir, callbacks: { onBatchEnd() { steps++; } } });
  assert.equal(steps, 5);
  assert.deepEqual(longer.epoch, [0, 1, 2]);
  // A run stopped by a callback (model.stopTraining, as early stopping does) is finished too.
  const stoppedDir = join(temp(), 'stopped');
  const stopped = model();
  const partial = await stopped.fit(data.x, data.y, {
    ...base, checkpoint: { path: stoppedDir, every: { steps: 2 } }, callbacks: { onBatchEnd(batch) { if (batch === 1) stopped.stopTraining = true; } },
  });
  assert.deepEqual(readCheckpointState(stoppedDir).state.position, { epoch: 1, step: 0, globalStep: 2, stepsPerEpoch: 5, complete: true });
  const after = model();
  assert.deepEqual(await after.fit(data.x, data.y, { ...base, epochs: undefined, resume: stoppedDir }), partial);
  assert.deepEqual(bits(after), bits(stopped));
  for (const x of [m, again, stopped, after]) x.dispose();
});

test('a resume that could not continue the same run is an error naming what differs', async () => {
  const dir = join(temp(), 'run');
  const m = model();
  await m.fit(data.x, data.y, { ...base, epochs: 1, checkpoint: { path: dir } });
  const other = model();
  await assert.rejects(other.fit(data.x, data.y, { ...base, batchSize: 16, resume: dir }), /fit: resume: batchSize 16 conflicts with the checkpoint's 32/);
  await assert.rejects(other.fit(data.x, data.y, { ...base, shuffle: false, resume: dir }), /shuffle false conflicts with the checkpoint's true/);
  await assert.rejects(other.fit(data.x, data.y, { epochs: 1, batchSize: 32, resume: dir }), /had validationData and this call has none/);
  const changed = data.x.slice();
  changed[17] += 1e-3;
  await assert.rejects(other.fit(changed, data.y, { ...base, resume: dir }), /the training data differs from the checkpoint's \(150 samples, CRC-32 [0-9a-f]{8}\/[0-9a-f]{8}; given 150 samples, [0-9a-f]{8}/);
  const wider = model(16);
  await assert.rejects(wider.fit(data.x, data.y, { ...base, resume: dir }), /the model differs from the checkpoint's .*architecture\.layers\[0\]\.config\.units is 12 in the checkpoint, 16 here/);
  const sgd = model(12, () => optimizers.sgd({ learningRate: 0.1 }));
  await assert.rejects(sgd.fit(data.x, data.y, { ...base, resume: dir }), /the compile settings differ .*compile\.optimizer\.name is "adam" in the checkpoint, "sgd" here/);
  await assert.rejects(other.fit(data.x, data.y, { ...base, resume: join(dir, 'nothing') }), /holds no checkpoint/);
  await assert.rejects(other.fit(data.x, data.y, { ...base, resume: 3 as never }), /resume must be the path of a checkpoint directory, got 3/);
  await assert.rejects(other.fit(data.x, data.y, { ...base, checkpoint: { path: dir, every: 0 } }), /checkpoint\.every must be a positive integer of epochs, \{ epochs: n \}, \{ steps: n \} or "interrupt", got 0/);
  await assert.rejects(other.fit(data.x, data.y, { ...base, checkpoint: { path: dir, each: 2 } as never }), /checkpoint has an unknown key "each"/);
  await assert.rejects(other.fit(data.x, data.y, { ...base, signal: {} as never }), /signal must be an AbortSignal/);
  // A damaged state.json is named with the key that is wrong.
  const file = join(latestCheckpoint(dir)!, 'state.json');
  const state = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...state, position: { ...state.position, step: 9 } }));
  await assert.rejects(other.fit(data.x, data.y, { ...base, resume: dir }), /state\.json: position\.step 9 is not below stepsPerEpoch 5/);
  assert.ok(existsSync(file));
  for (const x of [m, other, wider, sgd]) x.dispose();
});

test('fit interrupted without a checkpoint option says that nothing was written', async () => {
  const controller = new AbortController();
  controller.abort();
  const m = model();
  const e = await m.fit(data.x, data.y, { ...base, signal: controller.signal }).catch((err: unknown) => err);
  assert.ok(e instanceof FitInterruptedError);
  assert.equal(e.checkpoint, null);
  assert.match(e.message, /before epoch 1, step 1; no checkpoint was written/);
  m.dispose();
});
