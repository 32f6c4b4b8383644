/**
 * Monitoring inside `fit({ monitor })`. Every batch: a per-unit "ever active" bitmap (a unit is dead for
 * the epoch when it never left its flat region on any sample), the largest |activation| and non-finite
 * outputs — one pass over each reported output, cheap next to the matmuls that made it. Every k-th batch
 * (`every`, default 20): the distribution statistics of `inspect`, the gradient of the loss with respect
 * to each reported output (kept by the tape's `retainGrad`), the parameters' gradient norms and the
 * relative size of the update ‖ΔW‖/‖W‖ (cs231n's rule of thumb puts healthy values near 1e-3,
 * https://cs231n.github.io/neural-networks-3/#ratio).
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { gradOf, requiresGrad, retainGrad, zeroGrad } from '../autograd/tape.js';
import type { Parameter } from '../autograd/parameter.js';
import { setFitMonitorFactory } from '../nn/model.js';
import type { History, Logs, Sequential, TrainingObserver } from '../nn/model.js';
import { shapeSize } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { advise } from './advice.js';
import { accumulatorOptions, accumulatorsFor, inspect, reportOf } from './inspect.js';
import { reportedLayers } from './layers.js';
import type { ReportedLayer } from './layers.js';
import type { ActivationAccumulator, AccumulatorOptions } from './stats.js';
import type { EpochHealth, LayerHealth, LayerReport, MonitorOptions } from './types.js';

declare module '../nn/model.js' {
  interface FitMonitorOptions extends MonitorOptions {}
  interface History {
    /** Per-epoch diagnostics from `fit({ monitor })`, indexed by epoch. */
    monitor?: EpochHealth[];
    /** The `inspect` report of a probe of the training inputs before the first step. */
    monitorInit?: LayerReport[];
  }
}

// reservoirSize: the cost of a monitored step is mostly reservoir replacements (Algorithm L takes about
// k·ln(1 + m/n) of m new values when n were seen), so it scales with k; see MonitorOptions.reservoirSize.
export const MONITOR_DEFAULTS = { every: 20, bins: 20, reservoirSize: 2_048, seed: 0, probeAtInit: 128 } as const;

/** Σ v² of a tensor's values (float64, in the backend). */
function sumSquares(t: Tensor): number {
  return t.backend.sumSquares(t.storage);
}

interface StepSums {
  activationGrad: number;
  activationGradSteps: number;
  weightGrad: number;
  weightGradSteps: number;
  update: number;
  updateSteps: number;
}

function newSums(): StepSums {
  return { activationGrad: 0, activationGradSteps: 0, weightGrad: 0, weightGradSteps: 0, update: 0, updateSteps: 0 };
}

function checkMonitorOptions(o: MonitorOptions): Required<Pick<MonitorOptions, 'every' | 'probeAtInit'>> & { acc: AccumulatorOptions } {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new TypeError(`fit: monitor must be true or an object of monitor options, got ${describe(o)}`);
  const known = ['every', 'bins', 'range', 'reservoirSize', 'probeAtInit', 'jsonl', 'onEpochEnd'];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new Error(`fit: unknown monitor option "${key}" (known: ${known.join(', ')})`);
  }
  const every = o.every ?? MONITOR_DEFAULTS.every;
  if (!Number.isInteger(every) || every <= 0) throw new RangeError(`fit: monitor.every must be a positive integer (monitor every k-th batch), got ${describe(o.every)}`);
  const probeAtInit = o.probeAtInit ?? MONITOR_DEFAULTS.probeAtInit;
  if (!Number.isInteger(probeAtInit) || probeAtInit < 0) throw new RangeError(`fit: monitor.probeAtInit must be an integer >= 0 (samples), got ${describe(o.probeAtInit)}`);
  if (o.jsonl !== undefined && (typeof o.jsonl !== 'string' || o.jsonl === '')) throw new TypeError(`fit: monitor.jsonl must be a file path, got ${describe(o.jsonl)}`);
  if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== 'function') throw new TypeError(`fit: monitor.onEpochEnd must be a function (stats, findings) => void, got ${describe(o.onEpochEnd)}`);
  return { every, probeAtInit, acc: accumulatorOptions('fit: monitor', o, MONITOR_DEFAULTS) };
}

/** The observer `fit` drives when given `monitor`. */
export class FitMonitor implements TrainingObserver {
  private readonly model: Sequential;
  private readonly options: MonitorOptions;
  private readonly every: number;
  private readonly probeAtInit: number;
  private readonly accOptions: AccumulatorOptions;
  private readonly inputs: Float32Array;
  private readonly reported: ReportedLayer[];
  private readonly byIndex: Map<number, number>;
  private readonly params: Parameter[][];
  private accs: ActivationAccumulator[] = [];
  private sums: StepSums[] = [];
  private epoch = 0;
  private steps = 0;
  private monitoredSteps = 0;
  private full = false;
  private previousOutput: Tensor | null = null;
  private retained: Array<Tensor | null> = [];
  private elapsed = 0;
  /** Σ, least and greatest of the learning rates the epoch's updates used (read before each update). */
  private learningRateSum = 0;
  private learningRateMin = Infinity;
  private learningRateMax = -Infinity;

