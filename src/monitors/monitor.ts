/**
 * The fit monitor: a callback for `fit` that watches training from inside,
 * `const m = monitor(); await model.fit(x, y, { callbacks: [m] }); m.epochs`. Every batch: a per-unit "ever active" bitmap (a unit is dead for
 * the epoch when it never left its flat region on any sample), the largest |activation| and non-finite
 * outputs — one pass over each reported output, cheap next to the matmuls that made it. Every k-th batch
 * (`every`, default 20): the distribution statistics of `inspect`, the gradient of the loss with respect
 * to each reported output (kept by the tape's `retainGrad`), the parameters' gradient norms and the
 * relative size of the update ‖ΔW‖/‖W‖ (cs231n's rule of thumb puts healthy values near 1e-3,
 * https://cs231n.github.io/neural-networks-3/#ratio).
 */
import { gradOf, requiresGrad, retainGrad, zeroGrad } from '../autograd/tape.js';
import type { Parameter } from '../autograd/parameter.js';
import { Sequential, type Callbacks, type Logs, type TrainBegin } from '../nn/index.js';
import { shapeSize } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { advise } from './advice.js';
import { accumulatorOptions, accumulatorsFor, inspect, reportOf } from './inspect.js';
import { reportedLayers } from './layers.js';
import type { ReportedLayer } from './layers.js';
import type { ActivationAccumulator, AccumulatorOptions } from './stats.js';
import type { EpochHealth, Finding, LayerHealth, LayerReport, MonitorOptions } from './types.js';

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
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new TypeError(`monitor: options must be an object of monitor options, got ${describe(o)}`);
  const known = ['every', 'bins', 'range', 'reservoirSize', 'probeAtInit', 'onEpochEnd'];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new Error(`monitor: unknown option "${key}" (known: ${known.join(', ')})`);
  }
  const every = o.every ?? MONITOR_DEFAULTS.every;
  if (!Number.isInteger(every) || every <= 0) throw new RangeError(`monitor: every must be a positive integer (monitor every k-th batch), got ${describe(o.every)}`);
  const probeAtInit = o.probeAtInit ?? MONITOR_DEFAULTS.probeAtInit;
  if (!Number.isInteger(probeAtInit) || probeAtInit < 0) throw new RangeError(`monitor: probeAtInit must be an integer >= 0 (samples), got ${describe(o.probeAtInit)}`);
  if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== 'function') throw new TypeError(`monitor: onEpochEnd must be a function (stats, findings) => void, got ${describe(o.onEpochEnd)}`);
  return { every, probeAtInit, acc: accumulatorOptions('monitor', o, MONITOR_DEFAULTS) };
}

/** What a monitor watches, set when training begins. */
interface Watched {
  readonly model: Sequential;
  readonly inputs: Float32Array;
  readonly reported: ReportedLayer[];
  readonly byIndex: Map<number, number>;
  readonly params: Parameter[][];
}

/**
 * The fit monitor: pass it to `fit` in `callbacks`. Its results are typed members: `epochs` (the health
 * of each epoch) and `initial` (the `inspect` report before the first step), and `findings()`.
 */
export class FitMonitor implements Callbacks {
  /** The health of each epoch of the last `fit`, indexed by epoch. */
  readonly epochs: EpochHealth[] = [];
  /** The `inspect` report of a probe of the training inputs before the first step, or null. */
  initial: LayerReport[] | null = null;
  private readonly options: MonitorOptions;
  private readonly every: number;
  private readonly probeAtInit: number;
  private readonly accOptions: AccumulatorOptions;
  private watched: Watched | null = null;
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

  constructor(options: MonitorOptions = {}) {
    const checked = checkMonitorOptions(options);
    this.options = options;
    this.every = checked.every;
    this.probeAtInit = checked.probeAtInit;
    this.accOptions = checked.acc;
  }

  /** The findings of `advise` on what was measured so far. */
  findings(): Finding[] {
    return advise({ epochs: this.epochs.filter(Boolean), ...(this.initial ? { report: this.initial } : {}) });
  }

  private get w(): Watched {
    if (!this.watched) throw new Error('monitor: this monitor is not attached to a training run; pass it to fit in callbacks');
    return this.watched;
  }

