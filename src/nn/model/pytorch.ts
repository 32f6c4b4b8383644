/**
 * PyTorch's weights without ONNX: a state_dict saved as safetensors (`safetensors.torch.save_file(
 * model.state_dict(), path)`) loaded onto the equivalent Sequential, and ours written as one that
 * `model.load_state_dict(safetensors.torch.load_file(path))` accepts.
 *
 * The equivalent PyTorch model is the nn.Sequential with one module per layer in the same order, a layer
 * with an activation being two modules (Linear then ReLU), so `0.weight` is the first layer's weight and
 * the key of every weight follows from the layers. Augmentation layers are not modules (PyTorch augments
 * in the data pipeline) and take no index. A model whose PyTorch twin names its modules (self.fc1 …)
 * maps those names onto ours with `map: { fc1: 'dense_1', … }`.
 *
 * Layouts: Linear.weight is [out, in] (ours [in, out]); Conv2d.weight is [out, in, kh, kw] (ours
 * [kh, kw, in, out]); a Linear after a Flatten of images reads features channel-major (ours are
 * channel-minor), so its columns — and a BatchNorm1d's or PReLU's vectors on the way — are permuted, and
 * the same image gives the same answer. BatchNorm's num_batches_tracked is written as 0 and not read.
 */
import { readSafetensors } from '../../io/files.js';
import type { NamedArray } from '../../io/safetensors.js';
import { describe } from '../../util/describe.js';
import type { Layer } from '../layer.js';

/** What the mapping reads of a model: its layers in order (a Sequential; sequential.ts saves through this file). */
export interface LayeredModel {
  readonly layers: readonly Layer[];
}

/** One tensor of the PyTorch state_dict and where it lives in our model. */
interface TorchTensor {
  /** `<module index>.<parameter>`, e.g. `0.weight`. */
  readonly key: string;
  /** `<our layer name>.<parameter>`, for `map`. */
  readonly alias: string;
  readonly layer: Layer;
  /** Our weight's name, or null for a tensor we do not keep (num_batches_tracked). */
  readonly weight: string | null;
  readonly torchShape: readonly number[];
  /** Ours → PyTorch's layout, and back. */
  readonly toTorch: (ours: Float32Array) => Float32Array;
  readonly fromTorch: (theirs: Float32Array) => Float32Array;
}

const identity = (v: Float32Array) => v;

function permute(order: Int32Array | null): { to: (v: Float32Array) => Float32Array; from: (v: Float32Array) => Float32Array } {
  if (!order) return { to: identity, from: identity };
  return {
    // theirs[order[j]] = ours[j]
    to: (v) => { const out = new Float32Array(v.length); order.forEach((o, j) => { out[o] = v[j]!; }); return out; },
    from: (v) => Float32Array.from(order, (o) => v[o]!),
  };
}

/** ours[j] ↔ theirs[order[j]] for the features of a flattened [h, w, c] image. */
function channelMajorOrder([h, w, c]: readonly number[]): Int32Array {
  const order = new Int32Array(h! * w! * c!);
  for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) for (let k = 0; k < c!; k++) order[(y * w! + x) * c! + k] = (k * h! + y) * w! + x;
  return order;
}

/** Layer classes that are no module of the PyTorch twin. */
const NOT_MODULES = new Set(['RandomTranslation']);