  constructor(model: Sequential, options: MonitorOptions, inputs: Float32Array) {
    const checked = checkMonitorOptions(options);
    this.model = model;
    this.options = options;
    this.every = checked.every;
    this.probeAtInit = checked.probeAtInit;
    this.accOptions = checked.acc;
    this.inputs = inputs;
    this.reported = reportedLayers(model);
    this.byIndex = new Map(this.reported.map((r, i) => [r.layerIndex, i]));
    this.params = this.reported.map((r) => r.paramLayers.flatMap((i) => model.layers[i]!.parameters()));
    this.resetEpoch();
  }

  private resetEpoch(): void {
    // Each epoch samples with its own seed, so epochs are independent and reproducible.
    this.accs = accumulatorsFor(this.reported, { ...this.accOptions, seed: this.accOptions.seed + this.epoch * 7919 });
    this.sums = this.reported.map(newSums);
    this.steps = 0;
    this.monitoredSteps = 0;
    this.elapsed = 0;
    this.learningRateSum = 0;
    this.learningRateMin = Infinity;
    this.learningRateMax = -Infinity;
  }

  trainBegin(history: History): void {
    const t0 = performance.now();
    history.monitor = [];
    if (this.options.jsonl) writeFileSync(this.options.jsonl, '');
    if (this.probeAtInit > 0) {
      const inSize = shapeSize(this.model.inputShape);
      const n = Math.min(this.probeAtInit, this.inputs.length / inSize);
      const { bins, range, reservoirSize, seed } = this.accOptions;
      history.monitorInit = inspect(this.model, this.inputs.subarray(0, n * inSize), { bins, reservoirSize, seed, ...(range ? { range } : {}) });
    }
    this.elapsed += performance.now() - t0;
  }

