/**
 * Weight initializers, with fans and gains as PyTorch defines them (torch.nn.init): for a dense kernel
 * [in, out] fanIn = in, fanOut = out; for a conv filter [kh, kw, ci, co] fanIn = kh·kw·ci and
 * fanOut = kh·kw·co. Gains come from the activation table (`spec.gain`, torch's calculate_gain).
 *
 * Default (`'auto'`) follows the layer's activation (`spec.defaultInit`): He normal with the activation's
 * gain for the ReLU family (gain √2, √(2/(1+α²)) for leaky slopes), Glorot uniform for sigmoid, tanh and
 * linear (Keras' default, gain 1), LeCun normal for SELU (Klambauer et al. 2017). Plain (not truncated)
 * normals, as PyTorch. Biases start at zero.
 */
import type { Activation } from '../ops/activation.js';
import { Rng } from '../util/random.js';
import { describe } from '../util/describe.js';

export type InitializerId =
  | 'he_normal'
  | 'he_uniform'
  | 'glorot_normal'
  | 'glorot_uniform'
  | 'lecun_normal'
  | 'lecun_uniform'
  | 'zeros'
  | 'ones'
  | 'constant'
  | 'rai'
  | 'normal'
  | 'uniform'
  | 'identity'
  | 'orthogonal';

export const INITIALIZER_IDS: readonly InitializerId[] = [
  'he_normal', 'he_uniform', 'glorot_normal', 'glorot_uniform', 'lecun_normal', 'lecun_uniform', 'zeros', 'ones', 'constant', 'rai',
  'normal', 'uniform', 'identity', 'orthogonal',
];

/**
 * An initializer id, or an id with options: { id: 'he_normal', mode: 'fan_out', gain: 1 }, { id: 'constant',
 * value: 0.1 }, { id: 'normal', mean: 0, stddev: 0.001 }, { id: 'uniform', min: -0.05, max: 0.05 } (Keras'
 * RandomNormal and RandomUniform), { id: 'identity', gain: 0.5 }, { id: 'orthogonal', gain: 1 }.
 */
export type InitializerLike =
  | InitializerId
  | 'auto'
  | {
    readonly id: InitializerId;
    readonly mode?: 'fan_in' | 'fan_out';
    readonly gain?: number;
    readonly value?: number;
    readonly mean?: number;
    readonly stddev?: number;
    readonly min?: number;
    readonly max?: number;
  };

export interface ResolvedInitializer {
  readonly id: InitializerId;
  readonly mode: 'fan_in' | 'fan_out';
  readonly gain: number | null;
  readonly value: number;
  /** 'normal': mean and standard deviation (defaults 0 and 0.05, Keras'). */
  readonly mean?: number;
  readonly stddev?: number;
  /** 'uniform': the interval (defaults −0.05 and 0.05, Keras'). */
  readonly min?: number;
  readonly max?: number;
}

/** Checks and fills an initializer description (ids also accept camelCase: heNormal). */
export function resolveInitializer(like: InitializerLike, where = 'initializer'): ResolvedInitializer | 'auto' {
  const obj = typeof like === 'string' ? { id: like } : like;
  if (!obj || typeof obj !== 'object' || typeof (obj as { id?: unknown }).id !== 'string') {
    throw new TypeError(`${where} must be one of ${INITIALIZER_IDS.join(', ')}, 'auto' or { id, mode?, gain?, value?, mean?, stddev?, min?, max? }, got ${describe(like)}`);
  }
  const raw = (obj as { id: string }).id;
  if (raw === 'auto') return 'auto';
  const id = raw.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase() as InitializerId;
  if (!INITIALIZER_IDS.includes(id)) throw new Error(`${where}: unknown initializer ${describe(raw)}; valid ids: auto, ${INITIALIZER_IDS.join(', ')}`);
  const o = obj as { mode?: unknown; gain?: unknown; value?: unknown };
  if (o.mode !== undefined && o.mode !== 'fan_in' && o.mode !== 'fan_out') throw new Error(`${where}: mode must be "fan_in" or "fan_out", got ${describe(o.mode)}`);
  if (o.gain !== undefined && !(typeof o.gain === 'number' && Number.isFinite(o.gain) && o.gain > 0)) throw new RangeError(`${where}: gain must be a finite number > 0, got ${describe(o.gain)}`);
  if (o.value !== undefined && !(typeof o.value === 'number' && Number.isFinite(o.value))) throw new RangeError(`${where}: value must be a finite number, got ${describe(o.value)}`);
  const r = obj as { mean?: unknown; stddev?: unknown; min?: unknown; max?: unknown };
  for (const key of ['mean', 'stddev', 'min', 'max'] as const) {
    if (r[key] !== undefined && !(typeof r[key] === 'number' && Number.isFinite(r[key]))) throw new RangeError(`${where}: ${key} must be a finite number, got ${describe(r[key])}`);
  }
  const resolved: ResolvedInitializer = { id, mode: (o.mode as 'fan_in' | 'fan_out') ?? 'fan_in', gain: (o.gain as number) ?? null, value: (o.value as number) ?? 0 };
  if (id === 'normal') {
    const stddev = (r.stddev as number | undefined) ?? 0.05;
    if (!(stddev >= 0)) throw new RangeError(`${where}: stddev must be >= 0, got ${describe(stddev)}`);
    return { ...resolved, mean: (r.mean as number | undefined) ?? 0, stddev };
  }
  if (id === 'uniform') {
    const min = (r.min as number | undefined) ?? -0.05;
    const max = (r.max as number | undefined) ?? 0.05;
    if (!(min <= max)) throw new RangeError(`${where}: min must be <= max, got min ${describe(min)} and max ${describe(max)}`);
    return { ...resolved, min, max };
  }
  return resolved;
}

