// The binary dataset file: image sets (Fashion-MNIST, MNIST) as bytes, with checksums. Node keeps one
// per set as its cache (cache.ts); a page loads the same file from a URL or bytes (image-sets.ts).
// Anything wrong with a file (bad magic, header or payload checksum, wrong size) means it is not used:
// a cache is rebuilt from the source, a page's load fails with the reason.
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

const MAGIC = 'RECTDSET';
export const CACHE_FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
export const MAX_RANK = 4;

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

export interface CacheExpectation {
  /** The layout fingerprint the file must carry; null accepts any (a file given by a page). */
  fingerprint: number | null;
  numClasses: number;
  sampleShape: readonly number[];
}

export type Crc32 = (data: Uint8Array, previous?: number) => number;

let crcTable: Int32Array | null = null;

/** CRC-32 (IEEE 802.3, as in zip and PNG), optionally continuing from a previous value. */
export function crc32(data: Uint8Array, previous = 0): number {
  if (crcTable === null) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  const table = crcTable;
  let c = ~previous;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
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

function sampleSizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The 64-byte header of a record. */
export function encodeCacheHeader(record: CacheRecord, fingerprint: number, crc: Crc32 = crc32): Uint8Array {
  if (record.sampleShape.length < 1 || record.sampleShape.length > MAX_RANK) {
    throw new Error(`writeCache: sample rank must be 1..${MAX_RANK}, got ${record.sampleShape.length}`);
  }
  const h = new Uint8Array(HEADER_BYTES);
  const v = new DataView(h.buffer);
  for (let i = 0; i < MAGIC.length; i++) h[i] = MAGIC.charCodeAt(i);
  v.setUint32(8, CACHE_FORMAT_VERSION, true);
  v.setUint32(12, HEADER_BYTES, true);
  v.setUint32(16, record.trainCount, true);
  v.setUint32(20, record.testCount, true);
  v.setUint32(24, record.numClasses, true);
  v.setUint32(28, 0, true);
  v.setUint32(32, crc(record.labels, crc(record.pixels)), true);
  v.setUint32(36, record.sampleShape.length, true);
  record.sampleShape.forEach((d, i) => v.setUint32(40 + 4 * i, d, true));
  v.setUint32(56, fingerprint, true);
  v.setUint32(60, crc(h.subarray(0, 60)), true);
  return h;
}

/** A whole file: header, pixels, labels. */
export function encodeCacheFile(record: CacheRecord, fingerprint: number, crc: Crc32 = crc32): Uint8Array {
  const header = encodeCacheHeader(record, fingerprint, crc);
  const out = new Uint8Array(header.length + record.pixels.length + record.labels.length);
  out.set(header);
  out.set(record.pixels, header.length);
  out.set(record.labels, header.length + record.pixels.length);
  return out;
}

/** Validates a whole file's bytes; never returns data whose checksum does not match. */
export function decodeCacheFile(buf: Uint8Array, expect: CacheExpectation, crc: Crc32 = crc32): CacheRead {
  if (buf.length < HEADER_BYTES) {
    return { status: 'damaged', reason: `truncated: ${buf.length} bytes, shorter than the ${HEADER_BYTES}-byte header` };
  }
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u32 = (at: number): number => v.getUint32(at, true);
  if (String.fromCharCode(...buf.subarray(0, 8)) !== MAGIC) return { status: 'damaged', reason: 'bad magic bytes' };
  if (crc(buf.subarray(0, 60)) !== u32(60)) return { status: 'damaged', reason: 'header checksum mismatch' };
  const version = u32(8);
  if (version !== CACHE_FORMAT_VERSION) {
    return { status: 'stale', reason: `format version ${version}, expected ${CACHE_FORMAT_VERSION}` };
  }
  if (u32(12) !== HEADER_BYTES) return { status: 'damaged', reason: 'unexpected header size' };
  if (expect.fingerprint !== null && u32(56) !== expect.fingerprint) return { status: 'stale', reason: 'built for a different layout' };
  const trainCount = u32(16);
  const testCount = u32(20);
  const numClasses = u32(24);
  const rank = u32(36);
  if (rank < 1 || rank > MAX_RANK) return { status: 'damaged', reason: `sample rank ${rank} out of range` };
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(u32(40 + 4 * i));
  // Written as 0; anything else is a writer we do not know, so the file is not trusted.
  for (let i = rank; i < MAX_RANK; i++) {
    if (u32(40 + 4 * i) !== 0) return { status: 'damaged', reason: `unused dimension ${i + 1} is ${u32(40 + 4 * i)}, expected 0` };
  }
  if (u32(28) !== 0) return { status: 'damaged', reason: `reserved header word is ${u32(28)}, expected 0` };
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
  if (crc(labels, crc(pixels)) !== u32(32)) {
    return { status: 'damaged', reason: 'payload checksum mismatch' };
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= numClasses) return { status: 'damaged', reason: `label ${labels[i]} out of range` };
  }
  return { status: 'ok', record: { trainCount, testCount, numClasses, sampleShape: shape, pixels, labels } };
}
