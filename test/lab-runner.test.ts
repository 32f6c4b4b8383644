/**
 * The lab runner: requests are checked before any work (unknown experiments name the valid ones, an
 * unwritable --out fails first), an interrupted run leaves results.json with `complete: false` and the
 * experiment marked incomplete, `--json` ends with one summary line, and `rectifier report` renders a
 * produced results.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPERIMENT_IDS, formatDuration, runLab, type AnyExperiment, type ExperimentResult } from '../src/lab/index.js';
import { readResults, validateResults } from '../src/report/index.js';
import { runReport } from '../src/cli/commands/report.js';
import { runLabCommand } from '../src/cli/commands/lab.js';

const root = mkdtempSync(join(tmpdir(), 'rectifier-lab-runner-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const quiet = { progress: false as const, print: false as const, handleSignals: false };

/** A stand-in experiment that records whether it ran and can stop itself half-way. */
function standIn(id: string, behaviour: { abortAfterCheckpoint?: AbortController; throws?: boolean } = {}) {
  const calls: string[] = [];
  const section = (done: number): ExperimentResult => ({
    title: `Stand-in ${id}`, claim: 'A claim long enough to read.', source: { citation: 'Nobody 2024', url: 'https://example.org' },
    setup: 'Nothing.', measured: [{ label: 'units done', value: done }], verdict: 'inconclusive', summary: `${done} units done.`,
    tables: [], charts: [], status: 'complete', seconds: 0,
  });
  // Three cells; the first one's checkpoint may stop the run, which the next cell then sees.
  const experiment: AnyExperiment = {
    id, title: `Stand-in ${id}`, claim: 'A claim long enough to read.', source: { citation: 'Nobody 2024', url: 'https://example.org' },
    budgets: { tiny: { expectedSeconds: 1 }, quick: { expectedSeconds: 1 }, full: { expectedSeconds: 1 } },
    grid: () => [0, 1, 2],
    label: (cell: number) => `unit ${cell}`,
    async run(cell: number, ctx) {
      if (cell === 0) calls.push(id);
      if (behaviour.throws) throw new Error('stand-in failure');
      if (ctx.signal.aborted) return null;
      if (cell === 0) setImmediate(() => behaviour.abortAfterCheckpoint?.abort());
      return { unit: cell };
    },
    summarize: (runs: readonly unknown[]) => ({ ...section(runs.length), basis: [] }),
  };
  return { experiment, calls };
}

test('an unknown experiment name fails before any work and lists the valid ones', async () => {
  await assert.rejects(runLab({ experiments: ['convergence', 'dyingg'], budget: 'tiny', out: join(root, 'unknown'), ...quiet }), (error: Error) => {
    assert.match(error.message, /unknown experiment "dyingg"/);
    for (const id of EXPERIMENT_IDS) assert.ok(error.message.includes(id), `lists ${id}`);
    return true;
  });
  assert.equal(existsSync(join(root, 'unknown')), false, 'nothing was created');
});

test('bad options are named: seeds, budget', async () => {
  await assert.rejects(runLab({ seeds: 0, out: join(root, 'x'), ...quiet }), /--seeds to be a whole number from 1 to 100, got 0/);
  await assert.rejects(runLab({ budget: 'huge' as never, out: join(root, 'x'), ...quiet }), /budget to be one of tiny, quick, full, got "huge"/);
});

test('an unwritable --out fails before any experiment runs', async () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'not a folder');
  const { experiment, calls } = standIn('alpha');
  await assert.rejects(runLab({ out: join(file, 'sub'), budget: 'tiny', registry: [experiment], ...quiet }), /--out .*cannot write there/);
  assert.deepEqual(calls, [], 'no experiment ran');
});

