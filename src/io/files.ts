/**
 * Files in Node: atomic writes (a temporary file in the same directory, fsync, rename, so a crash
 * mid-write leaves the previous file intact) and safetensors read from a path without loading more than
 * the header before it is checked; installed as io/'s file system (file-system.ts) when this module
 * loads, so that model.save, loadModel and loadCsv take paths. Node-only: imported by Node's entry,
 * data/node.ts and the CLI, never by the browser entry.
 *
 * Temporary files do not pile up: each write first removes the temporary files of the same target left by
 * processes that no longer exist (killed mid-write), and an asynchronous writer's temporary files are
 * removed when the process ends by SIGINT or SIGTERM or exits (trackTemporary).
 */
import {
  appendFileSync, closeSync, fstatSync, fsyncSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe } from '../util/describe.js';
import { setFileSystem, type FileSystem } from './file-system.js';
import { parseSafetensors, type ParseSafetensorsOptions, type SafetensorsContents } from './safetensors.js';

/** A path as shown in a message: a path of a megabyte is cut. */
function shown(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}… (${path.length} characters)` : path;
}

function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

// Temporary files are `.<target name>.<pid>.<random>.tmp` beside the target.
function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}.tmp`);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return codeOf(e) === 'EPERM';
  }
}

/**
 * Removes the temporary files of `path` left by processes that have ended (killed mid-write); those of
 * running processes, this one included, are left alone. Returns the paths removed.
 */
export function sweepStaleTemporaries(path: string): string[] {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-z]+\.tmp$/.exec(name.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid || processExists(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(join(dir, name));
    } catch {
      // Removed by another writer meanwhile.
    }
  }
  return removed;
}

// Temporary files an asynchronous writer is writing now.
const pending = new Set<string>();
let exitHooked = false;
let disarmScheduled = false;
const signalHandlers = new Map<NodeJS.Signals, () => void>();

function removePending(): void {
  for (const tmp of pending) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already renamed or removed.
    }
  }
  pending.clear();
}

function arm(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (signalHandlers.has(signal)) continue;
    const onSignal = () => {
      // Another listener (the lab stops at a safe point on Ctrl-C) decides what the signal does; if it
      // ends the process, the exit hook removes the temporaries.
      if (process.listenerCount(signal) > 1) return;
      removePending();
      disarm();
      // End the process by the same signal, as it would have ended without this listener.
      process.kill(process.pid, signal);
    };
    signalHandlers.set(signal, onSignal);
    process.on(signal, onSignal);
  }
}

function disarm(): void {
  for (const [signal, onSignal] of signalHandlers) process.off(signal, onSignal);
  signalHandlers.clear();
}

/**
 * Marks a temporary file an asynchronous writer is writing: until the returned function is called, it is
 * removed if the process exits, or ends by SIGINT or SIGTERM. The signal listeners are removed one turn of
 * the event loop after the last temporary is released, so that a signal that arrived meanwhile is still
 * seen (one removed at once would be lost).
 *
 * Synchronous writes (writeFileAtomic) do not do this: a listener can only run once the write is over, and
 * one left installed would make a synchronous loop deaf to Ctrl-C. A signal ends them at once, as it ends
 * the process, and the next write of the same file removes what they left.
 */
export function trackTemporary(tmp: string): () => void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', removePending);
  }
  pending.add(tmp);
  arm();
  return () => {
    pending.delete(tmp);
    if (pending.size > 0 || disarmScheduled) return;
    disarmScheduled = true;
    setImmediate(() => {
      disarmScheduled = false;
      if (pending.size === 0) disarm();
    });
  };
}

