/** setThreads/getThreads on the public API: the count changes, results do not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { getBackend, getThreads, sequential, layers, setBackend, setThreads, tensor, tidy } from 'rectifier';

test('setThreads changes how many threads run large kernels, and the results stay bit-identical', async (t) => {
  if (availableParallelism() < 2) {
    t.skip(`this machine has ${availableParallelism()} core: one thread cannot be compared with two`);
    return;
  }
  await setBackend('wasm');
  const before = getThreads();
  try {
    const model = sequential({ inputShape: [256], seed: 3, layers: [layers.dense({ units: 512, activation: 'relu' }), layers.dense({ units: 10 })] });
    const x = Float32Array.from({ length: 512 * 256 }, (_, i) => Math.sin(i));
    const run = () => tidy(() => model.predict(tensor(x, [512, 256])).toArray());
    setThreads(1);
    assert.equal(getThreads(), 1);
    const one = run();
    const all = Math.min(availableParallelism(), 4);
    assert.ok(all >= 2);
    setThreads(all);
    assert.equal(getThreads(), all);
    assert.deepEqual(run(), one);
    assert.throws(() => setThreads(0), /setThreads: n must be an integer from 1 to/);
    model.dispose();
  } finally {
    setThreads(before);
  }
  await setBackend('js');
  assert.equal(getBackend(), 'js');
  setThreads(1);
  assert.throws(() => setThreads(2), /the js backend runs on one thread; n must be 1, got 2/);
  await setBackend('wasm');
});
