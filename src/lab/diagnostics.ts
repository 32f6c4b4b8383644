/**
 * The lab reads dead units, sparsity and activation statistics through src/monitors, the project's one
 * implementation of them, so a number in the report means the same as in `inspect` output.
 */
import { inspect, type EpochHealth, type LayerHealth, type LayerReport } from '../monitors/index.js';
import type { Sequential } from '../nn/index.js';

export type { EpochHealth, LayerHealth, LayerReport };

/**
 * Reports of the hidden layers (those with an activation) over the probe samples `x`; the linear output
 * layer, which `inspect` lists too, is left out.
 */
export function hiddenLayerReports(model: Sequential, x: Float32Array, options: { range?: readonly [number, number]; bins?: number } = {}): LayerReport[] {
  return inspect(model, x, { batchSize: 500, ...options }).filter((r) => r.activation !== null);
}

/** Fraction of exact zeros over all hidden units and probe samples (units-weighted over layers). */
export function overallSparsity(reports: readonly LayerReport[]): number {
  let zeros = 0;
  let total = 0;
  for (const r of reports) {
    zeros += r.sparsity * r.units;
    total += r.units;
  }
  return total > 0 ? zeros / total : NaN;
}

/** Fraction of dead units over all hidden units. */
export function overallDeadFraction(reports: readonly LayerReport[]): number {
  let dead = 0;
  let total = 0;
  for (const r of reports) {
    dead += r.deadUnits;
    total += r.units;
  }
  return total > 0 ? dead / total : NaN;
}
