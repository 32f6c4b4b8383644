/**
 * Small statistics and number formatting for experiment summaries: means and spreads over seeds, and
 * numbers written the same way in every generated paragraph.
 */

/** Arithmetic mean; NaN for an empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Sample standard deviation (n − 1); 0 for a single value, NaN for none. */
export function sd(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  if (values.length === 1) return 0;
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The finite values of a list that may hold nulls (runs that did not reach a threshold, diverged…). */
export function finite(values: ReadonlyArray<number | null | undefined>): number[] {
  return values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** A figure for `measured`: the mean, with a spread when several seeds contributed, or null when none did. */
export function figure(label: string, values: ReadonlyArray<number | null | undefined>, unit?: string): {
  label: string;
  value: number | null;
  spread?: number;
  unit?: string;
} {
  const xs = finite(values);
  const out: { label: string; value: number | null; spread?: number; unit?: string } = { label, value: xs.length ? round(mean(xs)) : null };
  if (xs.length > 1) out.spread = round(sd(xs));
  if (unit !== undefined) out.unit = unit;
  return out;
}

/**
 * A figure a verdict rests on: like `figure`, with a note saying what the rule compares it against
 * ("rule: ≥ 90%", "published 83.4%"), so a reader sees why the verdict came out as it did.
 */
export function basisFigure(label: string, values: ReadonlyArray<number | null | undefined>, note: string, unit?: string): {
  label: string;
  value: number | null;
  spread?: number;
  unit?: string;
  note: string;
} {
  return { ...figure(label, values, unit), note };
}

/** Rounds to `digits` significant digits, so results.json does not carry float noise. */
export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** A table cell: a rounded number, or null (shown as a dash) when there is no value. */
export function cell(value: number | null | undefined, digits = 4): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? round(value, digits) : null;
}

/** "12.3%" from a fraction. */
export function pct(fraction: number | null | undefined, digits = 1): string {
  return typeof fraction === 'number' && Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : 'n/a';
}

/** A number for prose: three significant digits, thousands separated. */
export function num(value: number | null | undefined, digits = 3): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(digits)));
}

/** "m ± s" for prose, or just "m" when there was one value. */
export function meanSd(values: ReadonlyArray<number | null | undefined>, format: (v: number) => string = (v) => num(v)): string {
  const xs = finite(values);
  if (xs.length === 0) return 'n/a';
  return xs.length > 1 ? `${format(mean(xs))} ± ${format(sd(xs))}` : format(xs[0]!);
}

/** A list in prose: "a, b and c". */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
