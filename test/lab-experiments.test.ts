/**
 * Every experiment of the lab, end to end at its `tiny` budget: it runs on real data, finishes, and
 * produces a section the report can read (validated against src/report's schema) with the fields the
 * report shows: setup, figures, a verdict, a generated paragraph, tables and charts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPERIMENTS, runLab } from '../src/lab/index.js';
import { EXPERIMENT_ORDER, VERDICTS, readResults, validateExperiment } from '../src/report/index.js';

const out = mkdtempSync(join(tmpdir(), 'rectifier-lab-experiments-'));
test.after(() => rmSync(out, { recursive: true, force: true }));

test('the registry holds the eight experiments in the report order, each with tiny, quick and full budgets', () => {
  assert.deepEqual(EXPERIMENTS.map((e) => e.id), [...EXPERIMENT_ORDER]);
  for (const e of EXPERIMENTS) {
    for (const budget of ['tiny', 'quick', 'full'] as const) {
      assert.ok(e.budgets[budget], `${e.id} has a ${budget} budget`);
      assert.ok(e.budgets[budget].expectedSeconds > 0, `${e.id} states the expected time of its ${budget} budget`);
    }
    assert.ok(e.claim.length > 40 && e.source.citation.length > 10 && /^https:\/\//.test(e.source.url), `${e.id} states its claim and source`);
  }
});

for (const experiment of EXPERIMENTS) {
  test(`${experiment.id} runs end to end at the tiny budget and produces what the report reads`, async () => {
    const dir = join(out, experiment.id);
    const outcome = await runLab({ experiments: [experiment.id], budget: 'tiny', out: dir, progress: false, print: false, handleSignals: false });
    assert.equal(outcome.exitCode, 0, outcome.results.experiments[experiment.id]?.error);
    const result = validateExperiment(outcome.results.experiments[experiment.id], experiment.id);
    assert.equal(result.status, 'complete');
    assert.ok(VERDICTS.includes(result.verdict));
    assert.ok(result.setup.includes('Verdict rule'), 'the setup states the verdict rule');
    assert.ok(result.summary.length > 80, 'a generated paragraph');
    assert.ok(result.measured.length > 0 && result.measured.some((f) => f.value !== null), 'numbers from the runs');
    assert.ok(result.basis !== undefined && result.basis.length > 0 && result.basis.every((f) => typeof f.note === 'string'), 'the figures the verdict rests on, each with what it was compared with');
    assert.equal(result.runs?.length, result.cells, 'a record for every cell of the grid');
    assert.ok(result.tables.length > 0 && result.tables.some((t) => t.rows.length > 0), 'tables with rows');
    assert.ok(result.charts.length > 0, 'charts');
    const onDisk = await readResults(dir);
    assert.equal(onDisk.complete, true);
    assert.deepEqual(onDisk.settings.experiments, [experiment.id]);
    assert.equal(onDisk.settings.budget, 'tiny');
  });
}

test('published figures are labelled with their source where the experiment has them', async () => {
  const byId = Object.fromEntries(EXPERIMENTS.map((e) => [e.id, e]));
  assert.ok(byId.sparsity && byId.convergence && byId.init && byId.dying);
  const results = await readResults(join(out, 'sparsity'));
  const published = results.experiments.sparsity!.published ?? [];
  assert.equal(published[0]?.value, 83.4);
  const dying = await readResults(join(out, 'dying'));
  assert.equal(dying.experiments.dying!.published, undefined, 'no invented published figure for Lu et al.');
  assert.match(dying.experiments.dying!.summary, /could not find/);
  const nonlinearity = await readResults(join(out, 'nonlinearity'));
  assert.ok(nonlinearity.experiments.nonlinearity!.charts.some((c) => c.kind === 'boundary'), 'decision boundaries are drawn');
});

test('the quick budgets together are planned to fit the five minutes `npm start` promises', () => {
  const planned = EXPERIMENTS.reduce((s, e) => s + e.budgets.quick.expectedSeconds, 0);
  assert.ok(planned <= 300, `quick budgets plan ${planned} s`);
  const full = EXPERIMENTS.reduce((s, e) => s + e.budgets.full.expectedSeconds, 0);
  assert.ok(full <= 3600, `full budgets plan ${full} s`);
});

test('convergence races a four-layer CNN with SGD and momentum at batch 128 in quick and full, as Krizhevsky et al. did', async () => {
  const byId = Object.fromEntries(EXPERIMENTS.map((e) => [e.id, e]));
  for (const name of ['quick', 'full'] as const) {
    const b = byId.convergence!.budgets[name];
    assert.equal(b.model, 'cnn');
    assert.equal(b.filters.length + b.hidden.length + 1, 4, 'four weight layers');
    assert.equal(b.batchSize, 128);
    assert.ok(b.learningRates.length >= 3, 'a learning-rate grid');
    assert.ok(b.activations.includes('relu') && b.activations.includes('tanh'));
  }
  assert.ok(byId.convergence!.budgets.full.inits.includes('paper'), 'the full budget also runs N(0, 0.01²) initialization');
  const result = (await readResults(join(out, 'convergence'))).experiments.convergence!;
  assert.match(result.setup, /SGD with momentum 0\.9/);
  assert.match(result.setup, /no regularization/);
  const settings = new Set(result.tables[1]!.rows.map((r) => r[0]));
  assert.deepEqual([...settings].sort(), ['matched', 'paper'], 'both initializations ran at the tiny budget');
  assert.ok(result.measured.some((f) => /seconds/.test(f.label)), 'seconds are reported beside steps');
});

test('dying trains narrow 1-D networks on |x| over a depth grid, with He and RAI', async () => {
  const byId = Object.fromEntries(EXPERIMENTS.map((e) => [e.id, e]));
  for (const name of ['quick', 'full'] as const) {
    const b = byId.dying!.budgets[name];
    assert.ok(Math.min(...b.widths) === 2 && Math.max(...b.widths) <= 4, 'widths 2 to 4, where Lu et al. show the effect');
    assert.ok(b.depths.length >= 4 && Math.min(...b.depths) <= 2 && Math.max(...b.depths) >= 16, 'depths from shallow to deep');
  }
  const result = (await readResults(join(out, 'dying'))).experiments.dying!;
  assert.match(result.setup, /\|x\|/);
  const rows = result.tables[0]!.rows;
  assert.ok(rows.some((r) => r[2] === 'he') && rows.some((r) => r[2] === 'rai'));
  for (const r of rows) {
    const [bornDead, collapsed] = [r[4], r[6]] as Array<number | null>;
    assert.ok(bornDead === null || (bornDead >= 0 && bornDead <= 1));
    assert.ok(collapsed === null || (collapsed >= 0 && collapsed <= 1));
  }
});

test('variants gives its CNN enough data to be more than chance in quick', () => {
  const byId = Object.fromEntries(EXPERIMENTS.map((e) => [e.id, e]));
  const b = byId.variants!.budgets.quick;
  assert.ok(b.cnn.trainSize * b.cnn.epochs >= 5000, 'several thousand training samples seen');
});
