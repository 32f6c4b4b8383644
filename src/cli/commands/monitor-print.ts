/**
 * Terminal output of the diagnostics: the per-layer health table `train --monitor` prints at each epoch's
 * end, the table `inspect` prints, and the advice as one line per finding.
 */
import { formatNumber, formatTable } from '../../report/table.js';
import type { EpochHealth, Finding, LayerReport } from '../../monitors/index.js';

const NONE = '-';

function num(v: number | null | undefined): string {
  return v === null || v === undefined ? NONE : formatNumber(v);
}

function pct(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return NONE;
  const p = v * 100;
  return `${p === 0 || p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** formatTable with every column but the first two right-aligned, nulls shown as "-". */
function table(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const align = (cells: readonly string[]) => cells.map((c, j) => (j < 2 ? c : c.padStart(widths[j]!)));
  return formatTable(align(header), rows.map(align));
}

function dead(l: LayerReport): string {
  return l.canDie ? `${l.deadUnits}/${l.units} ${pct(l.deadFraction)}` : NONE;
}

/** Values at about `count` evenly spaced steps, first and last included: a sparkline in numbers. */
function sampled(values: readonly number[], count: number, show: (v: number) => string): string {
  const n = values.length;
  const picks = n <= count ? values.map((_, i) => i) : Array.from({ length: count }, (_, k) => Math.round((k * (n - 1)) / (count - 1)));
  return picks.map((i) => `${i + 1}:${show(values[i]!)}`).join(' ');
}

/** A line per recurrent layer: its state's sparsity and the gradient at a few time steps (t from 1). */
function timeLines(layers: readonly LayerReport[]): string[] {
  return layers.flatMap((l) => {
    const t = l.time;
    if (!t) return [];
    const lines = [`${l.name} through time (step:value): sparsity ${sampled(t.sparsity, 6, pct)}; dead units at every step ${t.deadUnits}`];
    if (t.gradNorm) lines.push(`${l.name} ‖dL/dh_t‖ ${sampled(t.gradNorm, 6, num)}`);
    return lines;
  });
}

function checkArray(where: string, name: string, v: unknown, what: string): void {
  if (!Array.isArray(v)) throw new TypeError(`${where}: ${name} must be ${what}, got ${v === null ? 'null' : typeof v}`);
}

/** The per-layer health of one epoch (an entry of `history.monitor`), headed by its network-wide numbers. */
export function formatHealthTable(epochStats: EpochHealth): string {
  if (!epochStats || typeof epochStats !== 'object') throw new TypeError(`formatHealthTable: epochStats must be one epoch's statistics (history.monitor[epoch]), got ${epochStats === null ? 'null' : typeof epochStats}`);
  checkArray('formatHealthTable', 'epochStats.layers', epochStats.layers, 'an array of layer statistics');
  const header = ['layer', 'activation', 'dead', 'sparsity', 'saturated', 'mean', 'std', 'max |a|', '‖∇W‖', '‖∇a‖', '‖ΔW‖/‖W‖', 'non-finite'];
  const rows = epochStats.layers.map((l) => [
    l.name, l.activation ?? '(none)', dead(l), pct(l.sparsity), pct(l.saturation), num(l.mean), num(l.std), num(l.maxAbsActivation),
    num(l.weightGradNorm), num(l.activationGradNorm), num(l.updateRatio), String(l.nonFinite),
  ]);
  const title =
    `Epoch ${epochStats.epoch + 1} health: gradient ratio first/last ${num(epochStats.gradientRatio)}, ` +
    `largest activation ${num(epochStats.maxAbsActivation)}, ${epochStats.monitoredSteps} of ${epochStats.steps} steps sampled, ` +
    `monitor ${epochStats.monitorMs.toFixed(0)} ms`;
  return [title, table(header, rows), ...timeLines(epochStats.layers)].join('\n');
}

/** The report of `inspect`: one row per layer. */
export function formatInspectTable(report: readonly LayerReport[]): string {
  checkArray('formatInspectTable', 'report', report, 'the array of layer reports returned by inspect');
  const header = ['layer', 'activation', 'units', 'dead', 'sparsity', 'saturated', 'mean', 'std', 'min', 'p50', 'p99', 'max', 'non-finite'];
  const rows = report.map((l) => [
    l.name, l.activation ?? '(none)', String(l.units), dead(l), pct(l.sparsity), pct(l.saturation), num(l.mean), num(l.std), num(l.min),
    num(l.percentiles.p50), num(l.percentiles.p99), num(l.max), String(l.nonFinite),
  ]);
  const notes = report.filter((l) => l.note).map((l) => `${l.name}: ${l.note}`);
  return [table(header, rows), ...notes, ...timeLines(report)].join('\n');
}

const MARK: Record<Finding['severity'], string> = { error: 'error  ', warning: 'warning', info: 'info   ' };

/** One line per finding, most severe first as `advise` returns them; a reassuring line when there are none. */
export function formatAdvice(findings: readonly Finding[]): string {
  checkArray('formatAdvice', 'findings', findings, 'an array of findings (from advise)');
  if (findings.length === 0) return 'Advice: no problems found.';
  return ['Advice:', ...findings.map((f) => `  ${MARK[f.severity] ?? f.severity} ${f.message}`)].join('\n');
}
