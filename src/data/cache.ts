// Binary dataset cache. Parsing Fashion-MNIST's 150 MB of JSON takes seconds; the same pixels as
// bytes load in a fraction of that. The cache is a derived artefact: anything wrong with a file
// (bad magic, header or payload checksum, wrong size) means it is rebuilt from the source, never
// trusted.
//
// File layout, little-endian:
//   0  magic "RECTDSET"            32 payload CRC32 (pixels then labels)
//   8  u32 format version          36 u32 rank of the sample shape (1..4)
//  12  u32 header bytes (64)       40 u32 dims[4] (unused dims are 0)
//  16  u32 train count             56 u32 layout fingerprint (FNV-1a of the dataset's layout string)
//  20  u32 test count              60 u32 header CRC32 (bytes 0..59)
//  24  u32 number of classes
//  28  u32 reserved (0)
//  64  pixels: (train + test) * product(dims) bytes, train samples first
//      labels: (train + test) bytes

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { fail } from './check.js';

const MAGIC = 'RECTDSET';
export const CACHE_FORMAT_VERSION = 1;
const HEADER_BYTES = 64;
const MAX_RANK = 4;
const CACHE_EXT = '.rcache';

export interface CacheRecord {
  trainCount: number;
  testCount: number;
  numClasses: number;
  sampleShape: readonly number[];
  /** (trainCount + testCount) * product(sampleShape) bytes, train samples first. */
  pixels: Uint8Array;
  /** trainCount + testCount labels, aligned with pixels. */
  labels: Uint8Array;
}

export type CacheRead =
  | { status: 'ok'; record: CacheRecord }
  | { status: 'missing' }
  | { status: 'stale'; reason: string }
  | { status: 'damaged'; reason: string };

let crcTable: Int32Array | null = null;