  private resetEpoch(): void {
    // Each epoch samples with its own seed, so epochs are independent and reproducible.
    this.accs = accumulatorsFor(this.w.reported, { ...this.accOptions, seed: this.accOptions.seed + this.epoch * 7919 });
    this.sums = this.w.reported.map(newSums);
    this.steps = 0;
    this.monitoredSteps = 0;
    this.elapsed = 0;
    this.learningRateSum = 0;
    this.learningRateMin = Infinity;
    this.learningRateMax = -Infinity;
  }

  onTrainBegin({ model, inputs }: TrainBegin): void {
    if (!(model instanceof Sequential)) throw new TypeError(`monitor: the model must be a Sequential, got ${describe(model)}`);
    const reported = reportedLayers(model);
    this.watched = {
      model,
      inputs,
      reported,
      byIndex: new Map(reported.map((r, i) => [r.layerIndex, i])),
      params: reported.map((r) => r.paramLayers.flatMap((i) => model.layers[i]!.parameters())),
    };
    this.epochs.length = 0;
    this.initial = null;
    this.epoch = 0;
    this.resetEpoch();
    const t0 = performance.now();
    if (this.probeAtInit > 0) {
      const inSize = shapeSize(model.inputShape);
      const n = Math.min(this.probeAtInit, inputs.length / inSize);
      const { bins, range, reservoirSize, seed } = this.accOptions;
      this.initial = inspect(model, inputs.subarray(0, n * inSize), { bins, reservoirSize, seed, ...(range ? { range } : {}) });
    }
    this.elapsed += performance.now() - t0;
  }

  onStepBegin(epoch: number, step: number): void {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.resetEpoch();
    }
    this.steps++;
    const optimizer = this.w.model.optimizer;
    if (optimizer) {
      const lr = optimizer.currentLearningRate();
      this.learningRateSum += lr;
      this.learningRateMin = Math.min(this.learningRateMin, lr);
      this.learningRateMax = Math.max(this.learningRateMax, lr);
    }
    this.full = step % this.every === 0;
    if (this.full) this.monitoredSteps++;
    this.previousOutput = null;
    this.retained = this.w.reported.map(() => null);
  }

  onLayerOutput(layerIndex: number, output: Tensor): void {
    const t0 = performance.now();
    const k = this.w.byIndex.get(layerIndex);
    if (k !== undefined) {
      const acc = this.accs[k]!;
      const y = output.view() as Float32Array;
      if (this.full) {
        const r = this.w.reported[k]!;
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

  onAfterBackward(): void {
    if (!this.full) return;
    const t0 = performance.now();
    this.w.reported.forEach((_, k) => {
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
      const params = this.w.params[k]!;
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

  onAfterUpdate(before: (p: Parameter) => Tensor | undefined): void {
    if (!this.full) return;
    const t0 = performance.now();
    this.w.params.forEach((ps, k) => {
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
    const { reported, model } = this.w;
    const layers: LayerHealth[] = reported.map((r, k) => {
      const acc = this.accs[k]!;
      const s = this.sums[k]!;
      const params = this.w.params[k]!;
      return {
        ...reportOf(r, acc),
        activationGradNorm: s.activationGradSteps ? s.activationGrad / s.activationGradSteps : null,
        weightGradNorm: s.weightGradSteps ? s.weightGrad / s.weightGradSteps : null,
        weightNorm: params.length ? Math.sqrt(params.reduce((sum, p) => sum + sumSquares(p.value), 0)) : null,
        updateRatio: s.updateSteps ? s.update / s.updateSteps : null,
        maxAbsActivation: acc.maxAbsActivation,
        paramLayers: r.paramLayers.map((i) => model.layers[i]!.name),
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

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const stats = this.epochStats(epoch, logs.loss);
    this.epochs[epoch] = stats;
    if (this.options.onEpochEnd) {
      const findings = advise({ epochs: this.epochs, ...(this.initial ? { report: this.initial } : {}), learningRate: stats.learningRate });
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

/** A fit monitor with the given options: `fit(x, y, { callbacks: [monitor({ every: 10 })] })`. */
export function monitor(options: MonitorOptions = {}): FitMonitor {
  return new FitMonitor(options);
}