/** fanIn and fanOut of a weight shape: [in, out] for dense kernels, [kh, kw, ci, co] for conv filters. */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new TypeError(`computeFans: shape must be a non-empty array of positive integers, got ${describe(shape)}`);
  }
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: receptive * shape[shape.length - 2]!, fanOut: receptive * shape[shape.length - 1]! };
}

/** The initializer 'auto' stands for, given the activation that follows the weights. */
export function defaultInitializer(activation: Activation | null): ResolvedInitializer {
  const init = activation?.spec.defaultInit ?? 'glorot';
  const id: InitializerId = init === 'he' ? 'he_normal' : init === 'lecun' ? 'lecun_normal' : 'glorot_uniform';
  return { id, mode: 'fan_in', gain: null, value: 0 };
}

/** Beta(2, 1) has density 2x on [0, 1]: the square root of a uniform draw (inverse CDF of x²). */
function beta21(rng: Rng): number {
  return Math.sqrt(rng.next());
}

/**
 * Lu, Shin, Su & Karniadakis 2019, "Dying ReLU and Initialization" (https://arxiv.org/abs/1903.06733),
 * randomized asymmetric initialization: for each neuron, its weights and bias V = [w, b] (fanIn + 1
 * values) are drawn from N(0, σ²/fanIn) except one coordinate chosen uniformly at random, which is drawn
 * from the positive, asymmetric Beta(2, 1). σ = 0.6007 (σ² ≈ 0.36) is the paper's value for Beta(2, 1),
 * chosen by its second-moment analysis so that the signal neither explodes nor vanishes with depth.
 * Without a bias the chosen coordinate is one of the weights. Kernel layout [..., fanIn, units] with one
 * column per neuron (a dense kernel [in, out], a conv filter flattened to [kh·kw·ci, co]).
 */
export const RAI_SIGMA = 0.6007;

export function raiInit(kernel: Float32Array, bias: Float32Array | null, fanIn: number, units: number, rng: Rng): void {
  if (!(kernel instanceof Float32Array)) throw new TypeError(`raiInit: kernel must be a Float32Array, got ${describe(kernel)}`);
  if (!Number.isInteger(fanIn) || fanIn <= 0 || !Number.isInteger(units) || units <= 0 || kernel.length !== fanIn * units) {
    throw new RangeError(`raiInit: kernel must hold fanIn × units values, got ${kernel.length} for fanIn ${describe(fanIn)} and units ${describe(units)}`);
  }
  if (bias !== null && (!(bias instanceof Float32Array) || bias.length !== units)) throw new RangeError(`raiInit: bias must be null or a Float32Array of ${units} values, got ${describe(bias)}`);
  if (!(rng instanceof Rng)) throw new TypeError(`raiInit: rng must be an Rng, got ${describe(rng)}`);
  const std = RAI_SIGMA / Math.sqrt(fanIn);
  for (let i = 0; i < kernel.length; i++) kernel[i] = rng.normal(0, std);
  if (bias) for (let j = 0; j < units; j++) bias[j] = rng.normal(0, std);
  for (let j = 0; j < units; j++) {
    const k = rng.int(bias ? fanIn + 1 : fanIn);
    if (k === fanIn) bias![j] = beta21(rng);
    else kernel[k * units + j] = beta21(rng);
  }
}

