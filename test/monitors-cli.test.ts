import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitor, layers, optimizers, sequential, spiral } from 'rectifier';
import { runInspect } from '../src/cli/commands/inspect.js';
import { formatAdvice, formatHealthTable } from '../src/cli/commands/monitor-print.js';

async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; out: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    return { value: await fn(), out: lines.join('\n') };
  } finally {
    console.log = original;
  }
}

test('inspect command: reports a saved model on a dataset, as a table or JSON, and rejects a dataset that does not fit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-inspect-'));
  try {
    const data = spiral({ n: 600, seed: 0 });
    const model = sequential({ inputShape: [2], seed: 1, layers: [layers.dense({ units: 16, activation: 'relu' }), layers.dense({ units: 3 })] });
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'softmax_cross_entropy' });
    const m = monitor();
    await model.fit(data.train.x, data.train.y, { epochs: 2, callbacks: [m] });
    const file = join(dir, 'model.safetensors');
    model.save(file);

    const table = formatHealthTable(m.epochs[1]!);
    assert.match(table, /^Epoch 2 health: gradient ratio first\/last /);
    assert.match(table, /dense_1 +relu +\d+\/16/);
    assert.match(table, /dense_2 +\(none\)/);
    assert.equal(formatAdvice([]), 'Advice: no problems found.');
    assert.match(formatAdvice([{ rule: 'dead-units', severity: 'warning', layer: 'dense_1', message: 'dense_1: 41% …', numbers: {} }]), /^Advice:\n {2}warning dense_1: 41% …$/);
    assert.throws(() => formatHealthTable(null as never), /epochStats must be one epoch's statistics/);

    const { value, out } = await quietly(() => runInspect(file, { dataset: 'spiral', samples: 50 }));
    assert.equal(value.samples, 50);
    assert.equal(value.split, 'test');
    assert.deepEqual(value.layers.map((l) => [l.name, l.activation]), [['dense_1', 'relu'], ['dense_2', null]]);
    assert.match(out, /50 test samples of spiral/);
    assert.match(out, /Advice:/);
    const json = await quietly(() => runInspect(file, { dataset: 'spiral', samples: 20, json: true, split: 'train' }));
    const parsed = JSON.parse(json.out) as { samples: number; split: string; layers: unknown[] };
    assert.equal(parsed.samples, 20);
    assert.equal(parsed.split, 'train');
    assert.equal(parsed.layers.length, 2);

    await assert.rejects(runInspect(file, { dataset: 'circles', samples: 0 }), /--samples must be a positive integer, got 0/);
    await assert.rejects(runInspect(join(dir, 'missing.safetensors'), { dataset: 'spiral' }), /no such model file/);
    await assert.rejects(runInspect(file, { dataset: 'spiral', split: 'val' as never }), /--split must be "train" or "test", got "val"/);
    const wide = sequential({ inputShape: [3], layers: [layers.dense({ units: 2, activation: 'relu' })] });
    const wideFile = join(dir, 'wide.safetensors');
    wide.save(wideFile);
    await assert.rejects(runInspect(wideFile, { dataset: 'xor' }), /dataset xor has samples of shape \[2\] \(2 values\) but the model .* takes inputs of shape \[3\] \(3 values\)/);
    model.dispose();
    wide.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