/** Every tensor of the PyTorch twin's state_dict, in module order. */
export function torchStateDictLayout(model: LayeredModel): TorchTensor[] {
  const out: TorchTensor[] = [];
  let index = 0;
  /** Set by a flatten of an image, until the Linear that reads the features. */
  let order: Int32Array | null = null;
  for (const layer of model.layers) {
    if (NOT_MODULES.has(layer.className)) continue;
    const at = index;
    const add = (param: string, weight: string | null, torchShape: number[], to: (v: Float32Array) => Float32Array, from: (v: Float32Array) => Float32Array) => {
      out.push({ key: `${at}.${param}`, alias: `${layer.name}.${param}`, layer, weight, torchShape, toTorch: to, fromTorch: from });
    };
    const shapeOf = (name: string) => layer.weights().find((p) => p.name === name)?.shape ?? [];
    switch (layer.className) {
      case 'Dense': {
        const [inF, outF] = shapeOf('kernel') as [number, number];
        const cols = order;
        // ours kernel[j, o] (row j) ↔ theirs weight[o, cols ? cols[j] : j]
        add('weight', 'kernel', [outF, inF], (k) => {
          const w = new Float32Array(k.length);
          for (let j = 0; j < inF; j++) for (let o = 0; o < outF; o++) w[o * inF + (cols ? cols[j]! : j)] = k[j * outF + o]!;
          return w;
        }, (w) => {
          const k = new Float32Array(w.length);
          for (let j = 0; j < inF; j++) for (let o = 0; o < outF; o++) k[j * outF + o] = w[o * inF + (cols ? cols[j]! : j)]!;
          return k;
        });
        if (layer.weights().some((p) => p.name === 'bias')) add('bias', 'bias', [outF], identity, identity);
        order = null;
        break;
      }
      case 'Conv2D': {
        const [kh, kw, inC, outC] = shapeOf('kernel') as [number, number, number, number];
        const oihw = (y: number, x: number, i: number, o: number) => ((o * inC + i) * kh + y) * kw + x;
        const hwio = (y: number, x: number, i: number, o: number) => ((y * kw + x) * inC + i) * outC + o;
        const each = (f: (y: number, x: number, i: number, o: number) => void) => {
          for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < inC; i++) for (let o = 0; o < outC; o++) f(y, x, i, o);
        };
        add('weight', 'kernel', [outC, inC, kh, kw], (k) => {
          const w = new Float32Array(k.length);
          each((y, x, i, o) => { w[oihw(y, x, i, o)] = k[hwio(y, x, i, o)]!; });
          return w;
        }, (w) => {
          const k = new Float32Array(w.length);
          each((y, x, i, o) => { k[hwio(y, x, i, o)] = w[oihw(y, x, i, o)]!; });
          return k;
        });
        if (layer.weights().some((p) => p.name === 'bias')) add('bias', 'bias', [outC], identity, identity);
        break;
      }
      case 'BatchNorm': {
        const c = shapeOf('gamma')[0]!;
        const p = permute(order);
        add('weight', 'gamma', [c], p.to, p.from);
        add('bias', 'beta', [c], p.to, p.from);
        add('running_mean', 'running_mean', [c], p.to, p.from);
        add('running_var', 'running_var', [c], p.to, p.from);
        add('num_batches_tracked', null, [], () => new Float32Array(1), identity);
        break;
      }
      case 'PReLU': {
        const c = shapeOf('alpha')[0]!;
        const p = c > 1 ? permute(order) : permute(null);
        add('weight', 'alpha', [c], p.to, p.from);
        break;
      }
      case 'Flatten':
        if (layer.inputShape && layer.inputShape.length === 3) order = channelMajorOrder(layer.inputShape);
        break;
      default:
        if (layer.weights().length) throw new Error(`PyTorch layout: layer ${layer.name} (${layer.className}) has weights and no PyTorch equivalent here`);
    }
    index += 1;
    // An activation inside a transform is a module of its own in PyTorch (Linear, then ReLU).
    if (layer.role === 'transform' && layer.outputActivation() !== null) index += 1;
  }
  return out;
}

/** The model's weights as the PyTorch twin's state_dict (for `model.save(path, { layout: 'pytorch' })`). */
export function toTorchStateDict(model: LayeredModel): Map<string, NamedArray> {
  const tensors = new Map<string, NamedArray>();
  for (const t of torchStateDictLayout(model)) {
    if (t.weight === null) {
      tensors.set(t.key, { shape: [], data: new Float32Array(1), dtype: 'I64' });
      continue;
    }
    const p = t.layer.weights().find((w) => w.name === t.weight)!;
    tensors.set(t.key, { shape: [...t.torchShape], data: t.toTorch(p.value.data as Float32Array) });
  }
  return tensors;
}

export interface LoadWeightsOptions {
  /** Only 'pytorch' (a state_dict) for now. */
  readonly layout: 'pytorch';
  /**
   * Module names of the PyTorch model → our layer names, for models that name their modules:
   * `{ fc1: 'dense_1', 'features.0': 'conv2d_1' }`. Without it, keys are module indices (`0.weight`).
   */
  readonly map?: Readonly<Record<string, string>>;
  /** Throw when anything does not match (the default, as load_state_dict), or load what matches and report. */
  readonly strict?: boolean;
}

