/**
 * The one loop over an experiment's cells: progress per cell, shared data made once, tracked resources
 * disposed however a cell ends, a checkpoint after each cell, and a stop at the signal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sweep, type ProgressReporter } from '../src/lab/index.js';

function recorder() {
  const events: string[] = [];
  const progress: ProgressReporter = {
    setTotal: (n) => events.push(`total ${n}`),
    advance: () => events.push('advance'),
    status: (label) => events.push(`status ${label}`),
  };
  return { events, progress };
}

const plan = { budget: { expectedSeconds: 1 }, seeds: [1, 2] };

test('each cell runs in order with its grid index; progress, shared data and checkpoints are the sweep’s', async () => {
  const { events, progress } = recorder();
  let loads = 0;
  const disposed: number[] = [];
  const checkpoints: number[][] = [];
  const outcome = await sweep({
    ...plan,
    cells: [{ index: 1, cell: 'b' }, { index: 4, cell: 'e' }],
    label: (c) => `cell ${c}`,
    run: async (c, ctx) => {
      const data = await ctx.shared('loading data', () => ++loads);
      ctx.track({ dispose: () => disposed.push(data) });
      return { c, data, seeds: ctx.seeds };
    },
    signal: new AbortController().signal,
    progress,
    checkpoint: async (records) => {
      checkpoints.push(records.map((r) => r.cell));
    },
  });
  assert.equal(outcome.stopped, false);
  assert.deepEqual(outcome.records, [{ cell: 1, run: { c: 'b', data: 1, seeds: [1, 2] } }, { cell: 4, run: { c: 'e', data: 1, seeds: [1, 2] } }]);
  assert.equal(loads, 1, 'shared data is made once');
  assert.deepEqual(disposed, [1, 1], 'what a cell tracked is disposed when it ends');
  assert.deepEqual(checkpoints, [[1], [1, 4]]);
  // The loading status shows while the data is made, then the cell's own label returns.
  assert.deepEqual(events, ['total 2', 'status cell b', 'status loading data', 'status cell b', 'advance', 'status cell e', 'status cell e', 'advance']);
});

test('a cell that throws or stops still has its resources disposed; the sweep stops at the signal', async () => {
  const disposed: string[] = [];
  const failing = sweep({
    ...plan,
    cells: [{ index: 0, cell: 0 }],
    label: () => 'x',
    run: async (_c, ctx) => {
      ctx.track({ dispose: () => disposed.push('thrown') });
      throw new Error('cell failed');
    },
    signal: new AbortController().signal,
    progress: recorder().progress,
  });
  await assert.rejects(failing, /cell failed/);
  assert.deepEqual(disposed, ['thrown']);

  const controller = new AbortController();
  const ran: number[] = [];
  const outcome = await sweep({
    ...plan,
    cells: [0, 1, 2, 3].map((i) => ({ index: i, cell: i })),
    label: (c) => `cell ${c}`,
    run: async (c, ctx) => {
      ran.push(c);
      ctx.track({ dispose: () => disposed.push(`cell ${c}`) });
      if (c === 1) {
        controller.abort();
        return null; // stopped mid-cell: no record
      }
      return c;
    },
    signal: controller.signal,
    progress: recorder().progress,
  });
  assert.equal(outcome.stopped, true);
  assert.deepEqual(ran, [0, 1], 'nothing runs after the stop');
  assert.deepEqual(outcome.records, [{ cell: 0, run: 0 }]);
  assert.deepEqual(disposed, ['thrown', 'cell 0', 'cell 1']);
});
