/**
 * How each layer class is written in ONNX, one entry per className.
 *
 * Layout. ONNX's Conv, pools and BatchNormalization work on NCHW; our images are NHWC. A graph exported
 * channels-last (the default) takes NHWC input, as `predict` does, and goes to NCHW with a Transpose
 * before the first layer that needs it and back with another before a Flatten (so the features keep our
 * order and the dense weights are ours), as tf2onnx writes Keras models. A graph exported channels-first
 * (`inputLayout: 'NCHW'`) takes PyTorch's layout and has no Transpose at all: the Flatten then orders
 * features channel-major, so the per-feature weights after it (the next dense layer's rows, batch-norm
 * and PReLU vectors on the way) are permuted to that order — the graph PyTorch would export.
 */
import { pool2dGeometry, conv2dGeometry } from '../backend/geometry.js';
import type { Activation } from '../ops/activation.js';
import type { Layer } from '../nn/layers.js';
import { ActivationLayer, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, MaxPool2D, PReLU, RReLU, ZeroPadding2D } from '../nn/layers.js';
import { exportActivation } from './export-activations.js';
import { float, int, ints } from './graph-writer.js';
import type { GraphWriter } from './graph-writer.js';

export interface ExportState {
  /** The current value. */
  x: string;
  /** How the current value is laid out in the graph. */
  layout: 'NHWC' | 'NCHW' | 'features';
  /** Our per-sample shape of it: [h, w, c] or [features]. */
  shape: number[];
  /** After a channel-major flatten: the graph's index of our feature j, until a dense layer reads them. */
  featureOrder: Int32Array | null;
}

type LayerExport = (g: GraphWriter, layer: Layer, s: ExportState) => void;

function toNCHW(g: GraphWriter, s: ExportState, where: string): void {
  if (s.layout === 'NHWC') {
    s.x = g.node('Transpose', [s.x], `${where}_to_nchw`, { perm: ints([0, 3, 1, 2]) });
    s.layout = 'NCHW';
  }
}

function toNHWC(g: GraphWriter, s: ExportState, where: string): void {
  if (s.layout === 'NCHW') {
    s.x = g.node('Transpose', [s.x], `${where}_to_nhwc`, { perm: ints([0, 2, 3, 1]) });
    s.layout = 'NHWC';
  }
}

/** Ours (channel-minor) → the graph's order, for a per-feature vector after a channel-major flatten. */
function inGraphOrder(v: Float32Array, order: Int32Array | null): Float32Array {
  if (!order) return v;
  const out = new Float32Array(v.length);
  order.forEach((o, j) => { out[o] = v[j]!; });
  return out;
}

/** (y, x, c) of an [h, w, c] image → index of the channel-major flattening. */
function channelMajorOrder([h, w, c]: readonly number[]): Int32Array {
  const order = new Int32Array(h! * w! * c!);
  for (let y = 0; y < h!; y++) for (let x = 0; x < w!; x++) for (let k = 0; k < c!; k++) order[(y * w! + x) * c! + k] = (k * h! + y) * w! + x;
  return order;
}

function activate(g: GraphWriter, s: ExportState, a: Activation, where: string): void {
  s.x = exportActivation(g, a.id, a.params, s.x, where);
}

const values = (layer: Layer, name: string) => layer.weights().find((p) => p.name === name)!.value.data as Float32Array;

