/**
 * Sharding: `--shard k/n` runs a deterministic 1/n of the grid's cells, and merging the n shards gives the
 * unsharded run's results in every number that does not measure time (tested at the tiny budget, two seeds,
 * all eight experiments). Merging refuses files that are not shards of one run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecords, EXPERIMENTS, mergeShards, parseShard, runLab, shardCells, type ShardFile } from '../src/lab/index.js';
import { readResults, type ExperimentResult, type LabResults } from '../src/report/index.js';
import { runMerge } from '../src/cli/commands/report.js';

const root = mkdtempSync(join(tmpdir(), 'rectifier-lab-shard-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
const quiet = { progress: false as const, print: false as const, handleSignals: false };

test('--shard k/n is checked and names the expected form', () => {
  assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  assert.deepEqual(parseShard(' 1 / 1 '), { index: 1, count: 1 });
  for (const bad of ['0/3', '4/3', '3', 'a/b', '1/0', '', '-1/2', '1.5/3']) {
    assert.throws(() => parseShard(bad), /--shard: expected k\/n with 1 ≤ k ≤ n ≤ 10000 \(e\.g\. 2\/4 for the second of four shards\), got/, bad);
  }
});

test('the shards of a grid are disjoint, cover every cell and do not depend on anything but the request', () => {
  const sizes = [4, 1, 7, 0, 3];
  for (const n of [1, 2, 3, 5, 16]) {
    const shards = Array.from({ length: n }, (_, k) => shardCells(sizes, { index: k + 1, count: n }));
    sizes.forEach((size, e) => {
      const all = shards.flatMap((s) => s[e]!).sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: size }, (_, i) => i), `n = ${n}, experiment ${e}: every cell exactly once`);
    });
    assert.deepEqual(shards, Array.from({ length: n }, (_, k) => shardCells(sizes, { index: k + 1, count: n })), 'deterministic');
    const loads = shards.map((s) => s.reduce((t, cells) => t + cells.length, 0));
    assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `n = ${n}: cells spread evenly, got ${loads.join(', ')}`);
  }
  assert.deepEqual(shardCells(sizes), sizes.map((n) => Array.from({ length: n }, (_, i) => i)), 'no shard: every cell');
});

/** Record fields that hold a duration: everything else in a record is the same from run to run. */
const TIME_FIELDS = new Set(['seconds', 'forwardNs', 'backwardNs', 'copy']);

/** The records with every duration set to 0. */
function withoutTime(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTime);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, TIME_FIELDS.has(k) && typeof v === 'number' ? 0 : withoutTime(v)]));
  }
  return value;
}

/** The section `summarize` gives for a file's records once their durations are zeroed. */
function timeless(id: string, section: ExperimentResult, results: LabResults) {
  const experiment = EXPERIMENTS.find((e) => e.id === id)!;
  const runs = decodeRecords(section.runs!).map((r) => withoutTime(r.run));
  return experiment.summarize(runs, { budget: experiment.budgets.tiny, seeds: results.settings.seedValues as number[], planned: section.cells! });
}

test('three shards merged equal the unsharded run in every number that does not measure time', async () => {
  const whole = (await runLab({ budget: 'tiny', seeds: 2, out: join(root, 'whole'), ...quiet })).results;
  assert.equal(whole.complete, true);
  const shardDirs: string[] = [];
  for (const k of [1, 2, 3]) {
    const dir = join(root, `shard-${k}`);
    const outcome = await runLab({ budget: 'tiny', seeds: 2, shard: `${k}/3`, out: dir, ...quiet });
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.results.settings.shard, `${k}/3`);
    shardDirs.push(dir);
  }
  const log = console.log;
  console.log = () => {};
  let outcome;
  try {
    // Folders and files both name a shard's results.
    outcome = await runMerge([shardDirs[0]!, join(shardDirs[1]!, 'results.json'), shardDirs[2]!], { out: join(root, 'merged'), json: true });
  } finally {
    console.log = log;
  }
  assert.deepEqual(outcome.shards, ['1/3', '2/3', '3/3']);
  const merged = await readResults(join(root, 'merged'));
  assert.equal(merged.complete, true);
  assert.deepEqual(Object.keys(merged.experiments), Object.keys(whole.experiments));
  for (const [id, section] of Object.entries(whole.experiments)) {
    const m = merged.experiments[id]!;
    assert.equal(m.status, 'complete', id);
    assert.equal(m.cells, section.cells, `${id}: grid size`);
    assert.deepEqual(m.runs!.map((r) => r.cell), section.runs!.map((r) => r.cell), `${id}: every cell, in grid order`);
    // The records are the measurements; apart from durations they are identical.
    assert.deepEqual(withoutTime(m.runs), withoutTime(section.runs), `${id}: records`);
    // Everything computed from them — figures, basis, verdict, tables, charts, prose — then agrees too.
    assert.deepEqual(timeless(id, m, merged), timeless(id, section, whole), `${id}: summary`);
    if (id !== 'cost') {
      // Cost's verdict rests on timings; every other verdict is the same in the files as written.
      assert.equal(m.verdict, section.verdict, `${id}: verdict`);
    }
  }
});

test('merging refuses files that are not shards of one run, and marks missing shards incomplete', async () => {
  const a = (await readResults(join(root, 'shard-1'))) as LabResults;
  const b = (await readResults(join(root, 'shard-2'))) as LabResults;
  const file = (source: string, results: LabResults): ShardFile => ({ source, results });
  assert.throws(() => mergeShards([file('a', a), file('a again', a)]), /shard 1\/3 is given twice \(a and a again\)/);
  const otherBudget = structuredClone(b);
  otherBudget.settings.budget = 'quick';
  assert.throws(() => mergeShards([file('a', a), file('b', otherBudget)]), /b is not a shard of the same run as a: budget "quick" against "tiny"/);
  const otherSeeds = structuredClone(b);
  otherSeeds.settings.seedValues = [1];
  assert.throws(() => mergeShards([file('a', a), file('b', otherSeeds)]), /seeds \[1\] against \[1,2\]/);
  const overlapping = structuredClone(b);
  overlapping.settings.shard = '3/3';
  const id = Object.keys(a.experiments).find((e) => b.experiments[e])!;
  overlapping.experiments[id]!.runs!.push(a.experiments[id]!.runs![0]!);
  assert.throws(() => mergeShards([file('a', a), file('b', overlapping)]), new RegExp(`cell ${a.experiments[id]!.runs![0]!.cell} of ${id} is in both a and b`));
  const partial = mergeShards([file('a', a), file('b', b)]);
  assert.equal(partial.complete, false);
  const missing = Object.values(partial.experiments).filter((e) => e.status === 'incomplete');
  assert.ok(missing.length > 0, 'experiments with cells in the missing shard are incomplete');
  for (const e of missing) assert.match(e.summary, /are in these results \(the run was stopped or sharded\)/);
});