function crc32Js(data: Uint8Array, crc = 0): number {
  if (crcTable === null) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  const table = crcTable;
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// zlib.crc32 arrived in Node 20.15 and runs natively at memory speed; earlier 20.x get the table.
const nativeCrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 (IEEE 802.3, as in zip and PNG), optionally continuing from a previous value. */
export function crc32(data: Uint8Array, previous = 0): number {
  return nativeCrc ? nativeCrc(data, previous) >>> 0 : crc32Js(data, previous);
}

/** FNV-1a, 32-bit, of a string's UTF-16 code units; only used to fingerprint layouts. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

let rootMemo: string | null | undefined;

/** The directory of this package's package.json, found by walking up from this module. */
export function packageRoot(): string | null {
  if (rootMemo !== undefined) return rootMemo;
  rootMemo = null;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: unknown };
      if (pkg.name === 'rectifier') {
        rootMemo = dir;
        break;
      }
    } catch {
      // No readable package.json here; keep walking.
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return rootMemo;
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
 * Where dataset caches live: $RECTIFIER_CACHE_DIR when set, else `<package root>/.cache/rectifier`,
 * else (when that cannot be written, e.g. a read-only install) `<os.tmpdir()>/rectifier`.
 * The directory is created if needed.
 */
export function cacheDir(): string {
  const env = process.env['RECTIFIER_CACHE_DIR'];
  if (env !== undefined && env !== '') {
    const dir = path.resolve(env);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }
  const root = packageRoot();
  if (root !== null) {
    const dir = path.join(root, '.cache', 'rectifier');
    if (writableDir(dir)) return dir;
  }
  const dir = path.join(os.tmpdir(), 'rectifier');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
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

function sampleSizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function encodeHeader(record: CacheRecord, fingerprint: number, payloadCrc: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write(MAGIC, 0, 'latin1');
  h.writeUInt32LE(CACHE_FORMAT_VERSION, 8);
  h.writeUInt32LE(HEADER_BYTES, 12);
  h.writeUInt32LE(record.trainCount, 16);
  h.writeUInt32LE(record.testCount, 20);
  h.writeUInt32LE(record.numClasses, 24);
  h.writeUInt32LE(0, 28);
  h.writeUInt32LE(payloadCrc, 32);
  h.writeUInt32LE(record.sampleShape.length, 36);
  record.sampleShape.forEach((d, i) => h.writeUInt32LE(d, 40 + 4 * i));
  h.writeUInt32LE(fingerprint, 56);
  h.writeUInt32LE(crc32(h.subarray(0, 60)), 60);
  return h;
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
  if (record.sampleShape.length < 1 || record.sampleShape.length > MAX_RANK) {
    throw new Error(`writeCache: sample rank must be 1..${MAX_RANK}, got ${record.sampleShape.length}`);
  }
  const payloadCrc = crc32(record.labels, crc32(record.pixels));
  const header = encodeHeader(record, fingerprint, payloadCrc);
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

export interface CacheExpectation {
  fingerprint: number;
  numClasses: number;
  sampleShape: readonly number[];
}

/** Reads and fully validates a cache file; never returns data whose checksum does not match. */
export async function readCache(file: string, expect: CacheExpectation): Promise<CacheRead> {
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A missing directory is just a cold cache; writing will report anything worse.
    if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'missing' };
    return { status: 'damaged', reason: `cannot be read (${(err as Error).message})` };
  }
  if (buf.length < HEADER_BYTES) {
    return { status: 'damaged', reason: `truncated: ${buf.length} bytes, shorter than the ${HEADER_BYTES}-byte header` };
  }
  if (buf.toString('latin1', 0, 8) !== MAGIC) return { status: 'damaged', reason: 'bad magic bytes' };
  if (crc32(buf.subarray(0, 60)) !== buf.readUInt32LE(60)) return { status: 'damaged', reason: 'header checksum mismatch' };
  const version = buf.readUInt32LE(8);
  if (version !== CACHE_FORMAT_VERSION) {
    return { status: 'stale', reason: `format version ${version}, expected ${CACHE_FORMAT_VERSION}` };
  }
  if (buf.readUInt32LE(12) !== HEADER_BYTES) return { status: 'damaged', reason: 'unexpected header size' };
  if (buf.readUInt32LE(56) !== expect.fingerprint) return { status: 'stale', reason: 'built for a different layout' };
  const trainCount = buf.readUInt32LE(16);
  const testCount = buf.readUInt32LE(20);
  const numClasses = buf.readUInt32LE(24);
  const rank = buf.readUInt32LE(36);
  if (rank < 1 || rank > MAX_RANK) return { status: 'damaged', reason: `sample rank ${rank} out of range` };
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(buf.readUInt32LE(40 + 4 * i));
  // Written as 0; anything else is a writer we do not know, so the file is not trusted.
  for (let i = rank; i < MAX_RANK; i++) {
    if (buf.readUInt32LE(40 + 4 * i) !== 0) return { status: 'damaged', reason: `unused dimension ${i + 1} is ${buf.readUInt32LE(40 + 4 * i)}, expected 0` };
  }
  if (buf.readUInt32LE(28) !== 0) return { status: 'damaged', reason: `reserved header word is ${buf.readUInt32LE(28)}, expected 0` };
  if (numClasses !== expect.numClasses || shape.join(',') !== expect.sampleShape.join(',')) {
    return { status: 'stale', reason: `holds ${numClasses} classes of shape [${shape.join(', ')}]` };
  }
  const n = trainCount + testCount;
  const pixelBytes = n * sampleSizeOf(shape);
  const expectedSize = HEADER_BYTES + pixelBytes + n;
  if (buf.length !== expectedSize) {
    return {
      status: 'damaged',
      reason: `${buf.length < expectedSize ? 'truncated' : 'oversized'}: ${buf.length} bytes, expected ${expectedSize}`,
    };
  }
  const pixels = buf.subarray(HEADER_BYTES, HEADER_BYTES + pixelBytes);
  const labels = buf.subarray(HEADER_BYTES + pixelBytes);
  if (crc32(labels, crc32(pixels)) !== buf.readUInt32LE(32)) {
    return { status: 'damaged', reason: 'payload checksum mismatch' };
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= numClasses) return { status: 'damaged', reason: `label ${labels[i]} out of range` };
  }
  return { status: 'ok', record: { trainCount, testCount, numClasses, sampleShape: shape, pixels, labels } };
}
