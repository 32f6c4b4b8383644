/**
 * Generic generators of malformed inputs, shared by every fuzz target: byte-level damage (truncations, bit
 * flips, huge length fields, inserted and deleted runs), JSON-level damage (wrong types, NaN/Inf, missing
 * and extra keys, deep nesting, very long strings) and table-level damage for CSV text. Each function
 * takes the project's seeded Rng, so a case is reproduced from its seed and index alone.
 */
import type { Rng } from 'rectifier';

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

/** True with probability p. */
export function chance(rng: Rng, p: number): boolean {
  return rng.next() < p;
}

/** An integer in [low, high], biased towards small values (half the draws are in the lowest eighth). */
export function smallInt(rng: Rng, low: number, high: number): number {
  const span = high - low + 1;
  return low + (chance(rng, 0.5) ? rng.int(Math.max(1, Math.ceil(span / 8))) : rng.int(span));
}

/** Unsigned integers at the edge of every width: what length and count fields overflow on. */
export const EDGE_INTEGERS: readonly bigint[] = [
  0n, 1n, 2n, 7n, 8n, 0x7fn, 0xffn, 0x7fffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n,
];

/** Numbers that break code expecting a small non-negative integer or a finite float. */
export const EDGE_NUMBERS: readonly number[] = [
  0, -0, 1, -1, 0.5, 1.5, -2.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 3e9, 99999999, 999999, 2 ** 53, 2 ** 53 + 2,
  1e21, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER,
];

