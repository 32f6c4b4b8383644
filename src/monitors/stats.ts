/**
 * Streaming statistics of one layer's outputs, fed batch by batch so a probe set or an epoch never has
 * to be held in memory: per-unit activity and constancy, exact moments (Chan et al.'s pairwise update),
 * extremes, zeros, saturation, and a reservoir sample for percentiles and histograms.
 */
import { maxAbsDerivative } from '../activations/lookup.js';
import type { Activation } from '../ops/activation.js';
import { largestRemainder } from '../data/sampling.js';
import { Rng } from '../util/random.js';
import type { Histogram, LayerReport, Percentiles } from './types.js';

/** The percentiles every report carries. */
export const PERCENTILES = [1, 5, 25, 50, 75, 95, 99] as const;

/** "Saturated" means |f'| below this fraction of its maximum (the definition in the activation table). */
export const SATURATION_FRACTION = 0.01;

export interface AccumulatorOptions {
  readonly bins: number;
  readonly range: readonly [number, number] | null;
  readonly reservoirSize: number;
  readonly seed: number;
}

/** Whether a value sits in the flat tails, from the pre-activation z or from the output y. */
interface SaturationTest {
  readonly fromX: (z: number) => boolean;
  readonly fromY: ((y: number) => boolean) | null;
}

function saturationTest(activation: Activation | null): SaturationTest | null {
  if (!activation || !activation.spec.flat.saturates) return null;
  const { spec, params } = activation;
  const threshold = SATURATION_FRACTION * maxAbsDerivative(spec, params);
  const dfFromY = spec.dfFromY;
  return {
    fromX: (z) => Math.abs(spec.df(z, params)) < threshold,
    fromY: dfFromY ? (y) => Math.abs(dfFromY(y, params)) < threshold : null,
  };
}