test('an interrupted run leaves results.json with complete: false and the experiment marked incomplete', async () => {
  const controller = new AbortController();
  const first = standIn('alpha', { abortAfterCheckpoint: controller });
  const second = standIn('beta');
  const out = join(root, 'interrupted');
  const outcome = await runLab({ out, budget: 'tiny', registry: [first.experiment, second.experiment], signal: controller.signal, ...quiet });
  assert.equal(outcome.interrupted, true);
  assert.equal(outcome.exitCode, 130);
  assert.deepEqual(second.calls, [], 'the run stopped before the next experiment');
  const results = await readResults(out);
  assert.equal(results.complete, false);
  assert.equal(results.experiments.alpha!.status, 'incomplete');
  assert.equal(results.experiments.alpha!.measured[0]!.value, 1, 'what was gathered before the stop is kept');
  assert.equal(results.experiments.beta, undefined);
});

test('a real experiment stopped by the signal mid-way is saved as incomplete', async () => {
  const controller = new AbortController();
  const out = join(root, 'real-interrupted');
  const progress = { write: (text: string) => { if (/nonlinearity 1\//.test(text) || /2\/6/.test(text)) controller.abort(); return true; }, isTTY: true };
  const outcome = await runLab({ experiments: ['nonlinearity'], budget: 'tiny', out, signal: controller.signal, progress, print: false, handleSignals: false });
  const results = validateResults(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
  if (outcome.interrupted) {
    assert.equal(results.complete, false);
    assert.equal(results.experiments.nonlinearity!.status, 'incomplete');
  } else {
    assert.equal(results.complete, true, 'finished before the stop could land');
  }
});

test('a failing experiment is recorded as failed, the others still run, and the exit code is 1', async () => {
  const bad = standIn('alpha', { throws: true });
  const good = standIn('beta');
  const out = join(root, 'failed');
  const outcome = await runLab({ out, budget: 'tiny', registry: [bad.experiment, good.experiment], ...quiet });
  assert.equal(outcome.exitCode, 1);
  const results = await readResults(out);
  assert.equal(results.experiments.alpha!.status, 'failed');
  assert.equal(results.experiments.alpha!.error, 'stand-in failure');
  assert.equal(results.experiments.beta!.status, 'complete');
  assert.equal(results.complete, false);
});

test('--json ends with one JSON line naming the files and each verdict', async () => {
  const lines: string[] = [];
  const out = join(root, 'json');
  const { experiment } = standIn('alpha');
  await runLab({ out, budget: 'tiny', json: true, registry: [experiment], progress: false, handleSignals: false, print: (t) => lines.push(t) });
  const summary = JSON.parse(lines[lines.length - 1]!);
  assert.equal(summary.results, join(out, 'results.json'));
  assert.equal(summary.html, join(out, 'index.html'));
  assert.equal(summary.complete, true);
  assert.deepEqual(summary.experiments.alpha, { verdict: 'inconclusive', status: 'complete', seconds: summary.experiments.alpha.seconds });
});

test('`rectifier report` renders a results.json the lab produced', async () => {
  const out = join(root, 'for-report');
  await runLab({ experiments: ['nonlinearity'], budget: 'tiny', out, ...quiet });
  const html = join(root, 'rendered');
  const log = console.log;
  console.log = () => {};
  try {
    const outcome = await runReport(join(out, 'results.json'), { out: html, json: true });
    assert.equal(outcome.experiments, 1);
    assert.equal(outcome.complete, true);
  } finally {
    console.log = log;
  }
  const page = readFileSync(join(html, 'index.html'), 'utf8');
  assert.match(page, /ReLU lets a network learn non-linear patterns/);
  assert.match(page, /<svg/);
});

test('runLabCommand validates its arguments and reports an unknown experiment', async () => {
  await assert.rejects(runLabCommand(['nope'], { budget: 'tiny', out: join(root, 'cmd') }), /valid experiments: convergence, depth, init, sparsity, dying, cost, variants, nonlinearity/);
  await assert.rejects(runLabCommand([], { budget: 'big' as never }), /--budget to be one of tiny, quick, full/);
});

test('durations are shown as m:ss', () => {
  assert.equal(formatDuration(65), '1:05');
  assert.equal(formatDuration(3723), '1:02:03');
  assert.equal(formatDuration(NaN), '?');
});