/** A string of `length` characters from a few alphabets (ASCII, quotes and separators, non-BMP). */
export function longString(rng: Rng, length: number): string {
  const unit = pick(rng, ['a', 'x'.repeat(7) + '"', ',;\t', '\u{1F600}', 'é', '\\u0000', ' ']);
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** Values of the wrong type or at the edges, to put where a field of any type is expected. */
export function badValue(rng: Rng): unknown {
  switch (rng.int(12)) {
    case 0: return null;
    case 1: return pick(rng, [true, false]);
    case 2: return pick(rng, EDGE_NUMBERS);
    case 3: return pick(rng, ['', ' ', '0', '-1', 'NaN', 'Infinity', 'null', 'true', '__proto__', 'constructor', 'toString', '1e39']);
    case 4: return longString(rng, pick(rng, [300, 10_000, 200_000]));
    case 5: return [];
    case 6: return {};
    case 7: return [pick(rng, EDGE_NUMBERS), null, 'x'];
    case 8: return { __proto__: null, toString: 1, valueOf: 'x' };
    case 9: return Array.from({ length: smallInt(rng, 2, 64) }, () => pick(rng, EDGE_NUMBERS));
    case 10: return NON_JSON_NUMBER;
    default: return DEEP;
  }
}

// Placeholders that stringifyWithSpecials turns into text JSON cannot hold.
const NON_JSON_NUMBER = '\u0000NUMBER\u0000';
const DEEP = '\u0000DEEP\u0000';

/**
 * JSON text of `value` in which the placeholders of badValue become NaN/Infinity tokens (invalid JSON, as a
 * hand edit or another writer produces), numbers beyond float64 (parsed as Infinity) and deeply nested
 * arrays or objects.
 */
export function stringifyWithSpecials(rng: Rng, value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text
    .replaceAll(JSON.stringify(NON_JSON_NUMBER), () => pick(rng, ['NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '1e-999', '-0', '123456789012345678901234567890']))
    .replaceAll(JSON.stringify(DEEP), () => {
      const depth = pick(rng, [100, 5_000, 200_000]);
      return chance(rng, 0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path (list of keys/indices) in a JSON value, the root included. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function getAt(root: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), root);
}

/**
 * Damages a parsed JSON document in place of one to three nodes: a value replaced by a bad one, a key
 * deleted, an unexpected key added (including __proto__), an array emptied, grown or given holes of the
 * wrong type, two values swapped. Returns the damaged copy and what was done. `maxItems` bounds how far an
 * array grows, where each item costs real work (a chart to render).
 */
export function mutateJson(
  rng: Rng,
  original: unknown,
  focus?: (path: readonly (string | number)[]) => boolean,
  options: { readonly maxItems?: number } = {},
): { value: unknown; how: string } {
  const maxItems = options.maxItems ?? 20_000;
  const hows: string[] = [];
  let root: unknown = structuredClone(original) as Json;
  const edits = smallInt(rng, 1, 3);
  for (let e = 0; e < edits; e++) {
    // Paths are listed again after each edit, which may have removed or replaced nodes.
    const all = paths(root);
    const candidates = focus ? all.filter(focus) : all;
    const pool = candidates.length > 0 && chance(rng, 0.85) ? candidates : all;
    const path = pick(rng, pool);
    const where = path.join('.') || '(root)';
    const parent = path.length ? getAt(root, path.slice(0, -1)) : null;
    const key = path[path.length - 1];
    const node = getAt(root, path);
    const set = (v: unknown) => {
      if (parent === null || typeof parent !== 'object') root = v;
      else (parent as Record<string | number, unknown>)[key!] = v;
    };
    switch (rng.int(8)) {
      case 0:
      case 1:
      case 2: {
        const v = badValue(rng);
        set(v);
        hows.push(`${where} = ${describeShort(v)}`);
        break;
      }
      case 3:
        if (parent && typeof parent === 'object') {
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete (parent as Record<string, unknown>)[key as string];
          hows.push(`delete ${where}`);
        }
        break;
      case 4:
        if (node && typeof node === 'object' && !Array.isArray(node)) {
          const k = pick(rng, ['__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', 'extra', '']);
          Object.defineProperty(node, k, { value: badValue(rng), enumerable: true, configurable: true, writable: true });
          hows.push(`${where}.${k} added`);
        } else if (Array.isArray(node)) {
          const n = Math.min(maxItems, pick(rng, [0, 1, 1000, 20_000]));
          if (n === 0) node.length = 0;
          else for (let i = 0; i < n; i++) node.push(node.length ? (structuredClone(node[i % node.length]) as Json) : 0);
          hows.push(`${where} resized to ${node.length}`);
        }
        break;
      case 5:
        if (typeof node === 'number') {
          const v = pick(rng, [node * 2 ** 31, -node, node + 0.5, node * 1e6, 2 ** 31, 2 ** 32 - 1, 2 ** 53, 1e308]);
          set(v);
          hows.push(`${where} = ${v}`);
        } else if (typeof node === 'string') {
          const v = pick(rng, ['', node + node, node.toUpperCase(), `${node}\u0000`, node.slice(0, Math.floor(node.length / 2)), longString(rng, 100_000)]);
          set(v);
          hows.push(`${where} = ${describeShort(v)}`);
        }
        break;
      case 6: {
        const other = pick(rng, all);
        if (other.length > 0 && path.length > 0 && !isPrefix(path, other) && !isPrefix(other, path)) {
          const a = getAt(root, path);
          const b = getAt(root, other);
          set(structuredClone(b));
          const op = getAt(root, other.slice(0, -1)) as Record<string | number, unknown>;
          op[other[other.length - 1]!] = structuredClone(a);
          hows.push(`swap ${where} and ${other.join('.')}`);
        }
        break;
      }
      default:
        set(chance(rng, 0.5) ? [node] : { value: node });
        hows.push(`${where} wrapped`);
    }
  }
  return { value: root, how: hows.join('; ') || 'unchanged' };
}

function isPrefix(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.length <= b.length && a.every((k, i) => b[i] === k);
}

export function describeShort(v: unknown): string {
  if (typeof v === 'string') return v.length > 24 ? `"${v.slice(0, 12)}…" (${v.length} chars)` : JSON.stringify(v);
  if (Array.isArray(v)) return `array(${v.length})`;
  if (v && typeof v === 'object') return 'object';
  return String(v);
}

/** Damages text as an editor or a cut-off download would: truncation, a character inserted or deleted. */
export function mutateText(rng: Rng, text: string): { text: string; how: string } {
  switch (rng.int(5)) {
    case 0: {
      const k = rng.int(text.length + 1);
      return { text: text.slice(0, k), how: `text truncated at ${k}` };
    }
    case 1: {
      const k = rng.int(text.length + 1);
      const c = pick(rng, ['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', '\n', '\uFFFD', '\uD800', '/*']);
      return { text: text.slice(0, k) + c + text.slice(k), how: `${JSON.stringify(c)} inserted at ${k}` };
    }
    case 2: {
      const k = rng.int(Math.max(1, text.length));
      return { text: text.slice(0, k) + text.slice(k + 1), how: `character ${k} deleted` };
    }
    case 3:
      return { text: pick(rng, ['', ' ', 'null', '[]', '{}', '"x"', '0', 'true', '\uFEFF{}']), how: 'replaced by a scalar' };
    default: {
      const depth = pick(rng, [1_000, 100_000]);
      return { text: '['.repeat(depth) + ']'.repeat(depth), how: `nested ${depth} deep` };
    }
  }
}

/** Where a byte mutation should favour: offsets of length and count fields. */
export interface ByteHints {
  /** Offsets of little-endian integer fields (lengths, counts) and their widths in bytes. */
  fields?: readonly { offset: number; bytes: 4 | 8 }[];
}

function writeLE(bytes: Uint8Array, offset: number, width: number, value: bigint): void {
  for (let i = 0; i < width && offset + i < bytes.length; i++) bytes[offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

/**
 * Damages bytes as storage and transfers do: truncation, bit flips, overwritten and inserted runs, deleted
 * or duplicated ranges, junk appended, and huge values written over length fields.
 */
export function mutateBytes(rng: Rng, given: Uint8Array, hints: ByteHints = {}): { bytes: Uint8Array; how: string } {
  // A Buffer's slice() is a view; a plain Uint8Array copy keeps the corpus intact.
  const input = new Uint8Array(given);
  const n = input.length;
  const at = () => rng.int(Math.max(1, n));
  switch (rng.int(10)) {
    case 0: {
      const k = chance(rng, 0.5) ? rng.int(Math.min(n, 64) + 1) : rng.int(n + 1);
      return { bytes: input.slice(0, k), how: `truncated to ${k} of ${n} bytes` };
    }
    case 1: {
      const out = input.slice();
      const flips = smallInt(rng, 1, 16);
      for (let i = 0; i < flips && n > 0; i++) out[at()]! ^= 1 << rng.int(8);
      return { bytes: out, how: `${flips} bit flips` };
    }
    case 2: {
      const out = input.slice();
      const start = at();
      const len = smallInt(rng, 1, 64);
      const fill = pick(rng, [0x00, 0xff, 0x7f, 0x80, 0x20, -1]);
      for (let i = start; i < Math.min(n, start + len); i++) out[i] = fill < 0 ? rng.int(256) : fill;
      return { bytes: out, how: `${len} bytes at ${start} set to ${fill < 0 ? 'random' : fill}` };
    }
    case 3:
    case 4: {
      const out = input.slice();
      const field = hints.fields?.length && chance(rng, 0.8) ? pick(rng, hints.fields) : { offset: at(), bytes: pick(rng, [4, 8] as const) };
      const v = pick(rng, EDGE_INTEGERS);
      writeLE(out, field.offset, field.bytes, v);
      return { bytes: out, how: `u${field.bytes * 8} ${v} written at ${field.offset}` };
    }
    case 5: {
      const k = at();
      const junk = new Uint8Array(smallInt(rng, 1, 256)).map(() => rng.int(256));
      const out = new Uint8Array(n + junk.length);
      out.set(input.subarray(0, k));
      out.set(junk, k);
      out.set(input.subarray(k), k + junk.length);
      return { bytes: out, how: `${junk.length} random bytes inserted at ${k}` };
    }
    case 6: {
      const k = at();
      const len = smallInt(rng, 1, Math.max(1, n - k));
      const out = new Uint8Array(n - Math.min(len, n - k));
      out.set(input.subarray(0, k));
      out.set(input.subarray(k + len), k);
      return { bytes: out, how: `${len} bytes deleted at ${k}` };
    }
    case 7: {
      const k = at();
      const len = smallInt(rng, 1, Math.max(1, Math.min(4096, n - k)));
      const copies = pick(rng, [1, 2, 100]);
      const chunk = input.subarray(k, k + len);
      const out = new Uint8Array(n + chunk.length * copies);
      out.set(input.subarray(0, k + len));
      for (let c = 0; c < copies; c++) out.set(chunk, k + len + c * chunk.length);
      out.set(input.subarray(k + len), k + len + copies * chunk.length);
      return { bytes: out, how: `${len} bytes at ${k} repeated ${copies} times` };
    }
    case 8: {
      const extra = pick(rng, [1, 7, 4096, 1 << 20]);
      const out = new Uint8Array(n + extra);
      out.set(input);
      if (chance(rng, 0.5)) for (let i = n; i < out.length; i++) out[i] = rng.int(256);
      return { bytes: out, how: `${extra} bytes appended` };
    }
    default:
      return { bytes: pick(rng, [new Uint8Array(0), new Uint8Array(1), new Uint8Array(8), new Uint8Array(64).fill(0xff)]), how: 'replaced by a tiny file' };
  }
}

/** Cells that break a numeric table: non-numbers, non-finite and out-of-range values, huge labels. */
export const BAD_CELLS: readonly string[] = [
  '', ' ', 'NaN', 'nan', 'Infinity', '-inf', '1e39', '-1e39', '3.5e38', '1e309', '-1e309', '1e-50', '-0', '+1', '0x10', '1,5',
  '1_000', '١', '１', '3000000000', '4294967296', '99999999', '999999', '65536', '-1', '1.5', '2.0', '007', '"', '""', '"a""b"',
  '\u0000', '\uFEFF', 'true', 'null', '#', '=1+1',
];

/** Damages a table (rows of cells, the first possibly a header) and joins it back into CSV text. */
export function mutateTable(rng: Rng, rows: readonly (readonly string[])[]): { text: string; how: string } {
  const table = rows.map((r) => [...r]);
  const hows: string[] = [];
  const edits = smallInt(rng, 1, 4);
  let delimiter = ',';
  let newline = '\n';
  // Tables stay near 50,000 cells at most, so that a case tests handling rather than raw parsing speed.
  const cells = () => table.reduce((s, r) => s + r.length, 0);
  for (let e = 0; e < edits; e++) {
    if (table.length === 0) table.push([]);
    const r = rng.int(table.length);
    const row = table[r]!;
    switch (rng.int(11)) {
      case 0:
      case 1:
      case 2: {
        const c = rng.int(Math.max(1, row.length));
        const v = chance(rng, 0.9) ? pick(rng, BAD_CELLS) : longString(rng, pick(rng, [1000, 30_000]));
        row[c] = v;
        hows.push(`row ${r + 1} cell ${c + 1} = ${describeShort(v)}`);
        break;
      }
      case 3:
        if (chance(rng, 0.5)) row.push(pick(rng, BAD_CELLS));
        else row.pop();
        hows.push(`row ${r + 1} has ${row.length} cells`);
        break;
      case 4: {
        const keep = smallInt(rng, 0, table.length);
        table.length = keep;
        hows.push(`${keep} rows kept`);
        break;
      }
      case 5: {
        const copies = pick(rng, [2, 300, 3000]);
        const base = table.slice(1);
        for (let i = 0; i < copies && base.length && cells() < 5e4; i += 100) {
          for (let j = i; j < Math.min(copies, i + 100); j++) table.push([...base[j % base.length]!]);
        }
        hows.push(`${copies} rows appended`);
        break;
      }
      case 6: {
        const width = Math.min(pick(rng, [1, 3, 1000]), Math.floor(5e4 / Math.max(1, table.length)));
        for (const t of table) while (t.length < width) t.splice(t.length - 1, 0, '0');
        hows.push(`${width} columns`);
        break;
      }
      case 7:
        delimiter = pick(rng, [';', '\t', ' ', '|', ',,']);
        hows.push(`delimiter ${JSON.stringify(delimiter)}`);
        break;
      case 8:
        newline = pick(rng, ['\r\n', '\r', '\n\n\n', '\u2028']);
        hows.push(`newline ${JSON.stringify(newline)}`);
        break;
      case 9: {
        const label = pick(rng, ['3000000000', '4294967296', '99999999', '999999', '65536', '1e3', '-1', '0.5', 'cat', '']);
        for (const t of table.slice(1)) if (chance(rng, 0.3)) t[t.length - 1] = label;
        hows.push(`labels set to ${label}`);
        break;
      }
      default:
        table.splice(rng.int(table.length + 1), 0, [...(table[0] ?? ['a'])]);
        hows.push('header repeated');
    }
  }
  let text = table.map((r) => r.join(delimiter)).join(newline);
  if (chance(rng, 0.2)) {
    const m = mutateText(rng, text);
    text = m.text;
    hows.push(m.how);
  }
  return { text, how: hows.join('; ') };
}
