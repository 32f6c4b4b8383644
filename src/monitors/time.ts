/**
 * The statistics of a recurrent layer through time: for each step t, the sparsity of the hidden state
 * (values at the activation's flat value, 0 for relu), the fraction of units dead at that step (never
 * active on any sample seen), the mean |h_t|, and — from the backward — ‖dL/dh_t‖: how the gradient
 * grows or fades as it travels back through time (Bengio, Simard & Frasconi 1994,
 * https://doi.org/10.1109/72.279181; Pascanu, Mikolov & Bengio 2013, https://arxiv.org/abs/1211.5063).
 * Fed through the layer's `probeTime` (src/nn/layer.ts).
 */
import type { Activation } from '../ops/activation.js';
import type { TimeReport } from './types.js';

export class TimeAccumulator {
  private steps = 0;
  private units = 0;
  private samples = 0;
  private zeros: Float64Array = new Float64Array(0);
  private absSum: Float64Array = new Float64Array(0);
  /** active[t·units + u]: unit u left its flat value at step t on some sample. */
  private active: Uint8Array = new Uint8Array(0);
  private gradSum: Float64Array | null = null;
  private gradCount = 0;
  private readonly deadValue: number | null;

  constructor(activation: Activation | null) {
    this.deadValue = activation?.spec.flat.deadValue ? activation.spec.flat.deadValue(activation.params) : null;
  }

  private shape(steps: number, units: number): void {
    if (this.steps === steps && this.units === units) return;
    // A new length (another batch's sequences) starts the statistics over.
    this.steps = steps;
    this.units = units;
    this.samples = 0;
    this.zeros = new Float64Array(steps);
    this.absSum = new Float64Array(steps);
    this.active = new Uint8Array(steps * units);
    this.gradSum = null;
    this.gradCount = 0;
  }

  /** Hidden states, time-major [steps, rows, units]. */
  observe(h: Float32Array, steps: number, rows: number, units: number): void {
    this.shape(steps, units);
    const dead = this.deadValue ?? 0;
    for (let t = 0; t < steps; t++) {
      let zeros = 0;
      let abs = 0;
      const base = t * rows * units;
      const act = t * units;
      for (let r = 0; r < rows; r++) {
        const o = base + r * units;
        for (let u = 0; u < units; u++) {
          const v = h[o + u]!;
          abs += Math.abs(v);
          if (v === dead) zeros++;
          else this.active[act + u] = 1;
        }
      }
      this.zeros[t]! += zeros;
      this.absSum[t]! += abs;
    }
    this.samples += rows;
  }

  /** ‖dL/dh_t‖ of one backward. */
  observeGradients(norms: Float64Array): void {
    if (norms.length !== this.steps) this.shape(norms.length, this.units);
    this.gradSum ??= new Float64Array(norms.length);
    for (let t = 0; t < norms.length; t++) this.gradSum[t]! += norms[t]!;
    this.gradCount++;
  }

  report(): TimeReport | null {
    if (this.steps === 0) return null;
    const values = this.samples * this.units;
    const canDie = this.deadValue !== null;
    const deadFraction: number[] = [];
    let everActive = new Uint8Array(this.units);
    for (let t = 0; t < this.steps; t++) {
      let dead = 0;
      for (let u = 0; u < this.units; u++) {
        const a = this.active[t * this.units + u]!;
        if (!a) dead++;
        everActive[u] = everActive[u]! | a;
      }
      deadFraction.push(canDie && this.samples > 0 ? dead / this.units : 0);
    }
    const deadUnits = canDie && this.samples > 0 ? everActive.reduce((n, a) => n + (a ? 0 : 1), 0) : 0;
    everActive = new Uint8Array(0);
    return {
      steps: this.steps,
      samples: this.samples,
      sparsity: Array.from(this.zeros, (z) => (values ? z / values : 0)),
      deadFraction,
      deadUnits,
      meanAbs: Array.from(this.absSum, (s) => (values ? s / values : 0)),
      gradNorm: this.gradSum && this.gradCount ? Array.from(this.gradSum, (g) => g / this.gradCount) : null,
    };
  }
}
