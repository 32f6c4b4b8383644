/**
 * `inspect(model, x)`: one inference pass over a probe set, in batches with no graph kept, and a report
 * per layer: dead units, sparsity, saturation, moments, percentiles, a histogram and non-finite outputs.
 * It works on an untrained model as well as a trained one ("born dead" networks show at initialisation).
 */
import { noGrad } from '../autograd/tape.js';
import { Sequential, type ForwardContext } from '../nn/index.js';
import { empty, shapeSize } from '../tensor/create.js';
import { Tensor, tidy } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { Rng } from '../util/random.js';
import { ActivationAccumulator } from './stats.js';
import type { AccumulatorOptions } from './stats.js';
import { reportedLayers, unitsOf } from './layers.js';
import type { ReportedLayer } from './layers.js';
import type { InspectOptions, LayerReport } from './types.js';

export const INSPECT_DEFAULTS = { batchSize: 256, bins: 20, reservoirSize: 65_536, seed: 0 } as const;

function positiveInteger(where: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`${where}: ${name} must be a positive integer, got ${describe(v)}`);
  return v as number;
}

/** Checks bins, range, reservoirSize and seed, shared by `inspect` and the fit monitor. */
export function accumulatorOptions(
  where: string,
  o: { bins?: unknown; range?: unknown; reservoirSize?: unknown; seed?: unknown },
  defaults: { bins: number; reservoirSize: number; seed: number },
): AccumulatorOptions {
  const bins = o.bins === undefined ? defaults.bins : positiveInteger(where, 'bins', o.bins);
  let range: readonly [number, number] | null = null;
  if (o.range !== undefined) {
    const r = o.range as unknown[];
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !((r[0] as number) < (r[1] as number))) {
      throw new RangeError(`${where}: range must be [low, high] with finite low < high, got ${Array.isArray(r) ? `[${r.join(', ')}]` : describe(r)}`);
    }
    range = [r[0] as number, r[1] as number];
  }
  let reservoirSize = defaults.reservoirSize;
  if (o.reservoirSize !== undefined) {
    if (!Number.isInteger(o.reservoirSize) || (o.reservoirSize as number) < 0) throw new RangeError(`${where}: reservoirSize must be an integer >= 0, got ${describe(o.reservoirSize)}`);
    reservoirSize = o.reservoirSize as number;
  }
  const seed = o.seed ?? defaults.seed;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new TypeError(`${where}: seed must be a finite number, got ${describe(seed)}`);
  return { bins, range, reservoirSize, seed };
}

/** One accumulator per reported layer, seeded apart. */
export function accumulatorsFor(reported: readonly ReportedLayer[], options: AccumulatorOptions): ActivationAccumulator[] {
  return reported.map((r, i) => new ActivationAccumulator(unitsOf(r.layer), r.activation, { ...options, seed: options.seed * 1009 + i }));
}

export function reportOf(r: ReportedLayer, acc: ActivationAccumulator): LayerReport {
  return acc.report({ name: r.layer.name, layerIndex: r.layerIndex, className: r.layer.className, activation: r.activation?.id ?? null, note: r.note });
}

/** The probe set as a Float32Array of whole samples, checked against the model's input shape. */
export function probeValues(where: string, model: Sequential, x: unknown): { values: Float32Array; n: number } {
  const inShape = model.inputShape;
  const inSize = shapeSize(inShape);
  const expected = `[samples, ${inShape.join(', ')}]`;
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new Error(`${where}: x is a disposed tensor`);
    if (x.dtype !== 'float32') throw new TypeError(`${where}: x must be a float32 tensor of shape ${expected}, got an ${x.dtype} tensor`);
    if (x.rank !== inShape.length + 1 || x.shape.slice(1).join() !== inShape.join()) {
      throw new RangeError(`${where}: x must have shape ${expected}, got [${x.shape.join(', ')}]`);
    }
    if (x.shape[0] === 0) throw new RangeError(`${where}: the probe set is empty (x has shape [${x.shape.join(', ')}]); give at least one sample of shape [${inShape.join(', ')}]`);
    return { values: x.view() as Float32Array, n: x.shape[0]! };
  }
  if (x instanceof Float32Array) {
    if (x.length === 0) throw new RangeError(`${where}: the probe set is empty (x has 0 values); give at least one sample of shape [${inShape.join(', ')}] (${inSize} values)`);
    if (x.length % inSize !== 0) {
      throw new RangeError(`${where}: x must hold whole samples of shape [${inShape.join(', ')}] (${inSize} values each), got ${x.length} values (${(x.length / inSize).toFixed(2)} samples)`);
    }
    return { values: x, n: x.length / inSize };
  }
  throw new TypeError(`${where}: x must be a Tensor of shape ${expected} or a Float32Array of whole samples, got ${describe(x)}`);
}

/**
 * Reports every layer with an activation (and every dense/conv layer without one, `activation: null`)
 * over the probe set `x` ([samples, ...inputShape] as a Tensor, or a Float32Array of whole samples).
 * Runs in inference mode (dropout off, rrelu at its mean slope) and keeps no graph.
 */
export function inspect(model: Sequential, x: Tensor | Float32Array, options: InspectOptions = {}): LayerReport[] {
  if (!(model instanceof Sequential)) throw new TypeError(`inspect: model must be a Sequential model, got ${describe(model)}`);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`inspect: options must be an object { batchSize?, bins?, range?, reservoirSize?, seed? }, got ${describe(options)}`);
  const batchSize = options.batchSize === undefined ? INSPECT_DEFAULTS.batchSize : positiveInteger('inspect', 'batchSize', options.batchSize);
  const accOptions = accumulatorOptions('inspect', options, INSPECT_DEFAULTS);
  const { values, n } = probeValues('inspect', model, x);
  const reported = reportedLayers(model);
  const accs = accumulatorsFor(reported, accOptions);
  const byIndex = new Map(reported.map((r, i) => [r.layerIndex, i]));
  const inShape = model.inputShape;
  const inSize = shapeSize(inShape);
  // Inference needs no randomness (dropout is off, rrelu uses its mean slope); the context still wants an Rng.
  const ctx: ForwardContext = { training: false, rng: new Rng(0) };
  // Copied once: a tensor's view may move when the wasm backend allocates.
  const source = x instanceof Tensor ? values.slice() : values;
  noGrad(() => {
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      tidy(() => {
        const xb = empty([count, ...inShape]);
        xb.storage.f32().set(source.subarray(start * inSize, (start + count) * inSize));
        let h: Tensor = xb;
        model.layers.forEach((layer, i) => {
          const k = byIndex.get(i);
          if (k === undefined) {
            h = layer.forward(h, ctx);
            return;
          }
          const acc = accs[k]!;
          // Saturation is read from the pre-activation where there is one: a transform then runs its
          // linear part and its activation apart (inference fuses them); an activation layer's is its input.
          const { output, preActivation } = layer.forwardForDiagnostics(h, ctx, acc.saturates && reported[k]!.activation !== null);
          // Views are read before the next allocation (wasm memory may move when it grows).
          acc.observe(output.view() as Float32Array, count, acc.saturates && preActivation ? (preActivation.view() as Float32Array) : null);
          h = output;
        });
      });
    }
  });
  return reported.map((r, i) => reportOf(r, accs[i]!));
}
