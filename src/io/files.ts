/**
 * Files in Node: atomic writes (a temporary file in the same directory, fsync, rename, so a crash
 * mid-write leaves the previous file intact) and safetensors read from a path without loading more than
 * the header before it is checked.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe } from '../util/describe.js';
import { parseSafetensors, type SafetensorsContents } from './safetensors.js';

/** Writes bytes (or UTF-8 text) to `path` atomically (temp file in the same directory, fsync, rename). */
export function writeFileAtomic(path: string, contents: Uint8Array | string): void {
  if (typeof path !== 'string' || path === '') throw new TypeError(`writeFileAtomic: path must be a non-empty string, got ${describe(path)}`);
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`writeFileAtomic: contents must be a Uint8Array or a string, got ${describe(contents)}`);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}.tmp`);
  const fd = openSync(tmp, 'wx');
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  // Persist the rename itself; not every platform lets a directory be opened for fsync.
  try {
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch { /* best effort */ }
}

/** Reads and validates a safetensors file holding F32 tensors. */
export function readSafetensors(path: string): SafetensorsContents {
  if (typeof path !== 'string' || path === '') throw new TypeError(`readSafetensors: path must be a non-empty string, got ${describe(path)}`);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    return parseSafetensors({ name: path, size, read: (into, length, position) => readSync(fd, into, 0, length, position) });
  } finally {
    closeSync(fd);
  }
}
