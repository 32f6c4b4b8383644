// The dataset cache in Node: parsing Fashion-MNIST's 150 MB of JSON takes seconds; the same pixels as
// bytes (the file of cache-format.ts) load in a fraction of that. The cache is a derived artefact: a
// damaged or stale file is rebuilt from the source, never trusted. It lives in the user's cache
// directory, never inside node_modules (an install may be read-only, and is not the place for 55 MB).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fail } from './check.js';
import {
  crc32 as crc32Js, decodeCacheFile, encodeCacheHeader, type CacheExpectation, type CacheRead, type CacheRecord,
} from './cache-format.js';

export type { CacheExpectation, CacheRead, CacheRecord } from './cache-format.js';
export { CACHE_FORMAT_VERSION, fnv1a } from './cache-format.js';

const CACHE_EXT = '.rcache';

// zlib.crc32 arrived in Node 20.15 and runs natively at memory speed; earlier 20.x get the table.
const nativeCrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 (IEEE 802.3, as in zip and PNG), optionally continuing from a previous value. */
export function crc32(data: Uint8Array, previous = 0): number {
  return nativeCrc ? nativeCrc(data, previous) >>> 0 : crc32Js(data, previous);
}

function writableDir(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where dataset caches live: $RECTIFIER_CACHE_DIR when set, else $XDG_CACHE_HOME/rectifier, else
 * ~/.cache/rectifier, else (when that cannot be written) <os.tmpdir()>/rectifier. The directory is
 * created if needed.
 */
export function cacheDir(): string {
  const env = process.env['RECTIFIER_CACHE_DIR'];
  if (env !== undefined && env !== '') {
    const dir = path.resolve(env);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }
  const xdg = process.env['XDG_CACHE_HOME'];
  // The XDG base directory specification ignores a relative $XDG_CACHE_HOME.
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  const dir = path.join(base, 'rectifier');
  if (writableDir(dir)) return dir;
  const fallback = path.join(os.tmpdir(), 'rectifier');
  fs.mkdirSync(fallback, { recursive: true });
  return fallback;
}

/** Our files only, so that pointing the cache at a shared directory such as /tmp is safe. */
function isCacheFile(name: string): boolean {
  return /^[a-z0-9-]+-v\d+\.rcache(\.\d+\.[0-9a-f]+\.tmp)?$/.test(name);
}

/**
 * Deletes the dataset cache files (and leftover temporary files) in `dir` (default: cacheDir()).
 * Other files in the directory are left alone. Returns the paths removed.
 */
export function clearCache(dir?: string): string[] {
  if (dir !== undefined && (typeof dir !== 'string' || dir === '')) {
    fail('clearCache', 'dir', 'a non-empty path string', dir);
  }
  const target = dir === undefined ? cacheDir() : path.resolve(dir);
  let names: string[];
  try {
    names = fs.readdirSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isCacheFile(name)) continue;
    const file = path.join(target, name);
    fs.rmSync(file, { force: true });
    removed.push(file);
  }
  return removed;
}

export function cacheFileName(id: string, layoutVersion: number): string {
  return `${id}-v${layoutVersion}${CACHE_EXT}`;
}


function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
}

/**
 * Writes the cache atomically: a temporary file in the same directory, fsync, then rename, so a
 * reader sees either the old file or the complete new one, even if the process dies mid-write.
 */
export function writeCache(file: string, record: CacheRecord, fingerprint: number): void {
  const header = encodeCacheHeader(record, fingerprint, crc32);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.floor(Math.random() * 0xffffffff).toString(16)}.tmp`;
  const fd = fs.openSync(tmp, 'wx');
  try {
    writeAll(fd, header);
    writeAll(fd, record.pixels);
    writeAll(fd, record.labels);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  // Persist the rename itself; not every platform lets a directory be opened for fsync.
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Best effort only.
  }
}

/** Reads and fully validates a cache file; never returns data whose checksum does not match. */
export async function readCache(file: string, expect: CacheExpectation): Promise<CacheRead> {
  let buf: Uint8Array;
  try {
    buf = await fs.promises.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A missing directory is just a cold cache; writing will report anything worse.
    if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'missing' };
    return { status: 'damaged', reason: `cannot be read (${(err as Error).message})` };
  }
  return decodeCacheFile(buf, expect, crc32);
}
