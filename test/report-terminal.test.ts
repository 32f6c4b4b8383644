/**
 * The terminal views: one summary row per experiment, the tables of one experiment, and `rectifier report`
 * rendering a results file without running anything.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { experimentSummary, summaryTable, writeResults } from '../src/report/index.js';
import { exampleResults } from './helpers/report-example.js';
import { runReport } from '../src/cli/commands/report.js';

test('summaryTable: one row per experiment in lab order with verdict, headline numbers and time', () => {
  const text = summaryTable(exampleResults());
  const lines = text.split('\n');
  assert.match(lines[0]!, /^experiment\s+verdict\s+verdict rests on\s+value\s+time$/);
  // Two headline figures per experiment, one per line.
  assert.equal(lines.length, 2 + 16);
  assert.match(lines[2]!, /^Convergence speed: ReLU against tanh and sigmoid\s+partly agrees\s+Speed-up to target loss, ReLU vs tanh\s+2\.8 ± 0\.3×\s+6 min 52 s$/);
  assert.match(lines[3]!, /^\s+Speed-up to target loss, ReLU vs sigmoid\s+7\.5 ± 1\.1×$/);
  assert.match(lines[8]!, /^Sparsity of rectifier networks\s+agrees\s+Zero activations on MNIST\s+79\.2 ± 1\.4%\s+2 min$/);
  assert.doesNotMatch(text, /Incomplete run/);
});

test('summaryTable shows the numbers each verdict rests on, with what they were compared with', () => {
  const results = exampleResults();
  results.experiments.sparsity!.basis = [
    { label: 'mnist, λ 0.01: sparsity', value: 79.1, unit: '%', note: 'published 83.4%; rule: within 10 points' },
    { label: 'mnist, λ 0.01: test accuracy', value: 95.5, unit: '%', note: "rule: ≥ λ 0's 96.1% − 2 points" },
  ];
  const lines = summaryTable(results).split('\n');
  const at = lines.findIndex((l) => l.startsWith('Sparsity of rectifier networks'));
  assert.match(lines[at]!, /agrees\s+mnist, λ 0\.01: sparsity\s+79\.1% \(published 83\.4%; rule: within 10 points\)/);
  assert.match(lines[at + 1]!, /^\s+mnist, λ 0\.01: test accuracy\s+95\.5% \(rule: ≥ λ 0's 96\.1% − 2 points\)/);
  assert.doesNotMatch(lines.slice(at, at + 3).join('\n'), /Zero activations on MNIST/, 'the basis replaces the first measured figures');
  const text = experimentSummary(results.experiments.sparsity!);
  assert.match(text, /The verdict \(agrees\) rests on:\n  mnist, λ 0\.01: sparsity: 79\.1%/);
});

test('summaryTable notes an interrupted run and failed experiments', () => {
  const text = summaryTable(exampleResults({ interrupted: true, withFailure: true }));
  assert.match(text, /Non-linearity: decision boundaries \(incomplete\)\s+inconclusive/);
  assert.match(text, /Computational cost of the activation \(failed\)\s+inconclusive\s+-\s+-\s+14 s/);
  assert.match(text, /Incomplete run: 6 of 8 experiments completed\./);
  assert.match(text, /cost failed: RangeError: WebAssembly\.Memory\.grow\(\)/);
  assert.throws(() => summaryTable({} as never), /results\.version: expected a non-empty string/);
});

test('experimentSummary: claim, source, published beside measured, summary, then each table', () => {
  const text = experimentSummary(exampleResults().experiments.sparsity!);
  assert.match(text, /^Sparsity of rectifier networks — agrees\nClaim: Rectifier networks learn sparse representations/);
  assert.match(text, /Source: Glorot, Bordes & Bengio 2011 <https:\/\/proceedings\.mlr\.press\/v15\/glorot11a\.html>/);
  assert.match(text, /published \(Glorot, Bordes & Bengio 2011\)\s+Zero activations on MNIST — MNIST, rectifier network with L1 penalty\s+83\.4%/);
  assert.match(text, /measured\s+Zero activations on MNIST\s+79\.2 ± 1\.4%/);
  assert.match(text, /Fraction of exact zeros by layer \(%\)\nlayer\s+MNIST\s+Fashion-MNIST\n-+\s+-+\s+-+\n\s+1\s+74\.1\s+66\n/);
  const withNull = experimentSummary(exampleResults().experiments.nonlinearity!);
  assert.match(withNull, /spiral\s+96\.1\s+—/);
  assert.throws(() => experimentSummary({ title: 'x' } as never), /result\.claim: expected a non-empty string, got nothing/);
});

/** Captures console.log for the duration of `fn`. */
async function captureLog(t: TestContext, fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  t.mock.method(console, 'log', (...args: unknown[]) => lines.push(args.map(String).join(' ')));
  await fn();
  t.mock.restoreAll();
  return lines;
}

test('runReport renders index.html next to results.json and prints the summary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-report-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { json, html } = await writeResults(dir, exampleResults());
  rmSync(html);
  const lines = await captureLog(t, () => runReport(json, {}));
  assert.ok(existsSync(html));
  const out = lines.join('\n');
  assert.match(out, /^experiment\s+verdict/);
  assert.match(out, new RegExp(`Report: ${html.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
});

test('runReport --out writes elsewhere; --json prints one JSON line last', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-report-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { json } = await writeResults(join(dir, 'run'), exampleResults({ interrupted: true }));
  const out = join(dir, 'elsewhere');
  const lines = await captureLog(t, () => runReport(json, { out, json: true }));
  assert.deepEqual(JSON.parse(lines.at(-1)!), { html: join(out, 'index.html'), experiments: 8, complete: false });
  assert.deepEqual(readdirSync(out), ['index.html']);
});

test('runReport fails clearly on a bad --out, a missing file or a wrong argument', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-report-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { json } = await writeResults(dir, exampleResults());
  await assert.rejects(runReport(json, { out: join(json, 'sub') }), /^Error: --out .*results\.json\/sub: cannot write there: (ENOTDIR|EEXIST)/);
  await assert.rejects(runReport(join(dir, 'missing.json'), {}), /results file .*missing\.json: cannot read it: ENOENT/);
  await assert.rejects(runReport('', {}), /report: expected a path to results\.json, got an empty string/);
  await assert.rejects(runReport(json, { out: '' }), /report: expected --out to be a directory path, got ""/);
});
