/**
 * Reading and writing results on disk. Writes go to a temporary file in the target folder and are renamed
 * into place, so a crash or Ctrl-C never leaves a half-written results.json or index.html behind, and a
 * failed render leaves the previous files as they were.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sweepStaleTemporaries, trackTemporary } from '../io/files.js';
import { makeDirectory } from '../io/generations.js';
import { renderHtml } from './html.js';
import { validateResults, type LabResults } from './schema.js';

export const RESULTS_FILE = 'results.json';
export const HTML_FILE = 'index.html';
/** The largest results.json `readResults` reads (the lab writes a few megabytes at most). */
const MAX_RESULTS_BYTES = 256 * 2 ** 20;

/** Where `writeResults` and `writeHtml` put their files. */
export interface WrittenFiles {
  json?: string;
  html: string;
}

function requirePath(value: unknown, name: string, fn: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${fn}: expected ${name} to be a non-empty path, got ${value === '' ? 'an empty string' : typeof value}`);
  }
}

/**
 * Fails fast, before any long work starts, when `dir` cannot receive files: creates it if missing, then
 * writes and removes a probe file. `label` names the option in the message, e.g.
 * `--out /x: cannot write there: EACCES permission denied`.
 */
export async function checkWritableDir(dir: string, label = 'directory'): Promise<string> {
  requirePath(dir, 'dir', 'checkWritableDir');
  const absolute = resolve(dir);
  const probe = join(absolute, `.rectifier-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    // One level at a time: Node's recursive mkdir spins forever under /proc (`--out /proc/x`).
    makeDirectory(absolute);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw new Error(`${label} ${dir}: cannot write there: ${describeFsError(error)}`, { cause: error });
  }
  return absolute;
}

/** Node's `EACCES: permission denied, open '/x/…'` without the colon after the code, which reads better mid-sentence. */
function describeFsError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^([A-Z][A-Z0-9_]+): /, '$1 ');
}

/**
 * Writes `contents` to `path` through a temporary file in the same folder and a rename, which is atomic on
 * one file system. The temporary file is removed when anything fails.
 */
export async function writeFileAtomic(path: string, contents: string): Promise<void> {
  requirePath(path, 'path', 'writeFileAtomic');
  if (typeof contents !== 'string') throw new TypeError(`writeFileAtomic: expected contents to be a string, got ${typeof contents}`);
  const temp = await writeTemp(path, contents);
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    untrack(temp);
  }
}

// Temporaries being written, each with the function that stops tracking it once renamed or removed.
const tracked = new Map<string, () => void>();

function untrack(temp: string): void {
  tracked.get(temp)?.();
  tracked.delete(temp);
}

async function writeTemp(path: string, contents: string): Promise<string> {
  const dir = resolve(path, '..');
  const temp = join(dir, `.${path.split(/[\\/]/).pop()}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // Temporaries left by a killed run are removed by the next write; this one is removed if the process
  // ends by a signal before it is renamed.
  sweepStaleTemporaries(path);
  tracked.set(temp, trackTemporary(temp));
  try {
    await writeFile(temp, contents);
  } catch (error) {
    await rm(temp, { force: true });
    untrack(temp);
    throw error;
  }
  return temp;
}

/**
 * Writes `results.json` and `index.html` into `dir` (created if missing). The HTML is rendered before anything
 * touches the disk, and both files are staged as temporaries before either is renamed, so invalid results or
 * a failed render leave an existing pair untouched.
 */
export async function writeResults(dir: string, results: LabResults): Promise<Required<WrittenFiles>> {
  requirePath(dir, 'dir', 'writeResults');
  const checked = validateResults(results, 'results');
  const html = await renderHtml(checked);
  const json = `${JSON.stringify(checked, null, 2)}\n`;
  const absolute = resolve(dir);
  await mkdir(absolute, { recursive: true });
  const jsonPath = join(absolute, RESULTS_FILE);
  const htmlPath = join(absolute, HTML_FILE);
  const staged: string[] = [];
  const written: string[] = [];
  try {
    for (const [target, contents] of [[jsonPath, json], [htmlPath, html]] as const) {
      const temp = await writeTemp(target, contents);
      staged.push(temp);
      written.push(temp);
    }
    // The page is renamed first: should the second rename fail, the previous results.json is still whole
    // and `rectifier report` can rebuild a matching page from it.
    await rename(staged[1]!, htmlPath);
    staged.pop();
    await rename(staged[0]!, jsonPath);
    staged.pop();
  } finally {
    await Promise.all(staged.map((t) => rm(t, { force: true })));
    written.forEach(untrack);
  }
  return { json: jsonPath, html: htmlPath };
}

/** Renders `results` to `index.html` in `dir`, atomically, leaving results.json alone. */
export async function writeHtml(dir: string, results: LabResults): Promise<WrittenFiles> {
  requirePath(dir, 'dir', 'writeHtml');
  const html = await renderHtml(results);
  const absolute = resolve(dir);
  await mkdir(absolute, { recursive: true });
  const htmlPath = join(absolute, HTML_FILE);
  await writeFileAtomic(htmlPath, html);
  return { html: htmlPath };
}

/**
 * Reads and validates a results file. `path` may also be the folder holding `results.json`. Errors name the
 * file: a missing file, invalid JSON, or each schema problem by its JSON path.
 */
export async function readResults(path: string): Promise<LabResults> {
  requirePath(path, 'path', 'readResults');
  let file = resolve(path);
  try {
    if ((await stat(file)).isDirectory()) file = join(file, RESULTS_FILE);
  } catch {
    // A missing path is reported by the read below, with the name the caller gave.
  }
  let text: string;
  try {
    // Checked before reading: a device such as /dev/zero never ends, and a string cannot hold more than
    // about half a gigabyte (a results file is a few megabytes at most).
    const info = await stat(file);
    if (!info.isFile()) throw new Error(`it is ${info.isFIFO() ? 'a named pipe' : info.isCharacterDevice() ? 'a character device' : 'not a regular file'}, not a results file`);
    if (info.size > MAX_RESULTS_BYTES) throw new Error(`it holds ${info.size} bytes, more than the ${MAX_RESULTS_BYTES} a results file may have`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`results file ${path.length > 200 ? `${path.slice(0, 200)}…` : path}: cannot read it: ${describeFsError(error)}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`results file ${file}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    return validateResults(parsed, 'results');
  } catch (error) {
    if (error instanceof Error) error.message = `results file ${file}: ${error.message}`;
    throw error;
  }
}