/** Linear interpolation between order statistics (Hyndman & Fan type 7, numpy's default). */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = ((n - 1) * q) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export class ActivationAccumulator {
  readonly units: number;
  readonly activation: Activation | null;
  private readonly deadValue: number | null;
  private readonly saturation: SaturationTest | null;
  private readonly options: AccumulatorOptions;
  private readonly rng: Rng;
  /**
   * The "ever active" bitmap, kept as the list of units not yet seen active: a healthy layer empties it
   * within a batch, after which tracking costs nothing; a dead unit costs one comparison per row.
   */
  private readonly inactive: Int32Array;
  private inactiveCount: number;
  /** Likewise the units whose output has not yet differed from their first one. */
  private readonly first: Float32Array;
  private readonly unvaried: Int32Array;
  private unvariedCount: number;
  private hasFirst = false;
  private maxAbs = 0;
  private nonFinite = 0;
  /** Samples seen by the distribution statistics, and rows seen by the cheap tracking. */
  private samples = 0;
  private trackedRows = 0;
  private finite = 0;
  private zeros = 0;
  private distValues = 0;
  private saturated = 0;
  private saturationKnown = true;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly reservoir: Float32Array;
  private filled = 0;
  /** Algorithm L (Li 1994, https://doi.org/10.1145/198429.198435): the next index to take, and W. */
  private nextTake = 0;
  private w = 1;
  private readonly fixedCounts: Float64Array | null;
  private below = 0;
  private above = 0;

  constructor(units: number, activation: Activation | null, options: AccumulatorOptions) {
    this.units = units;
    this.activation = activation;
    this.deadValue = activation?.spec.flat.deadValue ? activation.spec.flat.deadValue(activation.params) : null;
    this.saturation = saturationTest(activation);
    this.options = options;
    this.rng = new Rng(options.seed);
    this.inactive = Int32Array.from({ length: units }, (_, u) => u);
    this.inactiveCount = this.deadValue === null ? 0 : units;
    this.first = new Float32Array(units);
    this.unvaried = Int32Array.from({ length: units }, (_, u) => u);
    this.unvariedCount = units;
    this.reservoir = new Float32Array(options.reservoirSize);
    this.fixedCounts = options.range ? new Float64Array(options.bins) : null;
  }

  /** True when this activation has a saturation test. */
  get saturates(): boolean {
    return this.saturation !== null;
  }

  /** True when a saturation test needs the pre-activation (no f'(y) formula). */
  get needsPreActivation(): boolean {
    return this.saturation !== null && this.saturation.fromY === null;
  }

  /**
   * The cheap pass, for every batch: which units were ever active, which stayed constant, the largest
   * |output| and the non-finite count. `y` holds rows of `units` values; `absMax`, when the caller has
   * it, is max |y| as a backend computed it (NaN or ±Inf when some value is not finite). Returns true when
   * every value was finite.
   */
  track(y: Float32Array, absMax?: number): boolean {
    const units = this.units;
    const rows = y.length / units;
    if (rows === 0) return true;
    if (!this.hasFirst) {
      this.first.set(y.subarray(0, units));
      this.hasFirst = true;
    }
    if (this.inactiveCount > 0) this.inactiveCount = dropWhere(y, rows, units, this.inactive, this.inactiveCount, this.deadValue!, null);
    if (this.unvariedCount > 0) this.unvariedCount = dropWhere(y, rows, units, this.unvaried, this.unvariedCount, 0, this.first);
    this.trackedRows += rows;
    // A backend's absMax (one SIMD pass in wasm) answers the common case, all values finite.
    if (absMax !== undefined && Number.isFinite(absMax)) {
      if (absMax > this.maxAbs) this.maxAbs = absMax;
      return true;
    }
    let maxAbs = this.maxAbs;
    let sum = 0;
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      sum += v;
      const a = Math.abs(v);
      if (a > maxAbs) maxAbs = a;
    }
    // NaN or ±Inf anywhere makes the sum non-finite (float32 values cannot overflow a float64 sum).
    if (Number.isFinite(sum)) {
      this.maxAbs = maxAbs;
      return true;
    }
    maxAbs = this.maxAbs;
    for (let i = 0; i < y.length; i++) {
      const a = Math.abs(y[i]!);
      if (a === Infinity || a !== a) this.nonFinite++;
      else if (a > maxAbs) maxAbs = a;
    }
    this.maxAbs = maxAbs;
    return false;
  }

  /**
   * The full pass, on probe batches and monitored training batches: everything `track` does plus the
   * distribution, for a batch of `samples` samples. `z` is the pre-activation, same layout, when the
   * caller has it.
   */
  observe(y: Float32Array, samples: number, z: Float32Array | null = null, absMax?: number): void {
    const allFinite = this.track(y, absMax);
    const n = y.length;
    this.samples += samples;
    this.distValues += n;
    let zeros = 0;
    let count = 0;
    let min = this.min;
    let max = this.max;
    // Sums of v − shift with the shift near the mean, so squares do not cancel catastrophically.
    const shift = this.finite > 0 ? this.mean : allFinite && n > 0 ? y[0]! : 0;
    let sd = 0;
    let ssd = 0;
    if (allFinite) {
      count = n;
      for (let i = 0; i < n; i++) {
        const v = y[i]!;
        if (v === 0) zeros++;
        if (v < min) min = v;
        if (v > max) max = v;
        const d = v - shift;
        sd += d;
        ssd += d * d;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = y[i]!;
        if (v === 0) zeros++;
        if (v - v !== 0) continue; // NaN and ±Inf
        count++;
        if (v < min) min = v;
        if (v > max) max = v;
        const d = v - shift;
        sd += d;
        ssd += d * d;
      }
    }
    this.zeros += zeros;
    this.min = min;
    this.max = max;
    if (count > 0) {
      const batchMean = shift + sd / count;
      const m2 = Math.max(0, ssd - (sd * sd) / count);
      // Chan, Golub & LeVeque's pairwise combination of means and sums of squared deviations.
      const total = this.finite + count;
      const delta = batchMean - this.mean;
      this.mean += (delta * count) / total;
      this.m2 += m2 + (delta * delta * this.finite * count) / total;
      this.finite = total;
    }
    this.countSaturation(y, z);
    this.sample(y, allFinite);
    if (this.fixedCounts) this.binFixed(y);
  }

  private countSaturation(y: Float32Array, z: Float32Array | null): void {
    const test = this.saturation;
    if (!test) return;
    let saturated = 0;
    if (z) {
      for (let i = 0; i < z.length; i++) if (test.fromX(z[i]!)) saturated++;
    } else if (test.fromY) {
      for (let i = 0; i < y.length; i++) if (test.fromY(y[i]!)) saturated++;
    } else {
      this.saturationKnown = false;
      return;
    }
    this.saturated += saturated;
  }

  /** Reservoir sampling of the finite values: Algorithm R until full, then Algorithm L's skips. */
  private sample(y: Float32Array, allFinite: boolean): void {
    const k = this.reservoir.length;
    if (k === 0) return;
    if (!allFinite) {
      for (let i = 0; i < y.length; i++) if (y[i]! - y[i]! === 0) this.offer(y, i, i + 1);
      return;
    }
    this.offer(y, 0, y.length);
  }

  /** Offers y[from..to) (all finite) to the reservoir. `filled` counts the finite values offered so far. */
  private offer(y: Float32Array, from: number, to: number): void {
    const k = this.reservoir.length;
    let i = from;
    while (this.filled < k && i < to) {
      this.reservoir[this.filled++] = y[i++]!;
      if (this.filled === k) {
        this.w = Math.exp(Math.log(this.rng.next() || Number.MIN_VALUE) / k);
        this.nextTake = k + this.skip();
      }
    }
    if (i === to) return;
    // Value number `filled` is y[i]; jump straight to the ones Algorithm L takes.
    const end = this.filled + (to - i);
    while (this.nextTake < end) {
      this.reservoir[this.rng.int(k)] = y[i + (this.nextTake - this.filled)]!;
      this.w *= Math.exp(Math.log(this.rng.next() || Number.MIN_VALUE) / k);
      this.nextTake += 1 + this.skip();
    }
    this.filled = end;
  }

  private skip(): number {
    const u = this.rng.next() || Number.MIN_VALUE;
    const s = Math.floor(Math.log(u) / Math.log(1 - this.w));
    return Number.isFinite(s) ? s : Number.MAX_SAFE_INTEGER;
  }

  private binFixed(y: Float32Array): void {
    const [lo, hi] = this.options.range!;
    const bins = this.options.bins;
    const counts = this.fixedCounts!;
    const scale = bins / (hi - lo);
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      if (v - v !== 0) continue;
      if (v < lo) this.below++;
      else if (v > hi) this.above++;
      else counts[Math.min(bins - 1, Math.floor((v - lo) * scale))]!++;
    }
  }

  private histogram(): Histogram {
    const bins = this.options.bins;
    if (this.fixedCounts) {
      const [lo, hi] = this.options.range!;
      return { edges: edges(lo, hi, bins), counts: Array.from(this.fixedCounts), exact: true, below: this.below, above: this.above };
    }
    if (this.finite === 0) return { edges: [], counts: [], exact: true, below: 0, above: 0 };
    const kept = Math.min(this.filled, this.reservoir.length);
    const exact = kept === this.finite;
    if (this.min === this.max) return { edges: [this.min, this.max], counts: [this.finite], exact: true, below: 0, above: 0 };
    const sampleCounts = new Float64Array(bins);
    const scale = bins / (this.max - this.min);
    for (let i = 0; i < kept; i++) sampleCounts[Math.min(bins - 1, Math.floor((this.reservoir[i]! - this.min) * scale))]!++;
    const counts = exact ? Array.from(sampleCounts) : Array.from(largestRemainder(sampleCounts, this.finite));
    return { edges: edges(this.min, this.max, bins), counts, exact, below: 0, above: 0 };
  }

  private percentiles(): { values: Percentiles; method: string } {
    const kept = Math.min(this.filled, this.reservoir.length);
    const sorted = this.reservoir.slice(0, kept).sort();
    const at = (q: number) => percentileOfSorted(sorted, q);
    const values: Percentiles = { p1: at(1), p5: at(5), p25: at(25), p50: at(50), p75: at(75), p95: at(95), p99: at(99) };
    const method =
      kept === this.finite
        ? 'exact (linear interpolation between order statistics)'
        : `estimated from a uniform reservoir sample of ${kept} of ${this.finite} values (Vitter's algorithm R, Li's algorithm L)`;
    return { values, method };
  }

  /** The report so far; `identity` supplies the layer's name and place. */
  report(identity: { name: string; layerIndex: number; className: string; activation: string | null; note: string | null }): LayerReport {
    const canDie = this.deadValue !== null;
    const seen = this.trackedRows > 0;
    const deadIndices = canDie && seen ? Array.from(this.inactive.subarray(0, this.inactiveCount)).sort((a, b) => a - b) : [];
    const constantUnits = seen ? this.unvariedCount : 0;
    const { values, method } = this.percentiles();
    const hasValues = this.finite > 0;
    return {
      ...identity,
      units: this.units,
      samples: this.samples,
      deadUnits: deadIndices.length,
      deadFraction: this.units ? deadIndices.length / this.units : 0,
      deadIndices,
      canDie,
      constantUnits,
      sparsity: this.distValues ? this.zeros / this.distValues : 0,
      mean: hasValues ? this.mean : NaN,
      std: hasValues ? Math.sqrt(this.m2 / this.finite) : NaN,
      min: hasValues ? this.min : NaN,
      max: hasValues ? this.max : NaN,
      percentiles: values,
      percentileMethod: method,
      saturation: this.saturation && this.saturationKnown && this.distValues > 0 ? this.saturated / this.distValues : null,
      histogram: this.histogram(),
      nonFinite: this.nonFinite,
    };
  }

  /** The largest finite |output| seen by either pass. */
  get maxAbsActivation(): number {
    return this.maxAbs;
  }
}

/**
 * Removes from `list[0..count)` the units u with y[r·units + u] ≠ (reference ? reference[u] : value) for
 * some row r; returns the new count.
 */
function dropWhere(y: Float32Array, rows: number, units: number, list: Int32Array, count: number, value: number, reference: Float32Array | null): number {
  for (let r = 0, base = 0; r < rows && count > 0; r++, base += units) {
    let k = 0;
    while (k < count) {
      const u = list[k]!;
      if (y[base + u] !== (reference ? reference[u]! : value)) list[k] = list[--count]!;
      else k++;
    }
  }
  return count;
}

function edges(lo: number, hi: number, bins: number): number[] {
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
}
