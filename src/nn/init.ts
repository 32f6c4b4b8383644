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
  | 'rai';

export const INITIALIZER_IDS: readonly InitializerId[] = [
  'he_normal', 'he_uniform', 'glorot_normal', 'glorot_uniform', 'lecun_normal', 'lecun_uniform', 'zeros', 'ones', 'constant', 'rai',
];

/** An initializer id, or an id with options: { id: 'he_normal', mode: 'fan_out', gain: 1 }, { id: 'constant', value: 0.1 }. */
export type InitializerLike =
  | InitializerId
  | 'auto'
  | { readonly id: InitializerId; readonly mode?: 'fan_in' | 'fan_out'; readonly gain?: number; readonly value?: number };

export interface ResolvedInitializer {
  readonly id: InitializerId;
  readonly mode: 'fan_in' | 'fan_out';
  readonly gain: number | null;
  readonly value: number;
}

/** Checks and fills an initializer description (ids also accept camelCase: heNormal). */
export function resolveInitializer(like: InitializerLike, where = 'initializer'): ResolvedInitializer | 'auto' {
  const obj = typeof like === 'string' ? { id: like } : like;
  if (!obj || typeof obj !== 'object' || typeof (obj as { id?: unknown }).id !== 'string') {
    throw new TypeError(`${where} must be one of ${INITIALIZER_IDS.join(', ')}, 'auto' or { id, mode?, gain?, value? }, got ${describe(like)}`);
  }
  const raw = (obj as { id: string }).id;
  if (raw === 'auto') return 'auto';
  const id = raw.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase() as InitializerId;
  if (!INITIALIZER_IDS.includes(id)) throw new Error(`${where}: unknown initializer ${describe(raw)}; valid ids: auto, ${INITIALIZER_IDS.join(', ')}`);
  const o = obj as { mode?: unknown; gain?: unknown; value?: unknown };
  if (o.mode !== undefined && o.mode !== 'fan_in' && o.mode !== 'fan_out') throw new Error(`${where}: mode must be "fan_in" or "fan_out", got ${describe(o.mode)}`);
  if (o.gain !== undefined && !(typeof o.gain === 'number' && Number.isFinite(o.gain) && o.gain > 0)) throw new RangeError(`${where}: gain must be a finite number > 0, got ${describe(o.gain)}`);
  if (o.value !== undefined && !(typeof o.value === 'number' && Number.isFinite(o.value))) throw new RangeError(`${where}: value must be a finite number, got ${describe(o.value)}`);
  return { id, mode: (o.mode as 'fan_in' | 'fan_out') ?? 'fan_in', gain: (o.gain as number) ?? null, value: (o.value as number) ?? 0 };
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