export interface LoadWeightsReport {
  /** Our weights that were loaded, as `<layer name>.<weight>` ← file key. */
  readonly loaded: readonly string[];
  /** PyTorch keys the model needs that the file does not have. */
  readonly missing: readonly string[];
  /** File keys no layer of the model takes. */
  readonly unexpected: readonly string[];
  /** Keys present in both with different shapes. */
  readonly mismatched: readonly { readonly key: string; readonly expected: readonly number[]; readonly got: readonly number[] }[];
}

function reportText(r: LoadWeightsReport): string {
  const parts: string[] = [];
  if (r.missing.length) parts.push(`missing ${r.missing.join(', ')}`);
  if (r.unexpected.length) parts.push(`unexpected ${r.unexpected.join(', ')}`);
  for (const m of r.mismatched) parts.push(`${m.key} has shape [${m.got.join(', ')}] where the model needs [${m.expected.join(', ')}]`);
  return parts.join('; ');
}

/**
 * Loads a PyTorch state_dict (safetensors) onto the model. Nothing is assigned unless everything
 * matches, except with `strict: false`, which loads what matches; the report says what did not.
 */
export function loadWeights(model: LayeredModel, path: string, options: LoadWeightsOptions): LoadWeightsReport {
  if (!model || typeof model !== 'object' || !Array.isArray((model as { layers?: unknown }).layers)) throw new TypeError(`loadWeights: model must be a Sequential, got ${describe(model)}`);
  if (typeof path !== 'string' || path === '') throw new TypeError(`loadWeights: path must be a non-empty string, got ${describe(path)}`);
  if (!options || typeof options !== 'object' || options.layout !== 'pytorch') {
    throw new TypeError(`loadWeights: options must be { layout: 'pytorch', map?, strict? }, got ${describe(options)}`);
  }
  const map = options.map ?? {};
  if (typeof map !== 'object' || Object.values(map).some((v) => typeof v !== 'string')) throw new TypeError(`loadWeights: map must be an object of module name → layer name, got ${describe(map)}`);
  const layerNames = new Set(model.layers.map((l) => l.name));
  for (const [from, to] of Object.entries(map)) {
    if (!layerNames.has(to)) throw new Error(`loadWeights: map sends "${from}" to "${to}", which is no layer of the model; its layers: ${[...layerNames].join(', ')}`);
  }
  const { tensors } = readSafetensors(path, { anyDtype: true });
  const layout = torchStateDictLayout(model);
  // A file key names an entry by module index, or by a mapped module name → our layer name.
  const byKey = new Map(layout.map((t) => [t.key, t]));
  const byAlias = new Map(layout.map((t) => [t.alias, t]));
  const found = new Map<TorchTensor, { key: string; data: NamedArray }>();
  const unexpected: string[] = [];
  for (const [key, data] of tensors) {
    const dot = key.lastIndexOf('.');
    const module = key.slice(0, dot);
    const param = key.slice(dot + 1);
    const entry = Object.hasOwn(map, module) ? byAlias.get(`${map[module]}.${param}`) : byKey.get(key);
    if (entry && !found.has(entry)) found.set(entry, { key, data });
    else unexpected.push(key);
  }
  const missing: string[] = [];
  const mismatched: { key: string; expected: number[]; got: number[] }[] = [];
  const loaded: string[] = [];
  const assign: (() => void)[] = [];
  for (const t of layout) {
    const f = found.get(t);
    if (!f) {
      if (t.weight !== null) missing.push(t.key);
      continue;
    }
    if (f.data.shape.join() !== t.torchShape.join()) {
      mismatched.push({ key: f.key, expected: [...t.torchShape], got: [...f.data.shape] });
      continue;
    }
    if (t.weight === null) continue;
    const p = t.layer.weights().find((w) => w.name === t.weight)!;
    loaded.push(`${t.layer.name}.${t.weight} ← ${f.key}`);
    assign.push(() => p.assign(t.fromTorch(f.data.data)));
  }
  const report: LoadWeightsReport = { loaded, missing, unexpected, mismatched };
  if (options.strict !== false && (missing.length || unexpected.length || mismatched.length)) {
    throw new Error(`loadWeights: ${path} does not match the model (nothing was loaded): ${reportText(report)}`);
  }
  for (const f of assign) f();
  return report;
}
