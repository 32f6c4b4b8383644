import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recurrent, recurrentVerdict, type Run } from '../src/lab/experiments/recurrent.js';

const run = (model: Run['model'], final: number | null, seed = 1, length = 60): Run => ({ task: 'adding', length, model, seed, curve: final === null ? [] : [final], final, seconds: 1, diverged: final === null });
const seeds = (model: Run['model'], finals: Array<number | null>) => finals.map((f, i) => run(model, f, i + 1));

test('recurrent: the verdict rule on hand-made records, at the longest length only', () => {
  const solved = [0.001, 0.002, 0.003];
  const failed = [0.15, 0.16, 0.17];
  assert.equal(recurrentVerdict([...seeds('irnn', solved), ...seeds('lstm', solved), ...seeds('tanh', failed), ...seeds('relu', failed)], 60), 'agrees');
  // The ReLU RNN with ordinary init keeps up, tanh fails: part of the contrast.
  assert.equal(recurrentVerdict([...seeds('irnn', [0.001, 0.002, 0.05]), ...seeds('lstm', solved), ...seeds('tanh', failed), ...seeds('relu', solved)], 60), 'partly');
  assert.equal(recurrentVerdict([...seeds('irnn', [0.1, 0.12, null]), ...seeds('lstm', solved), ...seeds('tanh', failed), ...seeds('relu', failed)], 60), 'disagrees');
  assert.equal(recurrentVerdict([...seeds('irnn', solved), ...seeds('lstm', solved), ...seeds('tanh', solved), ...seeds('relu', solved)], 60), 'disagrees');
  assert.equal(recurrentVerdict([...seeds('irnn', [0.001, 0.05, 0.05]), ...seeds('lstm', solved), ...seeds('tanh', [0.05, 0.05, 0.05]), ...seeds('relu', [0.001, 0.05, 0.06])], 60), 'inconclusive');
  // Runs at a shorter length do not count.
  assert.equal(recurrentVerdict([...seeds('irnn', solved), ...seeds('tanh', failed).map((r) => ({ ...r, length: 30 }))], 60), 'inconclusive');
  assert.equal(recurrentVerdict([], 60), 'inconclusive');
});

test('recurrent: the grid lists every model at every length and seed, then row-by-row MNIST when the budget has it', () => {
  const full = recurrent.grid({ budget: recurrent.budgets.full, seeds: [1, 2] });
  assert.equal(full.length, 2 * (recurrent.budgets.full.lengths.length * 4 + 4));
  assert.deepEqual(new Set(full.map((c) => c.model)), new Set(['irnn', 'lstm', 'tanh', 'relu']));
  assert.ok(full.some((c) => c.task === 'seq-mnist'));
  assert.ok(!recurrent.grid({ budget: recurrent.budgets.quick, seeds: [1] }).some((c) => c.task === 'seq-mnist'));
});