/** Writes bytes (or UTF-8 text) to `path` atomically (temp file in the same directory, fsync, rename). */
export function writeFileAtomic(path: string, contents: Uint8Array | string): void {
  if (typeof path !== 'string' || path === '') throw new TypeError(`writeFileAtomic: path must be a non-empty string, got ${describe(path)}`);
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`writeFileAtomic: contents must be a Uint8Array or a string, got ${describe(contents)}`);
  try {
    const target = statSync(path);
    // A rename onto a device or a pipe would replace it; onto a directory it fails with a less clear code.
    if (!target.isFile()) throw new Error(`cannot write ${shown(path)}: it is ${kindOf(target)}, not a file`);
  } catch (e) {
    if ((e as Error).message.startsWith('cannot write')) throw e;
    // A missing target is the usual case; a missing folder is reported by the open below.
  }
  // A write killed before its rename (SIGKILL, or a signal the process does not handle) leaves its
  // temporary file; the next write of the same file removes those of processes that have ended.
  sweepStaleTemporaries(path);
  const dir = dirname(path);
  const tmp = temporaryPath(path);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx');
  } catch (e) {
    // The temporary file is an implementation detail: the message names the target.
    const code = codeOf(e);
    const why = code === 'ENOENT' ? `the folder ${shown(dir)} does not exist` : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `the folder ${shown(dir)} is not writable` : code;
    throw new Error(`cannot write ${shown(path)}: ${why} (${code})`);
  }
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw new Error(`cannot write ${shown(path)}: ${codeOf(e)}`);
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw new Error(`cannot write ${shown(path)}: ${codeOf(e)}`);
  }
  // Persist the rename itself; not every platform lets a directory be opened for fsync.
  try {
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch { /* best effort */ }
}

/**
 * Opens a regular file for reading, with errors that name it. Checked before opening: opening a named
 * pipe waits for a writer, and a device reports no size (or never ends).
 */
function openRegularFile(path: string, what: string): number {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (e) {
    const code = codeOf(e);
    throw new Error(`cannot read ${shown(path)}: ${code === 'ENOENT' ? 'no such file' : code === 'ENOTDIR' ? 'a part of the path is not a folder' : code === 'ENAMETOOLONG' ? 'the name is too long' : code} (${code})`);
  }
  if (!stat.isFile()) throw new Error(`cannot read ${shown(path)}: it is ${kindOf(stat)}, not ${what}`);
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw new Error(`cannot read ${shown(path)}: ${codeOf(e)}`);
  }
}

/** Reads and validates a safetensors file holding F32 tensors (any numeric dtype with `anyDtype`). */
export function readSafetensors(path: string, options: ParseSafetensorsOptions = {}): SafetensorsContents {
  if (typeof path !== 'string' || path === '') throw new TypeError(`readSafetensors: path must be a non-empty string, got ${describe(path)}`);
  const fd = openRegularFile(path, 'a safetensors file');
  try {
    const size = fstatSync(fd).size;
    return parseSafetensors({ name: shown(path), size, read: (into, length, position) => readSync(fd, into, 0, length, position) }, options);
  } finally {
    closeSync(fd);
  }
}

/** The first `length` bytes of a file (fewer if it is shorter): enough to tell formats apart. */
export function readHead(path: string, length: number): Uint8Array {
  const fd = openRegularFile(path, 'a model file');
  try {
    const head = new Uint8Array(length);
    return head.subarray(0, readSync(fd, head, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

/** A whole file, after checking its size against `limit` (default 2 GiB, protobuf's limit for a message). */
export function readWholeFile(path: string, limit = 2 ** 31 - 1, what = 'a model file'): Uint8Array {
  const fd = openRegularFile(path, what);
  try {
    const size = fstatSync(fd).size;
    if (size > limit) throw new RangeError(`${shown(path)} holds ${size} bytes, more than the ${limit}-byte limit for this kind of file`);
    const bytes = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, bytes, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    if (done !== size) throw new Error(`${shown(path)}: could read only ${done} of ${size} bytes`);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

export const nodeFileSystem: FileSystem = {
  readFile: (path) => readWholeFile(path, 2 ** 31 - 1, 'a regular file'),
  writeFileAtomic,
  appendText: (path, text) => appendFileSync(path, text),
};

/** Makes paths work for model.save, loadModel and loadCsv (done when this module loads). */
export function installNodeFileSystem(): void {
  setFileSystem(nodeFileSystem);
}

installNodeFileSystem();
