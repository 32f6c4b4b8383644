/**
 * `rectifier sweep`: a grid of train options expands in a fixed order, bad grids are named, and the
 * shards of a sweep merged equal the unsharded sweep in every number but durations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandGrid, parseGrid, runSweep, runSweepMerge, type SweepFile } from '../src/cli/commands/sweep.js';

const root = mkdtempSync(join(tmpdir(), 'rectifier-sweep-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
const cli = { command: process.execPath, args: ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))] };

test('a grid expands to every combination, the first option varying slowest', () => {
  const grid = parseGrid(['activation=relu,gelu', 'lr=0.1, 0.01', 'seed=1']);
  assert.deepEqual(grid, [{ option: 'activation', values: ['relu', 'gelu'] }, { option: 'lr', values: [0.1, 0.01] }, { option: 'seed', values: [1] }]);
  assert.deepEqual(expandGrid(grid), [
    { activation: 'relu', lr: 0.1, seed: 1 }, { activation: 'relu', lr: 0.01, seed: 1 },
    { activation: 'gelu', lr: 0.1, seed: 1 }, { activation: 'gelu', lr: 0.01, seed: 1 },
  ]);
});

test('bad grids are named with what was expected', () => {
  assert.throws(() => parseGrid([]), /at least one --grid <option>=<value>,<value>/);
  assert.throws(() => parseGrid(['activation']), /expected --grid <option>=<value>,<value>…, got "activation"/);
  assert.throws(() => parseGrid(['colour=red']), /--grid colour: a grid varies one of activation, model/);
  assert.throws(() => parseGrid(['lr=0.1,fast']), /--grid lr: expected numbers, got "fast"/);
  assert.throws(() => parseGrid(['seed=1,1']), /a value is listed twice/);
  assert.throws(() => parseGrid(['seed=1', 'seed=2']), /--grid seed is given twice/);
});

test('two shards of a sweep merged equal the unsharded sweep but for durations', async () => {
  const common = { dataset: 'xor', fixed: { epochs: 2 }, grid: ['activation=relu,tanh'], progress: false as const, json: true, cli };
  const log = console.log;
  console.log = () => {};
  try {
    await runSweep({ ...common, out: join(root, 'all') });
    await runSweep({ ...common, shard: '1/2', out: join(root, 's1') });
    await runSweep({ ...common, shard: '2/2', out: join(root, 's2') });
    await runSweepMerge([join(root, 's2'), join(root, 's1', 'sweep.json')], { out: join(root, 'merged'), json: true });
    await assert.rejects(runSweepMerge([join(root, 's1'), join(root, 's1')], { out: join(root, 'twice') }), /shard 1\/2 is given twice/);
  } finally {
    console.log = log;
  }
  const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepFile;
  const timeless = (f: SweepFile) => f.rows.map((r) => ({ ...r, result: { ...r.result, seconds: 0, samplesPerSecond: 0 } }));
  const all = read(join(root, 'all'));
  const merged = read(join(root, 'merged'));
  assert.equal(merged.complete, true);
  assert.deepEqual(merged.mergedShards, ['1/2', '2/2']);
  assert.equal(all.rows.length, 2);
  assert.ok(all.rows.every((r) => typeof r.result.testAccuracy === 'number'), 'each row holds the run’s test accuracy');
  assert.deepEqual(timeless(merged), timeless(all));
});