export const LAYER_EXPORTS: Readonly<Record<string, LayerExport>> = {
  Dense(g, layer, s) {
    const d = layer as Dense;
    const [inF, outF] = d.kernel.shape as [number, number];
    let kernel = d.kernel.value.data as Float32Array;
    if (s.featureOrder) {
      const order = s.featureOrder;
      const permuted = new Float32Array(kernel.length);
      for (let j = 0; j < inF; j++) permuted.set(kernel.subarray(j * outF, (j + 1) * outF), order[j]! * outF);
      kernel = permuted;
      s.featureOrder = null;
    }
    const inputs = [s.x, g.floats(`${d.name}.kernel`, [inF, outF], kernel)];
    if (d.bias) inputs.push(g.floats(`${d.name}.bias`, [outF], d.bias.value.data as Float32Array));
    s.x = g.node('Gemm', inputs, `${d.name}_gemm`);
    s.shape = [outF];
    activate(g, s, d.activation, d.name);
  },
  Conv2D(g, layer, s) {
    const c = layer as Conv2D;
    toNCHW(g, s, c.name);
    const [kh, kw, inC, outC] = c.kernel.shape as [number, number, number, number];
    const geo = conv2dGeometry([1, ...s.shape], [kh, kw, inC, outC], c.strides, c.padding);
    const hwio = c.kernel.value.data as Float32Array;
    const oihw = new Float32Array(hwio.length);
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < inC; i++) for (let o = 0; o < outC; o++) {
      oihw[((o * inC + i) * kh + y) * kw + x] = hwio[((y * kw + x) * inC + i) * outC + o]!;
    }
    const inputs = [s.x, g.floats(`${c.name}.kernel`, [outC, inC, kh, kw], oihw)];
    if (c.bias) inputs.push(g.floats(`${c.name}.bias`, [outC], c.bias.value.data as Float32Array));
    s.x = g.node('Conv', inputs, `${c.name}_conv`, {
      kernel_shape: ints([kh, kw]), strides: ints(c.strides), pads: ints([geo.padTop, geo.padLeft, geo.padBottom, geo.padRight]), dilations: ints([1, 1]), group: int(1),
    });
    s.shape = [geo.outH, geo.outW, outC];
    activate(g, s, c.activation, c.name);
  },
  MaxPool2D: (g, layer, s) => pool(g, layer as MaxPool2D, s, 'MaxPool'),
  AvgPool2D: (g, layer, s) => pool(g, layer as AvgPool2D, s, 'AveragePool'),
  ZeroPadding2D(g, layer, s) {
    const z = layer as ZeroPadding2D;
    const [[t, b], [l, r]] = z.padding;
    const pads = s.layout === 'NCHW' ? [0, 0, t, l, 0, 0, b, r] : [0, t, l, 0, 0, b, r, 0];
    s.x = g.node('Pad', [s.x, g.int64s(`${z.name}.pads`, [8], pads)], `${z.name}_pad`, {});
    s.shape = [s.shape[0]! + t + b, s.shape[1]! + l + r, s.shape[2]!];
  },
  Flatten(g, layer, s) {
    if (s.shape.length === 1) return;
    if (s.layout === 'NCHW') s.featureOrder = channelMajorOrder(s.shape);
    s.x = g.node('Flatten', [s.x], `${layer.name}_flatten`, { axis: int(1) });
    s.layout = 'features';
    s.shape = [s.shape.reduce((a, b) => a * b, 1)];
  },
  // The identity in inference; written so that a re-import gets its dropout layer back for fine-tuning.
  Dropout(g, layer, s) {
    const rate = (layer as Dropout).rate;
    if (rate > 0) s.x = g.node('Dropout', [s.x, g.floats(`${layer.name}.ratio`, [], [rate])], `${layer.name}_dropout`);
  },
  // The identity in inference, and not a module of the model in other frameworks.
  RandomTranslation: () => {},
  Activation(g, layer, s) {
    activate(g, s, (layer as ActivationLayer).activation, layer.name);
  },
  RReLU(g, layer, s) {
    activate(g, s, (layer as RReLU).activation, layer.name);
  },
  PReLU(g, layer, s) {
    const p = layer as PReLU;
    const alpha = p.alpha.value.data as Float32Array;
    const c = alpha.length;
    // A per-channel slope broadcasts over the last axis of [batch, …, c], or as [c, 1, 1] over NCHW.
    const dims = c === 1 ? [1] : s.layout === 'NCHW' ? [c, 1, 1] : [c];
    const slope = c === 1 ? alpha : inGraphOrder(alpha, s.layout === 'features' ? s.featureOrder : null);
    s.x = g.node('PRelu', [s.x, g.floats(`${p.name}.alpha`, dims, slope)], `${p.name}_prelu`);
  },
  BatchNorm(g, layer, s) {
    const bn = layer as BatchNorm;
    if (s.shape.length === 3) toNCHW(g, s, bn.name);
    else if (s.shape.length !== 1) throw new Error(`exportOnnx: ${bn.name} normalises a [${s.shape.join(', ')}] value; BatchNormalization is written for features and images`);
    const order = s.layout === 'features' ? s.featureOrder : null;
    const vec = (name: string) => g.floats(`${bn.name}.${name}`, [bn.gamma.size], inGraphOrder(values(bn, name), order));
    s.x = g.node('BatchNormalization', [s.x, vec('gamma'), vec('beta'), vec('running_mean'), vec('running_var')], `${bn.name}_batch_norm`, {
      epsilon: float(bn.epsilon),
      // ONNX's momentum weighs the running statistic; ours the new batch (PyTorch's convention).
      momentum: float(1 - bn.momentum),
    });
  },
};

function pool(g: GraphWriter, p: MaxPool2D | AvgPool2D, s: ExportState, op: 'MaxPool' | 'AveragePool'): void {
  toNCHW(g, s, p.name);
  const geo = pool2dGeometry([1, ...s.shape], p.poolSize, p.strides, p.padding);
  const attributes = {
    kernel_shape: ints(p.poolSize), strides: ints(p.strides), pads: ints([geo.padTop, geo.padLeft, geo.padBottom, geo.padRight]),
    // Our average over a 'same' window divides by the real elements only (TensorFlow's rule).
    ...(op === 'AveragePool' ? { count_include_pad: int(0) } : {}),
  };
  s.x = g.node(op, [s.x], `${p.name}_${op === 'MaxPool' ? 'max_pool' : 'avg_pool'}`, attributes);
  s.shape = [geo.outH, geo.outW, s.shape[2]!];
}

/** Writes one layer; throws naming the layer for a class without an entry. */
export function exportLayer(g: GraphWriter, layer: Layer, s: ExportState, channelsLastGraph: boolean): void {
  const write = LAYER_EXPORTS[layer.className];
  if (!write) throw new Error(`exportOnnx: layer "${layer.name}" is a ${layer.className}, which has no ONNX form here; written: ${Object.keys(LAYER_EXPORTS).join(', ')}`);
  // A channels-last graph flattens our way: back to NHWC first.
  if (layer.className === 'Flatten' && channelsLastGraph) toNHWC(g, s, layer.name);
  write(g, layer, s);
}
