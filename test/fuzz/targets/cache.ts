/**
 * Fuzz target: the binary dataset cache (src/data/cache.ts), which the image loaders read before parsing
 * their JSON. Inputs are a valid cache file damaged in its bytes, in header fields rewritten with the
 * checksum recomputed (so that the checks behind the checksum run: counts of 2^32 - 1, ranks of 0 or 5,
 * labels out of range), or read with an expectation it does not meet. Every damaged file must be reported
 * as damaged or stale with a reason; a file read as valid must be exactly what its bytes say.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Rng } from 'rectifier';
import { crc32, readCache, writeCache, type CacheExpectation } from '../../../src/data/cache.js';
import { chance, EDGE_INTEGERS, mutateBytes, pick } from '../mutate.js';
import { WrongResult, type FuzzCase, type FuzzTarget } from '../target.js';

const HEADER_BYTES = 64;
const FIELDS = [8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56];

interface Corpus {
  readonly bytes: Uint8Array;
  readonly expect: CacheExpectation;
}

interface Args {
  readonly file: string;
  readonly expect: CacheExpectation;
}

function withHeaderCrc(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= HEADER_BYTES) view.setUint32(60, crc32(bytes.subarray(0, 60)), true);
  return bytes;
}

export const target: FuzzTarget<Corpus> = {
  name: 'cache',

  async corpus(dir) {
    const rng = new Rng(11);
    const sampleShape = [4, 4, 1];
    const n = 16;
    const record = {
      trainCount: 12,
      testCount: 4,
      numClasses: 3,
      sampleShape,
      pixels: Uint8Array.from({ length: n * 16 }, () => rng.int(256)),
      labels: Uint8Array.from({ length: n }, () => rng.int(3)),
    };
    const file = `${dir}/set-v1.rcache`;
    writeCache(file, record, 0x5eed);
    return { bytes: new Uint8Array(readFileSync(file)), expect: { fingerprint: 0x5eed, numClasses: 3, sampleShape } };
  },

  generate(rng, corpus): FuzzCase {
    const file = 'set-v1.rcache';
    const kind = rng.int(20);
    if (kind === 0) {
      const path = pick(rng, ['missing.rcache', '.', 'dir.rcache', 'nodir/x.rcache']);
      return { files: path === 'dir.rcache' ? { 'dir.rcache/x': corpus.bytes } : {}, args: { file: path, expect: corpus.expect } satisfies Args, how: `path ${path}` };
    }
    if (kind <= 2) {
      const expect = { ...corpus.expect };
      const key = pick(rng, ['fingerprint', 'numClasses', 'sampleShape'] as const);
      if (key === 'sampleShape') expect.sampleShape = pick(rng, [[16], [4, 4], [4, 4, 1, 1], [2, 8, 1], []]);
      else expect[key] = pick(rng, [0, 1, 2, 0xffffffff, (expect[key] ?? 0) + 1]);
      return { files: { [file]: corpus.bytes }, args: { file, expect } satisfies Args, how: `expected ${key} ${JSON.stringify(expect[key])}` };
    }
    if (kind <= 10) {
      const m = mutateBytes(rng, corpus.bytes, { fields: FIELDS.map((offset) => ({ offset, bytes: 4 as const })) });
      return { files: { [file]: m.bytes }, args: { file, expect: corpus.expect } satisfies Args, how: m.how };
    }
    // Consistent damage: the header checksum (and sometimes the payload's) recomputed after the edit.
    const bytes = new Uint8Array(corpus.bytes);
    const view = new DataView(bytes.buffer);
    const hows: string[] = [];
    if (chance(rng, 0.6)) {
      const offset = pick(rng, FIELDS);
      const value = Number(pick(rng, EDGE_INTEGERS) & 0xffffffffn);
      view.setUint32(offset, value, true);
      hows.push(`u32 ${value} at ${offset}`);
    } else {
      const at = HEADER_BYTES + rng.int(bytes.length - HEADER_BYTES);
      bytes[at] = chance(rng, 0.5) ? 0xff : rng.int(256);
      hows.push(`payload byte ${at} set to ${bytes[at]}`);
    }
    if (chance(rng, 0.5)) {
      view.setUint32(32, crc32(bytes.subarray(HEADER_BYTES)), true);
      hows.push('payload checksum recomputed');
    }
    let out: Uint8Array = withHeaderCrc(bytes);
    if (chance(rng, 0.2)) {
      const m = mutateBytes(rng, out);
      out = m.bytes;
      hows.push(m.how);
    }
    return { files: { [file]: out }, args: { file, expect: corpus.expect } satisfies Args, how: `${hows.join('; ')}; header checksum recomputed` };
  },

  async run(raw) {
    const args = raw as Args;
    const read = await readCache(args.file, args.expect);
    let exists = true;
    try {
      statSync(args.file);
    } catch {
      exists = false;
    }
    if (read.status === 'missing') {
      if (exists) throw new WrongResult(`${args.file} exists but was reported missing`);
      throw new Error(`readCache: ${args.file} is missing (the loader builds it)`);
    }
    if (read.status === 'damaged' || read.status === 'stale') {
      if (!read.reason) throw new WrongResult(`status ${read.status} without a reason`);
      throw new Error(`readCache: ${args.file} is ${read.status}: ${read.reason}`);
    }
    // Read as valid: the file must be exactly the canonical encoding of what was returned.
    const r = read.record;
    const dir = '.rewrite';
    writeCache(`${dir}/check.rcache`, { ...r, pixels: new Uint8Array(r.pixels), labels: new Uint8Array(r.labels) }, args.expect.fingerprint ?? 0);
    const again = readFileSync(`${dir}/check.rcache`);
    const given = readFileSync(args.file);
    const same = again.length === given.length && again.every((b, i) => b === given[i]);
    writeFileSync(`${dir}/check.rcache`, '');
    if (!same) throw new WrongResult('a file read as valid is not the encoding of the record returned');
    for (const l of r.labels) if (l >= r.numClasses) throw new WrongResult(`label ${l} with ${r.numClasses} classes`);
    return { outputs: [`${dir}/check.rcache`] };
  },

  hasContext(message) {
    return message.startsWith('readCache');
  },
};