  stepBegin(epoch: number, step: number): void {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.resetEpoch();
    }
    this.steps++;
    if (this.model.optimizer) {
      const lr = this.model.optimizer.currentLearningRate();
      this.learningRateSum += lr;
      this.learningRateMin = Math.min(this.learningRateMin, lr);
      this.learningRateMax = Math.max(this.learningRateMax, lr);
    }
    this.full = step % this.every === 0;
    if (this.full) this.monitoredSteps++;
    this.previousOutput = null;
    this.retained = this.reported.map(() => null);
  }

  layerOutput(layerIndex: number, output: Tensor): void {
    const t0 = performance.now();
    const k = this.byIndex.get(layerIndex);
    if (k !== undefined) {
      const acc = this.accs[k]!;
      const y = output.view() as Float32Array;
      if (this.full) {
        const r = this.reported[k]!;
        // An activation layer's input is its pre-activation; a fused dense/conv activation only shows y.
        const z = acc.saturates && r.inputIsPreActivation && this.previousOutput ? (this.previousOutput.view() as Float32Array) : null;
        acc.observe(y, output.shape[0]!, z, output.backend.absMax(output.storage));
        if (requiresGrad(output)) this.retained[k] = retainGrad(output);
      } else {
        acc.track(y, output.backend.absMax(output.storage));
      }
    }
    this.previousOutput = output;
    this.elapsed += performance.now() - t0;
  }

  afterBackward(): void {
    if (!this.full) return;
    const t0 = performance.now();
    this.reported.forEach((_, k) => {
      const sums = this.sums[k]!;
      const t = this.retained[k];
      if (t) {
        const g = gradOf(t);
        if (g) {
          sums.activationGrad += Math.sqrt(sumSquares(g));
          sums.activationGradSteps++;
          zeroGrad([t]);
        }
      }
      const params = this.params[k]!;
      if (params.length) {
        let s = 0;
        for (const p of params) {
          const g = p.grad;
          if (g) s += sumSquares(g);
        }
        sums.weightGrad += Math.sqrt(s);
        sums.weightGradSteps++;
      }
    });
    this.retained = [];
    this.elapsed += performance.now() - t0;
  }

  afterUpdate(before: (p: Parameter) => Tensor | undefined): void {
    if (!this.full) return;
    const t0 = performance.now();
    this.params.forEach((ps, k) => {
      if (!ps.length) return;
      let delta = 0;
      let norm = 0;
      for (const p of ps) {
        const old = before(p);
        if (!old) return;
        delta += p.value.backend.squaredDistance(old.storage, p.value.storage);
        norm += sumSquares(old);
      }
      const sums = this.sums[k]!;
      // A zero weight matrix has no relative update; it is left out of the mean rather than made Inf.
      if (norm > 0) {
        sums.update += Math.sqrt(delta / norm);
        sums.updateSteps++;
      }
    });
    this.elapsed += performance.now() - t0;
  }

  /** The statistics of the epoch so far. */
  epochStats(epoch: number, loss: number): EpochHealth {
    const t0 = performance.now();
    const layers: LayerHealth[] = this.reported.map((r, k) => {
      const acc = this.accs[k]!;
      const s = this.sums[k]!;
      const params = this.params[k]!;
      return {
        ...reportOf(r, acc),
        activationGradNorm: s.activationGradSteps ? s.activationGrad / s.activationGradSteps : null,
        weightGradNorm: s.weightGradSteps ? s.weightGrad / s.weightGradSteps : null,
        weightNorm: params.length ? Math.sqrt(params.reduce((sum, p) => sum + sumSquares(p.value), 0)) : null,
        updateRatio: s.updateSteps ? s.update / s.updateSteps : null,
        maxAbsActivation: acc.maxAbsActivation,
        paramLayers: r.paramLayers.map((i) => this.model.layers[i]!.name),
      };
    });
    const withWeights = layers.filter((l) => l.weightGradNorm !== null);
    const withActGrads = layers.filter((l) => l.activationGradNorm !== null);
    const ratio = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined || b === null || b === undefined ? null : b === 0 ? (a === 0 ? 1 : Infinity) : a / b);
    const stats: EpochHealth = {
      epoch,
      loss,
      // The mean over the epoch's updates: a schedule may change the rate at every step, and the rate
      // after the epoch's last update (0 at the end of a cosine decay) is not the one it trained with.
      learningRate: this.learningRateMax < this.learningRateMin ? null
        : this.learningRateMin === this.learningRateMax ? this.learningRateMin : this.learningRateSum / this.steps,
      steps: this.steps,
      monitoredSteps: this.monitoredSteps,
      layers,
      gradientRatio: withWeights.length >= 2 ? ratio(withWeights[0]!.weightGradNorm, withWeights[withWeights.length - 1]!.weightGradNorm) : null,
      activationGradientRatio: withActGrads.length >= 2 ? ratio(withActGrads[0]!.activationGradNorm, withActGrads[withActGrads.length - 1]!.activationGradNorm) : null,
      maxAbsActivation: layers.reduce((m, l) => Math.max(m, l.maxAbsActivation), 0),
      nonFinite: layers.reduce((m, l) => m + l.nonFinite, 0),
      monitorMs: 0,
    };
    stats.monitorMs = this.elapsed + (performance.now() - t0);
    return stats;
  }

  async epochEnd(epoch: number, logs: Logs, history: History): Promise<void> {
    const stats = this.epochStats(epoch, logs.loss);
    (history.monitor ??= [])[epoch] = stats;
    if (this.options.jsonl) appendFileSync(this.options.jsonl, jsonLines(stats));
    if (this.options.onEpochEnd) {
      const findings = advise({ epochs: history.monitor, report: history.monitorInit, learningRate: stats.learningRate });
      await this.options.onEpochEnd(stats, findings);
    }
    this.epoch = epoch + 1;
    this.resetEpoch();
  }
}

/** One JSON object per reported layer: the epoch's numbers and the layer's. */
export function jsonLines(stats: EpochHealth): string {
  const { layers, ...epochFields } = stats;
  const epochNumbers = {
    epoch: epochFields.epoch, loss: epochFields.loss, learningRate: epochFields.learningRate, steps: epochFields.steps,
    monitoredSteps: epochFields.monitoredSteps, gradientRatio: epochFields.gradientRatio, activationGradientRatio: epochFields.activationGradientRatio,
  };
  return layers.map((l) => `${JSON.stringify({ ...epochNumbers, layer: l.name, ...l }, finiteOrString)}\n`).join('');
}

// JSON has no NaN or Infinity: they are written as the strings "NaN", "Infinity", "-Infinity".
function finiteOrString(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** Writes (replaces) `path` with one JSON line per epoch per reported layer from `history.monitor`. */
export function writeMonitorJsonl(path: string, history: History): void {
  if (typeof path !== 'string' || path === '') throw new TypeError(`writeMonitorJsonl: path must be a file path, got ${describe(path)}`);
  if (!history || typeof history !== 'object' || !Array.isArray(history.monitor)) {
    throw new TypeError(`writeMonitorJsonl: history must be the result of fit(…, { monitor: true }) (with a monitor array), got ${describe(history)}${history && typeof history === 'object' ? ' without history.monitor' : ''}`);
  }
  writeFileSync(path, history.monitor.filter(Boolean).map(jsonLines).join(''));
}

setFitMonitorFactory((model, options, inputs) => new FitMonitor(model, options as MonitorOptions, inputs));
