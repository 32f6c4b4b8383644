/**
 * How figures are written, shared by the terminal summary and the HTML report so both read the same.
 */
import type { MeasuredFigure, PublishedFigure, Verdict } from './schema.js';

/**
 * Three significant digits without trailing zeros (`2.8`, not `2.80`), exponent notation outside everyday
 * magnitudes: figures in prose and in the page read better without padding.
 */
export function formatFigure(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(2).replace(/\.?0+e/, 'e');
  if (Number.isInteger(v) || a >= 1000) return String(Math.round(v));
  return String(+v.toPrecision(3));
}

/** `%` sits against the number; other units get a space. */
export function withUnit(text: string, unit: string | undefined): string {
  if (!unit) return text;
  return unit === '%' || unit === '×' ? `${text}${unit}` : `${text} ${unit}`;
}

/** `83.4 ± 1.2%`, or `—` when the value was not measured. */
export function formatMeasured(figure: MeasuredFigure): string {
  if (figure.value === null) return '—';
  const spread = figure.spread !== undefined ? ` ± ${formatFigure(figure.spread)}` : '';
  return withUnit(`${formatFigure(figure.value)}${spread}`, figure.unit);
}

/**
 * The figures a contents row or summary line shows beside the verdict: those the verdict rests on, or,
 * for results without them, the first two measured figures.
 */
export function verdictFigures(result: { basis?: MeasuredFigure[]; measured: MeasuredFigure[] }): MeasuredFigure[] {
  return result.basis && result.basis.length > 0 ? result.basis : result.measured.slice(0, 2);
}

/** `79.1 ± 2%` followed by what it is compared with: `79.1 ± 2% (published 83.4%; rule: within 10 points)`. */
export function formatBasis(figure: MeasuredFigure): string {
  return figure.note ? `${formatMeasured(figure)} (${figure.note})` : formatMeasured(figure);
}

/** A published figure as the paper gives it; strings pass through (papers say "6×", "≈ 50%"). */
export function formatPublished(figure: PublishedFigure): string {
  return withUnit(typeof figure.value === 'number' ? formatFigure(figure.value) : figure.value, figure.unit);
}

/** A table cell: numbers at three significant digits, null as a dash. */
export function formatCell(cell: string | number | null): string {
  if (cell === null) return '—';
  return typeof cell === 'number' ? formatFigure(cell) : cell;
}

/** Wall time in the unit a reader expects: `0.8 s`, `42 s`, `3 min 5 s`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return String(seconds);
  if (seconds < 10) return `${+seconds.toFixed(1)} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 120) return whole % 60 === 0 ? `${minutes} min` : `${minutes} min ${whole % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** What a verdict says in words, for badges and the terminal. */
export const VERDICT_TEXT: Readonly<Record<Verdict, string>> = {
  agrees: 'agrees',
  partly: 'partly agrees',
  disagrees: 'disagrees',
  inconclusive: 'inconclusive',
};
