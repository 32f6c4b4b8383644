/**
 * Run records in results.json. JSON has no NaN or ±Infinity (JSON.stringify writes null), yet a record may
 * hold them (a loss that diverged, a ratio over zero), and a summary computed from null would differ from
 * one computed from NaN. Records are therefore stored with non-finite numbers spelled as the strings
 * "NaN", "Infinity" and "-Infinity" (and -0 as 0, as JSON writes it), and read back to the same numbers.
 * Summaries are computed from records after this round trip, so a summary of records read from a file is
 * exactly the summary of the same records in memory.
 */
import type { RunRecord } from './sweep.js';

const SPELLED: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function encodeValue(value: unknown): unknown {
  // -0 is written as 0 by JSON too; normalizing here keeps the records in memory equal to the file's.
  if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : String(value);
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeValue(v);
    return out;
  }
  return value;
}

function decodeValue(value: unknown): unknown {
  if (typeof value === 'string' && Object.hasOwn(SPELLED, value)) return SPELLED[value];
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = decodeValue(v);
    return out;
  }
  return value;
}

/** Records as results.json stores them (non-finite numbers spelled out). */
export function encodeRecords(records: readonly RunRecord[]): RunRecord[] {
  return records.map((r) => ({ cell: r.cell, run: encodeValue(r.run) }));
}

/** Records read from results.json, with non-finite numbers restored. */
export function decodeRecords(records: readonly RunRecord[]): RunRecord[] {
  return records.map((r) => ({ cell: r.cell, run: decodeValue(r.run) }));
}