/**
 * Fills `out` for a weight of `shape`. `activation` supplies the He gain when the initializer has none.
 * 'rai' needs the bias too; use `raiInit` (the layers do).
 */
export function fillInitializer(out: Float32Array, shape: readonly number[], init: ResolvedInitializer, activation: Activation | null, rng: Rng): void {
  const { fanIn, fanOut } = computeFans(shape);
  const fan = init.mode === 'fan_out' ? fanOut : fanIn;
  const heGain = init.gain ?? (activation ? activation.spec.gain(activation.params) : Math.SQRT2);
  const gain = init.gain ?? 1;
  const normal = (std: number) => { for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, std); };
  const uniform = (bound: number) => { for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-bound, bound); };
  switch (init.id) {
    case 'he_normal':
      return normal(heGain / Math.sqrt(fan));
    case 'he_uniform':
      return uniform(heGain * Math.sqrt(3 / fan));
    case 'glorot_normal':
      return normal(gain * Math.sqrt(2 / (fanIn + fanOut)));
    case 'glorot_uniform':
      return uniform(gain * Math.sqrt(6 / (fanIn + fanOut)));
    case 'lecun_normal':
      return normal(gain / Math.sqrt(fanIn));
    case 'lecun_uniform':
      return uniform(gain * Math.sqrt(3 / fanIn));
    case 'zeros':
      out.fill(0);
      return;
    case 'ones':
      out.fill(1);
      return;
    case 'constant':
      out.fill(init.value);
      return;
    case 'rai':
      raiInit(out, null, fanIn, shape[shape.length - 1]!, rng);
      return;
    case 'normal':
      for (let i = 0; i < out.length; i++) out[i] = rng.normal(init.mean ?? 0, init.stddev ?? 0.05);
      return;
    case 'uniform':
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform(init.min ?? -0.05, init.max ?? 0.05);
      return;
    case 'identity':
      identityInit(out, shape, gain);
      return;
    case 'orthogonal':
      orthogonalInit(out, shape, gain, rng);
      return;
  }
}

/**
 * gain·I for a matrix [rows, cols] (the leading axes of a larger shape count as rows): ones on the
 * diagonal, zeros elsewhere, as Keras' Identity. The recurrent weights of the IRNN (Le, Jaitly & Hinton
 * 2015, https://arxiv.org/abs/1504.00941) start so: a ReLU RNN then copies its state from step to step.
 */
export function identityInit(out: Float32Array, shape: readonly number[], gain = 1): void {
  const cols = shape[shape.length - 1]!;
  const rows = out.length / cols;
  out.fill(0);
  for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = gain;
}

/**
 * A random orthogonal matrix [rows, cols] scaled by gain (Saxe, McClelland & Ganguli 2014,
 * https://arxiv.org/abs/1312.6120): the QR decomposition of a standard normal matrix, with Q's columns
 * signed by R's diagonal so that the distribution is uniform (Haar), as PyTorch's and Keras' orthogonal.
 * Rows orthonormal when rows < cols, columns orthonormal otherwise.
 */
export function orthogonalInit(out: Float32Array, shape: readonly number[], gain: number, rng: Rng): void {
  const cols = shape[shape.length - 1]!;
  const rows = out.length / cols;
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  // Modified Gram-Schmidt on the n columns of a normal m×n matrix, in float64.
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = rng.normal(0, 1);
    for (const u of q) {
      let d = 0;
      for (let i = 0; i < m; i++) d += u[i]! * v[i]!;
      for (let i = 0; i < m; i++) v[i]! -= d * u[i]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    // R's diagonal is the norm (positive), so no sign flip is needed after Gram-Schmidt.
    for (let i = 0; i < m; i++) v[i]! /= norm;
    q.push(v);
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (tall ? q[c]![r]! : q[r]![c]!);
  }
}

/** A new array of `shape` filled by an initializer: `initialize('he_normal', [784, 128], { seed: 1 })`. */
export function initialize(
  like: InitializerLike,
  shape: readonly number[],
  options: { readonly seed?: number; readonly rng?: Rng; readonly activation?: Activation | null } = {},
): Float32Array {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new TypeError(`initialize: shape must be a non-empty array of positive integers, got ${describe(shape)}`);
  }
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const resolved = resolveInitializer(like, 'initialize');
  const init = resolved === 'auto' ? defaultInitializer(options.activation ?? null) : resolved;
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fillInitializer(out, shape, init, options.activation ?? null, rng);
  return out;
}
