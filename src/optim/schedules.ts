/**
 * Learning-rate schedules: functions of the number of optimizer steps already taken (0 for the first
 * update), as Keras' LearningRateSchedule, so they behave the same whatever the batch size or epoch length.
 */
import { describe } from '../util/describe.js';

export interface LearningRateSchedule {
  readonly kind: string;
  /** The learning rate for the update after `step` earlier updates. */
  at(step: number): number;
  /** Plain data for saving the training configuration. */
  toJSON(): Record<string, unknown>;
}

function positive(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${fn}: ${name} must be a finite number > 0, got ${describe(v)}`);
  return v;
}

function nonNegative(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${fn}: ${name} must be a finite number >= 0, got ${describe(v)}`);
  return v;
}

function positiveInt(fn: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`${fn}: ${name} must be a positive integer, got ${describe(v)}`);
  return v as number;
}

export interface StepDecayOptions {
  readonly initialLearningRate: number;
  /** Updates between drops. */
  readonly stepSize: number;
  /** Factor per drop (default 0.1, PyTorch's StepLR). */
  readonly gamma?: number;
}

/** lr = initial · gamma^⌊step / stepSize⌋ (PyTorch StepLR, counted in updates). */
export function stepDecay(options: StepDecayOptions): LearningRateSchedule {
  if (!options || typeof options !== 'object') throw new TypeError(`stepDecay: options must be { initialLearningRate, stepSize, gamma? }, got ${describe(options)}`);
  const initial = positive('stepDecay', 'initialLearningRate', options.initialLearningRate);
  const stepSize = positiveInt('stepDecay', 'stepSize', options.stepSize);
  const gamma = positive('stepDecay', 'gamma', options.gamma ?? 0.1);
  return {
    kind: 'step',
    at: (step) => initial * gamma ** Math.floor(step / stepSize),
    toJSON: () => ({ kind: 'step', initialLearningRate: initial, stepSize, gamma }),
  };
}

export interface CosineDecayOptions {
  readonly initialLearningRate: number;
  /** Updates over which the rate falls from initial to the minimum (after warm-up). */
  readonly decaySteps: number;
  /** Floor of the schedule (default 0). */
  readonly minLearningRate?: number;
  /** Linear warm-up from 0 over this many updates first (default 0). */
  readonly warmupSteps?: number;
}

/**
 * Cosine annealing (Loshchilov & Hutter 2016, https://arxiv.org/abs/1608.03983, without restarts):
 * lr = min + (initial − min)·(1 + cos(π·t/decaySteps))/2, held at min after decaySteps.
 */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  if (!options || typeof options !== 'object') throw new TypeError(`cosineDecay: options must be { initialLearningRate, decaySteps, minLearningRate?, warmupSteps? }, got ${describe(options)}`);
  const initial = positive('cosineDecay', 'initialLearningRate', options.initialLearningRate);
  const decaySteps = positiveInt('cosineDecay', 'decaySteps', options.decaySteps);
  const min = nonNegative('cosineDecay', 'minLearningRate', options.minLearningRate ?? 0);
  const warmup = options.warmupSteps ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`cosineDecay: warmupSteps must be an integer >= 0, got ${describe(warmup)}`);
  if (min > initial) throw new RangeError(`cosineDecay: minLearningRate (${min}) must not exceed initialLearningRate (${initial})`);
  return {
    kind: 'cosine',
    at: (step) => {
      if (step < warmup) return (initial * (step + 1)) / warmup;
      const t = Math.min(step - warmup, decaySteps);
      return min + ((initial - min) * (1 + Math.cos((Math.PI * t) / decaySteps))) / 2;
    },
    toJSON: () => ({ kind: 'cosine', initialLearningRate: initial, decaySteps, minLearningRate: min, warmupSteps: warmup }),
  };
}

/** Rebuilds a schedule from its toJSON() form (loading a saved training configuration). */
export function scheduleFromJSON(json: Record<string, unknown>): LearningRateSchedule {
  if (json.kind === 'step') return stepDecay(json as unknown as StepDecayOptions);
  if (json.kind === 'cosine') return cosineDecay(json as unknown as CosineDecayOptions);
  throw new Error(`unknown learning-rate schedule kind ${describe(json.kind)}; expected "step" or "cosine"`);
}
