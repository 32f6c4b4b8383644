/**
 * The plain data the diagnostics produce: a report per layer (from `inspect`, or per epoch while a model
 * trains), findings (from the advice rules), and the options of both. Everything here is JSON-safe apart
 * from the `onEpochEnd` callback, so results can be stored, compared and written as JSON lines.
 */

/** Percentiles of the finite outputs (see `LayerReport.percentileMethod` for how they are estimated). */
export interface Percentiles {
  p1: number;
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  p99: number;
}

/** Equal-width bins: `counts[i]` values fell in [edges[i], edges[i+1]) (the last bin is closed). */
export interface Histogram {
  edges: number[];
  counts: number[];
  /**
   * True when the counts are exact. With a given `range` they always are; over [min, max] they are exact
   * while the layer's finite outputs fit the reservoir, and otherwise estimated from it (scaled to the
   * total with largest remainders, so they still sum to the number of finite outputs).
   */
  exact: boolean;
  /** Finite outputs below / above a given `range` (0 when the bins span [min, max]). */
  below: number;
  above: number;
}

/** The statistics of one layer's outputs over a probe set (or an epoch's monitored batches). */
export interface LayerReport {
  /** The layer's name in the model (dense_1, conv2d_2, activation_1 …). */
  name: string;
  /** Its position in `model.layers`. */
  layerIndex: number;
  /** The layer's class (Dense, Conv2D, Activation, PReLU, RReLU). */
  className: string;
  /** The activation id, or null for a layer whose output is not followed by any activation (logits). */
  activation: string | null;
  /** Why a layer without an activation is listed, or other caveats; null when there is nothing to say. */
  note: string | null;
  /** Units: features of a dense output, channels (the last axis) of a conv output. */
  units: number;
  /** Samples seen (a probe set's size, or the samples of the monitored batches of an epoch). */
  samples: number;
  /** Units that output the activation's lower flat value (0 for relu) for every sample seen. */
  deadUnits: number;
  deadFraction: number;
  deadIndices: number[];
  /** False when the activation has no flat region to die in (leaky_relu, elu, sigmoid …): deadUnits is then 0. */
  canDie: boolean;
  /** Units whose output was the same value for every sample seen (dead units included). */
  constantUnits: number;
  /** Fraction of outputs exactly 0. */
  sparsity: number;
  /** Moments and extremes of the finite outputs (NaN when there are none). */
  mean: number;
  std: number;
  min: number;
  max: number;
  percentiles: Percentiles;
  /** How the percentiles were computed. */
  percentileMethod: string;
  /**
   * For activations with flat tails (sigmoid, tanh, hard_sigmoid, hard_swish, softsign): the fraction of
   * outputs where |f'| is below 1% of its maximum. Null for the others, and when neither the
   * pre-activation nor an f'(y) formula was available (softsign and hard_swish fused into a dense layer
   * during training).
   */
  saturation: number | null;
  histogram: Histogram;
  /** NaN and ±Inf outputs: a finding, never a crash. */
  nonFinite: number;
}

/** One epoch's statistics for one reported layer during `fit({ monitor })`. */
export interface LayerHealth extends LayerReport {
  /** Mean over monitored steps of ‖dL/d(output)‖ (Frobenius norm over the batch); null when the output needs no gradient. */
  activationGradNorm: number | null;
  /** Mean over monitored steps of ‖dL/dW‖ over the parameters of `paramLayers`; null without parameters. */
  weightGradNorm: number | null;
  /** ‖W‖ over the same parameters at the epoch's end. */
  weightNorm: number | null;
  /** Mean over monitored steps of ‖ΔW‖/‖W‖, the size of one update relative to the weights. */
  updateRatio: number | null;
  /** The largest |output| seen in any batch of the epoch (growth without bound shows here). */
  maxAbsActivation: number;
  /** The layers whose parameters feed this report: the layer itself and linear layers just before it. */
  paramLayers: string[];
}

/** What `fit({ monitor })` stores per epoch in `history.monitor[epoch]`. */
export interface EpochHealth {
  /** 0-based, as `history.epoch`. */
  epoch: number;
  loss: number;
  /** The mean learning rate of the epoch's updates (schedules change it from step to step). */
  learningRate: number | null;
  /** Training steps in the epoch, and how many of them the distribution and gradient statistics saw. */
  steps: number;
  monitoredSteps: number;
  layers: LayerHealth[];
  /** weightGradNorm of the first layer with parameters over that of the last; < 1e-3 means vanishing. */
  gradientRatio: number | null;
  /** activationGradNorm of the first reported layer over that of the last. */
  activationGradientRatio: number | null;
  /** The largest |activation| of any layer in the epoch. */
  maxAbsActivation: number;
  /** Non-finite outputs over all layers. */
  nonFinite: number;
  /** Time the monitor itself took in this epoch, in milliseconds. */
  monitorMs: number;
}

export type Severity = 'info' | 'warning' | 'error';

/** A diagnosis a user can act on. */
export interface Finding {
  /** The id of the rule that produced it. */
  rule: string;
  severity: Severity;
  /** The layer concerned, or null for the whole network. */
  layer: string | null;
  /** One or two sentences with the numbers and what to try. */
  message: string;
  /** The numbers behind the message, for programs. */
  numbers: Record<string, number>;
}

/** What the advice rules look at; give what you have. */
export interface AdviceInput {
  /** Per-epoch statistics in order (`history.monitor`). */
  epochs?: readonly EpochHealth[];
  /** A report from `inspect` (at initialisation, for born-dead networks, or of a trained model). */
  report?: readonly LayerReport[];
  /** Mentioned in messages when known. */
  learningRate?: number | null;
}

/** An advice rule: a named check that turns statistics into a finding or nothing. */
export interface AdviceRule {
  readonly id: string;
  /** What it detects and the threshold it uses, in one sentence. */
  readonly description: string;
  check(stats: AdviceInput): Finding | null;
}

/** Options of `inspect`. */
export interface InspectOptions {
  /** Samples per forward pass (default 256). */
  readonly batchSize?: number;
  /** Histogram bins (default 20). */
  readonly bins?: number;
  /** Fixed histogram range [low, high] instead of each layer's [min, max]; makes the counts exact. */
  readonly range?: readonly [number, number];
  /** Values kept per layer for percentiles (default 65,536); below it the percentiles are exact. */
  readonly reservoirSize?: number;
  /** Seeds the reservoir sampling (default 0). */
  readonly seed?: number;
}

/** Options of `monitor(options)`, the fit monitor passed to `fit` as a callback. */
export interface MonitorOptions {
  /**
   * Distribution statistics, gradient norms and update ratios on every k-th batch of an epoch (the first
   * batch of every epoch is always one); dead units, the largest activation and non-finite outputs are
   * tracked on every batch. Default 20.
   */
  readonly every?: number;
  readonly bins?: number;
  readonly range?: readonly [number, number];
  /**
   * Values kept per layer and epoch for percentiles (default 2,048: a quantile's standard error is then
   * about 1 percentile point, and each monitored step replaces a quarter as many values as 8,192 would).
   */
  readonly reservoirSize?: number;
  /**
   * Samples of the training inputs inspected before the first step, kept in the monitor's `initial`
   * (for born-dead networks); 0 to skip. Default 128.
   */
  readonly probeAtInit?: number;
  /** Called at each epoch's end with its statistics and the advice so far (the CLI prints them, or writes JSON lines). */
  readonly onEpochEnd?: (stats: EpochHealth, findings: Finding[]) => void | Promise<void>;
}
