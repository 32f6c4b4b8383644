/**
 * A directory whose contents are replaced as a whole, atomically: each version (a generation) is a
 * subdirectory, and a small pointer file names the one that is complete. A new generation is written
 * into a temporary directory (every file fsynced), renamed to its name, and only then committed by
 * replacing the pointer file atomically (./files.ts); the previous generation is removed after that.
 * A crash at any moment therefore leaves the pointer naming a complete generation (the previous one
 * until the commit, the new one after), and the next write removes whatever the crash left behind.
 * Training checkpoints are written this way (nn/model/checkpoint.ts).
 *
 * One writer at a time: two processes writing generations into the same directory remove each other's
 * temporary directories.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe } from '../util/describe.js';
import { writeFileAtomic } from './files.js';

/** The moments of a generation write, in order, as `generationWriteHooks.onStage` sees them. */
export type GenerationStage = 'directory-created' | `file-written:${string}` | 'renamed' | 'committed' | 'cleaned';

/**
 * A test hook: called at each stage of a generation write, synchronously (a test that kills a writer
 * mid-write pauses it here). Null in normal use.
 */
export const generationWriteHooks: { onStage: ((stage: GenerationStage, root: string) => void) | null } = { onStage: null };

/** What the pointer file holds: the committed generation's name, and whatever summary the writer adds. */
export interface GenerationPointer {
  readonly latest: string;
  readonly [key: string]: unknown;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkName(where: string, what: string, name: string): void {
  if (typeof name !== 'string' || !SAFE_NAME.test(name) || name.length > 200) {
    throw new TypeError(`${where}: ${what} must be a plain file name (letters, digits, '.', '_', '-'), got ${describe(name)}`);
  }
}

function writeSynced(path: string, contents: Uint8Array | string): void {
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  const fd = openSync(path, 'wx');
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  // Persists entries created or renamed in `dir`; not every platform lets a directory be opened for fsync.
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* best effort */ }
}

/**
 * Makes a directory and its missing parents one level at a time. (Node's recursive mkdir can spin
 * forever under /proc, where a level that does not exist cannot be made either.)
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  let p = resolve(path);
  while (!existsSync(p)) {
    missing.push(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (const dir of missing.reverse()) mkdirSync(dir);
}

/** The pointer of `root` (null when nothing was ever committed there); errors name the file. */
export function readGenerationPointer(root: string, pointerFile: string): GenerationPointer | null {
  checkName('readGenerationPointer', 'pointerFile', pointerFile);
  const path = join(root, pointerFile);
  if (!existsSync(path)) return null;
  let pointer: unknown;
  try {
    pointer = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message}); it should name the latest complete generation`);
  }
  const latest = (pointer as { latest?: unknown } | null)?.latest;
  if (!pointer || typeof pointer !== 'object' || typeof latest !== 'string' || !SAFE_NAME.test(latest)) {
    throw new Error(`${path}: expected a JSON object whose "latest" names a generation directory, got ${describe(pointer)}`);
  }
  if (!existsSync(join(root, latest)) || !statSync(join(root, latest)).isDirectory()) {
    throw new Error(`${path} names generation "${latest}", but ${join(root, latest)} is not a directory (was it removed by hand?)`);
  }
  return pointer as GenerationPointer;
}

/** A generation to write: see `writeGeneration`. */
export interface GenerationWrite {
  /** The file naming the committed generation (checkpoint.json). */
  readonly pointerFile: string;
  /** What every generation's name begins with (step-): older generations are recognised by it. */
  readonly prefix: string;
  /** This generation's name, beginning with `prefix`. */
  readonly name: string;
  /** File name → contents, written in this order. */
  readonly files: ReadonlyMap<string, Uint8Array | string>;
  /** Written into the pointer file beside `latest`, for a reader who opens it. */
  readonly summary?: Record<string, unknown>;
}

/**
 * Writes a new generation of `root` (created if missing) and commits it: the pointer file then holds
 * `{ ...summary, latest }`. When the committed generation already has the name, a suffix (-2, -3 …)
 * keeps the two apart. Returns the generation's directory.
 */
export function writeGeneration(root: string, write: GenerationWrite): string {
  const where = 'writeGeneration';
  if (typeof root !== 'string' || root === '') throw new TypeError(`${where}: root must be a non-empty path, got ${describe(root)}`);
  const { pointerFile, prefix, name, files, summary = {} } = write;
  checkName(where, 'pointerFile', pointerFile);
  checkName(where, 'prefix', prefix);
  checkName(where, 'name', name);
  if (!name.startsWith(prefix)) throw new Error(`${where}: name ${describe(name)} must begin with the prefix ${describe(prefix)}`);
  for (const file of files.keys()) checkName(where, 'each file name', file);
  const stage = (s: GenerationStage) => generationWriteHooks.onStage?.(s, root);

  makeDirectory(root);
  if (!statSync(root).isDirectory()) throw new Error(`${where}: ${root} exists and is not a directory`);
  const previous = readGenerationPointer(root, pointerFile)?.latest ?? null;
  let final = name;
  for (let k = 2; final === previous; k++) final = `${name}-${k}`;

  const tmp = join(root, `.${final}.${process.pid}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}.tmp`);
  mkdirSync(tmp);
  try {
    stage('directory-created');
    for (const [file, contents] of files) {
      writeSynced(join(tmp, file), contents);
      stage(`file-written:${file}`);
    }
    syncDirectory(tmp);
    // A directory of this name that is not committed is what an earlier crash left: replace it.
    rmSync(join(root, final), { recursive: true, force: true });
    renameSync(tmp, join(root, final));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  syncDirectory(root);
  stage('renamed');
  writeFileAtomic(join(root, pointerFile), JSON.stringify({ ...summary, latest: final }, null, 2) + '\n');
  stage('committed');
  removeStale(root, pointerFile, prefix, final);
  stage('cleaned');
  return join(root, final);
}

/**
 * Removes what is not the committed generation: the previous generations and what a crash left
 * (temporary directories and pointer files). Only names of the forms this module writes are touched;
 * other files in the directory are left alone.
 */
function removeStale(root: string, pointerFile: string, prefix: string, keep: string): void {
  for (const entry of readdirSync(root)) {
    if (entry === keep) continue;
    const temp = entry.endsWith('.tmp') && (entry.startsWith(`.${prefix}`) || entry.startsWith(`.${pointerFile}.`));
    if (temp || entry.startsWith(prefix)) rmSync(join(root, entry), { recursive: true, force: true });
  }
}
