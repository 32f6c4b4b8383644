/**
 * Files on disk: results.json and index.html are written atomically (no temporary files left, an existing
 * pair untouched when anything fails), read back with validation, and unwritable folders fail fast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkWritableDir, readResults, writeFileAtomic, writeHtml, writeResults } from '../src/report/index.js';
import { exampleResults } from './helpers/report-example.js';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('writeResults writes results.json and index.html and nothing else; readResults reads them back', async (t) => {
  const dir = join(scratch(t), 'nested', 'out');
  const results = exampleResults();
  const written = await writeResults(dir, results);
  assert.deepEqual(readdirSync(dir).sort(), ['index.html', 'results.json']);
  assert.equal(written.json, join(dir, 'results.json'));
  assert.equal(written.html, join(dir, 'index.html'));
  assert.deepEqual(await readResults(written.json), results);
  assert.deepEqual(await readResults(dir), results, 'a folder holding results.json also works');
  assert.match(readFileSync(written.html, 'utf8'), /^<!doctype html>/);
});

test('invalid results leave an existing pair untouched and no temporary files', async (t) => {
  const dir = scratch(t);
  await writeResults(dir, exampleResults());
  const before = { json: readFileSync(join(dir, 'results.json'), 'utf8'), html: readFileSync(join(dir, 'index.html'), 'utf8') };
  const broken = structuredClone(exampleResults()) as any;
  broken.experiments.dying.charts[0].series[0].points = [[1]];
  await assert.rejects(writeResults(dir, broken), /results\.experiments\.dying\.charts\[0\]\.series\[0\]\.points\[0\]/);
  assert.deepEqual(readdirSync(dir).sort(), ['index.html', 'results.json']);
  assert.equal(readFileSync(join(dir, 'results.json'), 'utf8'), before.json);
  assert.equal(readFileSync(join(dir, 'index.html'), 'utf8'), before.html);
});

test('a failure while moving files into place keeps results.json intact and removes the temporaries', async (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'results.json'), '{"previous":true}');
  // A folder where index.html should go makes the rename fail after both files were staged.
  mkdirSync(join(dir, 'index.html'));
  await assert.rejects(writeResults(dir, exampleResults()), /EISDIR|ENOTEMPTY|EEXIST|EPERM/);
  assert.equal(readFileSync(join(dir, 'results.json'), 'utf8'), '{"previous":true}');
  assert.deepEqual(readdirSync(dir).sort(), ['index.html', 'results.json']);
});

test('writeFileAtomic replaces a file whole and cleans up after itself', async (t) => {
  const dir = scratch(t);
  const path = join(dir, 'a.txt');
  await writeFileAtomic(path, 'one');
  await writeFileAtomic(path, 'two');
  assert.equal(readFileSync(path, 'utf8'), 'two');
  assert.deepEqual(readdirSync(dir), ['a.txt']);
  await assert.rejects(writeFileAtomic(join(dir, 'missing', 'b.txt'), 'x'), /ENOENT/);
  assert.deepEqual(readdirSync(dir), ['a.txt']);
  await assert.rejects(writeFileAtomic('', 'x'), /writeFileAtomic: expected path to be a non-empty path, got an empty string/);
  await assert.rejects(writeFileAtomic(path, 3 as never), /writeFileAtomic: expected contents to be a string, got number/);
});

test('writeHtml renders only the page', async (t) => {
  const dir = scratch(t);
  const { html } = await writeHtml(dir, exampleResults({ interrupted: true }));
  assert.deepEqual(readdirSync(dir), ['index.html']);
  assert.match(readFileSync(html, 'utf8'), /Incomplete run/);
});

test('checkWritableDir creates the folder, leaves no probe, and fails clearly where it cannot write', async (t) => {
  const dir = scratch(t);
  const target = join(dir, 'new', 'deeper');
  assert.equal(await checkWritableDir(target), target);
  assert.deepEqual(readdirSync(target), []);
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'not a folder');
  await assert.rejects(checkWritableDir(join(file, 'out'), '--out'), (error: Error) => {
    assert.match(error.message, new RegExp(`^--out ${join(file, 'out').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot write there: (ENOTDIR|EEXIST) `));
    return true;
  });
  await assert.rejects(checkWritableDir(''), /checkWritableDir: expected dir to be a non-empty path, got an empty string/);
});

test('checkWritableDir fails at once under a parent that refuses new entries (/proc), and creates nested folders level by level', { timeout: 20_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const nested = join(dir, 'a', 'b', 'c');
  assert.equal(await checkWritableDir(nested), nested);
  assert.deepEqual(readdirSync(nested), []);
  if (process.platform !== 'linux') return;
  // Node's recursive mkdir retried /proc/x forever at full CPU; `lab --out /proc/x` never started.
  await assert.rejects(checkWritableDir('/proc/rectifier-out/x', '--out'), /^Error: --out \/proc\/rectifier-out\/x: cannot write there: ENOENT no such file or directory, mkdir '\/proc\/rectifier-out'$/);
});

test('readResults refuses a device or a pipe without reading it', async () => {
  // /dev/zero used to be read until the worker ran out of memory.
  await assert.rejects(readResults('/dev/zero'), /^Error: results file \/dev\/zero: cannot read it: it is a character device, not a results file$/);
});

test('readResults names the file and the problem: missing, not JSON, not matching the schema', async (t) => {
  const dir = scratch(t);
  await assert.rejects(readResults(join(dir, 'nope.json')), /results file .*nope\.json: cannot read it: ENOENT no such file/);
  writeFileSync(join(dir, 'bad.json'), '{"version": ');
  await assert.rejects(readResults(join(dir, 'bad.json')), /results file .*bad\.json: not valid JSON: /);
  writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ ...exampleResults(), complete: 'no' }));
  await assert.rejects(readResults(join(dir, 'wrong.json')), /results file .*wrong\.json: results\.complete: expected true or false, got "no"/);
});
