/**
 * Turning a decoded ONNX graph into a description of our layers: the JSON form `layerFromConfig` takes
 * ({ className, config }) plus each layer's weights, ready to build a Sequential from.
 *
 * The graph is walked from its one input to its one output. At each value, the node that reads it is
 * recognised together with what belongs to it: Gemm (transB or not) or MatMul + Add become a dense
 * layer; Conv (PyTorch folds a following BatchNorm into it) a conv2d layer; BatchNormalization, PRelu,
 * MaxPool, AveragePool, Pad, Flatten, Reshape to [batch, n] and Dropout their layers; Transpose and
 * Identity only change how the value is laid out; activations (activation-match.ts) are fused into the
 * dense or conv layer before them when it has none. Weights, Constant nodes and the shape arithmetic
 * around them (a transposed weight, x.view(x.size(0), -1)) are folded to constants first (constants.ts).
 *
 * Layout. Our images are channels-last (NHWC); PyTorch's graphs are NCHW and Keras' graphs (tf2onnx) are
 * NHWC with Transpose nodes around the convolutions. The walker tracks how the graph's value relates to
 * ours: 'NCHW' (the graph's tensor is ours transposed), 'NHWC' (the same) or 'features'. Conv kernels
 * are permuted from [out, in, kh, kw] to [kh, kw, in, out]; a flatten of an NCHW value orders features
 * channel-major where ours are channel-minor, so the per-feature weights that follow it (the next dense
 * layer's rows, a batch norm's or PReLU's vectors on the way) are permuted to our order. The imported
 * model therefore takes the same images as the original, channels-last, and predicts the same.
 *
 * Padding. Our conv and pool layers pad as TensorFlow's 'same' or not at all. Explicit pads that equal
 * 'same' for the layer's input size become 'same'; other pads become a zeroPadding2d layer before a
 * 'valid' layer, which is exact for convolutions and for average pools that count the padding (PyTorch's
 * default, exported as Pad + AveragePool). Max pools pad with −∞; zeros are the same thing when the input
 * cannot be negative (after relu, relu6, sigmoid, softplus …), which is when such a max pool is accepted.
 */
import { ACTIVATION_OPERATORS, UnsupportedOnnxError, describeNode, float32Decimal, matchActivation } from './activation-match.js';
import type { GraphView } from './activation-match.js';
import { FOLDABLE, fold, intAttr, intTensor, intsAttr, numel, transpose } from './constants.js';
import type { OnnxModel, OnnxNode, OnnxTensor } from './decode.js';
import { DATA_TYPE } from './schema.js';

export interface ImportedWeight {
  /** The weight's name in our layer (kernel, bias, gamma, beta, running_mean, running_var, alpha). */
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface ImportedLayer {
  readonly className: string;
  readonly config: Record<string, unknown>;
  readonly weights: readonly ImportedWeight[];
  /** The ONNX nodes it was made from. */
  readonly nodes: readonly string[];
}

export type ImportedLayout = 'NCHW' | 'NHWC' | 'features';

export interface ModelDescription {
  readonly name: string;
  readonly producer: string;
  readonly opset: number;
  readonly inputName: string;
  readonly outputName: string;
  /** One sample, channels-last for images: what the imported model takes. */
  readonly inputShape: readonly number[];
  /** How the graph's own input was laid out (an NCHW graph's images are fed to us as NHWC). */
  readonly inputLayout: ImportedLayout;
  /** How the graph's output relates to ours: NCHW means ours is its transpose [0, 2, 3, 1]. */
  readonly outputLayout: ImportedLayout;
  readonly layers: readonly ImportedLayer[];
  /** True when a final Softmax was left out ({ dropFinalSoftmax: true }): the model returns logits. */
  readonly droppedSoftmax: boolean;
}

export interface DescribeOptions {
  /** Layout of a 4-D graph input; by default NHWC for tf2onnx/keras2onnx graphs and graphs that begin with Transpose(0,3,1,2), else NCHW. */
  readonly inputLayout?: 'NCHW' | 'NHWC';
  /** Leave out a Softmax or LogSoftmax that ends the graph, so the model returns logits. */
  readonly dropFinalSoftmax?: boolean;
}

/** Opsets whose semantics for the operators above this importer follows (tested at 13–17). */
export const MIN_OPSET = 9;
export const MAX_OPSET = 22;

/** The operators the importer reads, for error messages and documentation. */
export const SUPPORTED_OPERATORS = [
  'Gemm', 'MatMul', 'Add', 'Conv', 'BatchNormalization', 'PRelu', 'MaxPool', 'AveragePool', 'Pad', 'Flatten', 'Reshape',
  'Transpose', 'Identity', 'Dropout', 'Softmax (final, on request)', ...ACTIVATION_OPERATORS,
  'elementwise subgraphs of Add/Sub/Mul/Div/Pow/Erf/Exp/Log/Abs/Neg/Sqrt/Reciprocal/Min/Max/Where and the above that compute a row of the activation table',
  'Constant and the shape and weight arithmetic around it (Shape, Gather, Unsqueeze, Squeeze, Concat, Slice, Cast, Transpose of constants)',
];

/** Activations whose output is never negative: zero padding before a max pool is then −∞ padding. */
const NON_NEGATIVE = new Set(['relu', 'relu6', 'sigmoid', 'softplus', 'hard_sigmoid', 'thresholded_relu']);

const supportedList = () => SUPPORTED_OPERATORS.join('; ');

interface Pads {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** TensorFlow's 'same' along one axis. */
function tfSame(size: number, window: number, stride: number): { out: number; before: number } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + window - size, 0);
  return { out, before: Math.floor(total / 2) };
}

const outSize = (size: number, window: number, stride: number, before: number, after: number) => Math.floor((size + before + after - window) / stride) + 1;

/** Explicit pads that compute exactly what 'same' computes: the same windows, so the same outputs. */
function isTfSame(pads: Pads, h: number, w: number, kh: number, kw: number, sh: number, sw: number): boolean {
  const y = tfSame(h, kh, sh);
  const x = tfSame(w, kw, sw);
  return (
    y.before === pads.top && x.before === pads.left &&
    outSize(h, kh, sh, pads.top, pads.bottom) === y.out && outSize(w, kw, sw, pads.left, pads.right) === x.out
  );
}

/** ours[j] = graph's[order[j]] for the features of a flattened [c, h, w] block. */
function channelsLastOrder(c: number, h: number, w: number): Int32Array {
  const order = new Int32Array(c * h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) order[(y * w + x) * c + k] = (k * h + y) * w + x;
  return order;
}

function permuteVector(v: Float32Array, order: Int32Array | null): Float32Array {
  if (!order) return v;
  if (order.length !== v.length) throw new Error(`internal: a feature order of ${order.length} for ${v.length} features`);
  return Float32Array.from(order, (i) => v[i]!);
}

function floats(t: OnnxTensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

const shapeText = (s: readonly number[]) => `[${s.map((d) => (Number.isNaN(d) ? 'batch' : d)).join(', ')}]`;

function floatAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a && a.kind === 'float' ? a.value : fallback;
}

function stringAttr(node: OnnxNode, name: string, fallback: string): string {
  const a = node.attributes.get(name);
  return a && a.kind === 'string' ? a.value : fallback;
}

/** Decides a 4-D input's layout when the caller does not say. */
function guessInputLayout(model: OnnxModel, input: string): 'NCHW' | 'NHWC' {
  if (/tf2onnx|keras2onnx|tflite|tensorflow/i.test(model.producer)) return 'NHWC';
  const first = model.nodes.find((n) => n.inputs.includes(input));
  const perm = first && first.opType === 'Transpose' ? intsAttr(first, 'perm') : null;
  return perm && perm.join() === '0,3,1,2' ? 'NHWC' : 'NCHW';
}

/** The first few names of a list of graph values, for a message (a graph may list thousands). */
function nameList(values: readonly { name: string }[]): string {
  const shown = values.slice(0, 5).map((v) => JSON.stringify(v.name.length > 60 ? `${v.name.slice(0, 60)}…` : v.name));
  return values.length > 5 ? `${shown.join(', ')} and ${values.length - 5} more` : shown.join(', ');
}

/**
 * Describes the layers an ONNX model is made of. Throws UnsupportedOnnxError naming the node, its
 * operator and what is supported when the graph is not a chain of layers this project has.
 */
export function describeOnnxGraph(model: OnnxModel, options: DescribeOptions = {}): ModelDescription {
  if (options === null || typeof options !== 'object') throw new TypeError(`importOnnx: options must be an object, got ${String(options)}`);
  if (options.inputLayout !== undefined && options.inputLayout !== 'NCHW' && options.inputLayout !== 'NHWC') {
    throw new TypeError(`importOnnx: inputLayout must be 'NCHW' or 'NHWC', got ${JSON.stringify(options.inputLayout)}`);
  }
  if (model.opset < MIN_OPSET || model.opset > MAX_OPSET) {
    throw new UnsupportedOnnxError(`the model uses ONNX opset ${model.opset}; the importer reads opsets ${MIN_OPSET} to ${MAX_OPSET}`);
  }
  if (model.inputs.length !== 1) {
    throw new UnsupportedOnnxError(`the graph has ${model.inputs.length} inputs (${nameList(model.inputs) || 'none'}); a Sequential model has exactly one`);
  }
  if (model.outputs.length !== 1) {
    throw new UnsupportedOnnxError(`the graph has ${model.outputs.length} outputs (${nameList(model.outputs)}); a Sequential model has exactly one`);
  }
  const input = model.inputs[0]!;
  const outputName = model.outputs[0]!.name;
  if (input.elemType !== DATA_TYPE.FLOAT) throw new UnsupportedOnnxError(`the graph input "${input.name}" has element type ${input.elemType}; only float32 (1) inputs are supported`);
  if (!input.shape || input.shape.length < 2) throw new UnsupportedOnnxError(`the graph input "${input.name}" has no shape or no batch axis (${JSON.stringify(input.shape)}); expected [batch, features] or [batch, c, h, w] / [batch, h, w, c]`);
  input.shape.slice(1).forEach((d, i) => {
    if (typeof d !== 'number' || d <= 0) throw new UnsupportedOnnxError(`the graph input "${input.name}" has size ${JSON.stringify(d)} at axis ${i + 1}; every axis but the batch must have a fixed size`);
  });
  const batch = typeof input.shape[0] === 'number' && input.shape[0] > 0 ? input.shape[0] : Number.NaN;
  if (input.shape.length !== 2 && input.shape.length !== 4) {
    throw new UnsupportedOnnxError(`the graph input "${input.name}" has rank ${input.shape.length}; supported: [batch, features] and images [batch, c, h, w] or [batch, h, w, c]`);
  }

  // --- The graph, seen through what is still to be taken -------------------------------------------
  const consumed = new Set<OnnxNode>();
  const producer = new Map<string, OnnxNode>();
  const readers = new Map<string, OnnxNode[]>();
  const order = new Map<OnnxNode, number>();
  model.nodes.forEach((n, i) => {
    order.set(n, i);
    for (const o of n.outputs) if (o) producer.set(o, n);
    for (const v of new Set(n.inputs)) if (v) readers.set(v, [...(readers.get(v) ?? []), n]);
  });
  const shapes = new Map<string, number[]>();
  const constants = new Map<string, OnnxTensor>(model.initializers);
  const folding = new Set<string>();
  const view: GraphView = {
    opset: model.opset,
    consumers: (v) => (readers.get(v) ?? []).filter((n) => !consumed.has(n)),
    order: (n) => order.get(n) ?? -1,
    isGraphOutput: (v) => v === outputName,
    constant(name: string): OnnxTensor | null {
      const known = constants.get(name);
      if (known) return known;
      const node = producer.get(name);
      if (!node || folding.has(name)) return null;
      if (node.opType === 'Shape') {
        const s = shapes.get(node.inputs[0]!);
        if (!s) return null;
        const start = intAttr(node, 'start', 0);
        const end = node.attributes.has('end') ? intAttr(node, 'end', s.length) : s.length;
        const t = intTensor(s.slice(start < 0 ? start + s.length : start, end < 0 ? end + s.length : end));
        consumed.add(node);
        constants.set(name, t);
        return t;
      }
      if (!FOLDABLE.has(node.opType) || node.domain !== '') return null;
      folding.add(name);
      try {
        const args = node.inputs.map((i) => (i === '' ? null : this.constant(i)));
        if (args.some((a, i) => a === null && node.inputs[i] !== '')) return null;
        let t: OnnxTensor;
        try {
          t = fold(node, args);
        } catch (e) {
          throw new UnsupportedOnnxError(`${describeNode(node)}: cannot evaluate it on its constant inputs: ${(e as Error).message}`);
        }
        consumed.add(node);
        constants.set(name, t);
        return t;
      } finally {
        folding.delete(name);
      }
    },
  };
  /** A constant input; weights (`kind` 'float') must be floating-point tensors. */
  const constantInput = (node: OnnxNode, index: number, what: string, kind: 'float' | 'any' = 'float'): OnnxTensor => {
    const name = node.inputs[index];
    const t = name ? view.constant(name) : null;
    if (!t) throw new UnsupportedOnnxError(`${describeNode(node)}: its ${what} (input ${index}) must be a constant (an initializer or computed from constants only)`);
    if (kind === 'float' && t.type !== 'float') throw new UnsupportedOnnxError(`${describeNode(node)}: its ${what} must be a floating-point tensor`);
    return t;
  };

  // --- Walk --------------------------------------------------------------------------------------
  const inputLayout: ImportedLayout = input.shape.length === 2 ? 'features' : options.inputLayout ?? guessInputLayout(model, input.name);
  let cur = input.name;
  let layout: ImportedLayout = inputLayout;
  let shape: number[] = [batch, ...(input.shape.slice(1) as number[])];
  shapes.set(cur, shape);
  /** Set after a flatten of an NCHW value, until the dense layer that consumes the features. */
  let featureOrder: Int32Array | null = null;
  let nonNegative = false;
  const layers: (ImportedLayer & { inputShape: number[] })[] = [];
  /** The dense or conv layer an activation may still be fused into. */
  const fusion: { open: (typeof layers)[number] | null } = { open: null };
  let droppedSoftmax = false;

  /** Our per-sample shape for the graph's current value. */
  const ours = (): number[] => {
    if (layout === 'NCHW') return [shape[2]!, shape[3]!, shape[1]!];
    return shape.slice(1);
  };
  const push = (className: string, config: Record<string, unknown>, weights: ImportedWeight[], nodes: OnnxNode[], keepOpen = false) => {
    const layer = { className, config, weights, nodes: nodes.map((n) => n.name), inputShape: ours() };
    layers.push(layer);
    if (!keepOpen) fusion.open = null;
    return layer;
  };
  const take = (nodes: OnnxNode[], output: string, newShape: number[]) => {
    for (const n of nodes) consumed.add(n);
    cur = output;
    shape = newShape;
    shapes.set(cur, shape);
  };
  const needLayout = (node: OnnxNode, wanted: ImportedLayout[], what: string) => {
    if (!wanted.includes(layout)) {
      const got = layout === 'features' ? `a ${shapeText(shape)} tensor` : `an ${layout} tensor ${shapeText(shape)}`;
      throw new UnsupportedOnnxError(`${describeNode(node)}: ${what}, but it reads ${got}`);
    }
  };
  const onlyFirstOutputUsed = (node: OnnxNode) => {
    node.outputs.slice(1).forEach((o) => {
      if (o && (view.consumers(o).length || o === outputName)) throw new UnsupportedOnnxError(`${describeNode(node)}: its output ${o} is used; only the first output of ${node.opType} is supported`);
    });
  };
  const readsFirst = (node: OnnxNode) => {
    if (node.inputs[0] !== cur) throw new UnsupportedOnnxError(`${describeNode(node)} reads the data as input ${node.inputs.indexOf(cur)}; the data must be its first input`);
  };

  const denseFrom = (node: OnnxNode, kernel: Float32Array, inF: number, outF: number, bias: Float32Array | null, nodes: OnnxNode[], output: string) => {
    needLayout(node, ['features'], 'a dense layer needs [batch, features]');
    if (inF !== shape[1]) throw new UnsupportedOnnxError(`${describeNode(node)}: its weight takes ${inF} features but the value it reads has ${shape[1]}`);
    let k = kernel;
    if (featureOrder) {
      const order = featureOrder;
      k = new Float32Array(kernel.length);
      for (let j = 0; j < inF; j++) k.set(kernel.subarray(order[j]! * outF, order[j]! * outF + outF), j * outF);
      featureOrder = null;
    }
    const weights: ImportedWeight[] = [{ name: 'kernel', shape: [inF, outF], data: k }];
    if (bias) weights.push({ name: 'bias', shape: [outF], data: bias });
    fusion.open = push('Dense', { units: outF, activation: 'linear', useBias: bias !== null }, weights, nodes, true);
    take(nodes, output, [shape[0]!, outF]);
    nonNegative = false;
  };

  /** A bias that an Add node adds after a matrix product or a convolution, if it has the right shape. */
  const biasAfter = (value: string, channels: number, dimsOk: (dims: readonly number[]) => boolean): { node: OnnxNode; bias: Float32Array } | null => {
    const next = view.consumers(value);
    if (next.length !== 1 || next[0]!.opType !== 'Add' || value === outputName) return null;
    const add = next[0]!;
    const other = add.inputs[0] === value ? add.inputs[1] : add.inputs[0];
    const t = other ? view.constant(other) : null;
    if (!t || t.type !== 'float' || numel(t.dims) !== channels || !dimsOk(t.dims)) return null;
    return { node: add, bias: floats(t) };
  };

  const windowPads = (node: OnnxNode, h: number, w: number, kh: number, kw: number, sh: number, sw: number): Pads => {
    const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
    if (autoPad === 'VALID') return { top: 0, left: 0, bottom: 0, right: 0 };
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const y = tfSame(h, kh, sh);
      const x = tfSame(w, kw, sw);
      const ty = Math.max((y.out - 1) * sh + kh - h, 0);
      const tx = Math.max((x.out - 1) * sw + kw - w, 0);
      // SAME_UPPER puts the odd row at the end (TensorFlow's 'same'); SAME_LOWER at the start.
      const top = autoPad === 'SAME_UPPER' ? Math.floor(ty / 2) : Math.ceil(ty / 2);
      const left = autoPad === 'SAME_UPPER' ? Math.floor(tx / 2) : Math.ceil(tx / 2);
      return { top, left, bottom: ty - top, right: tx - left };
    }
    if (autoPad !== 'NOTSET') throw new UnsupportedOnnxError(`${describeNode(node)}: auto_pad '${autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER`);
    const p = intsAttr(node, 'pads') ?? [0, 0, 0, 0];
    if (p.length !== 4 || p.some((v) => !Number.isInteger(v) || v < 0)) throw new UnsupportedOnnxError(`${describeNode(node)}: pads [${p.join(', ')}] must be four integers >= 0 (2-D windows)`);
    return { top: p[0]!, left: p[1]!, bottom: p[2]!, right: p[3]! };
  };

  const windowAttrs = (node: OnnxNode, kernelShape: readonly number[] | null) => {
    const k = kernelShape ?? intsAttr(node, 'kernel_shape');
    if (!k || k.length !== 2) throw new UnsupportedOnnxError(`${describeNode(node)}: kernel_shape ${k ? `[${k.join(', ')}]` : 'missing'}; only 2-D windows are supported`);
    const s = intsAttr(node, 'strides') ?? [1, 1];
    const d = intsAttr(node, 'dilations') ?? [1, 1];
    if (s.length !== 2 || s.some((v) => v < 1)) throw new UnsupportedOnnxError(`${describeNode(node)}: strides [${s.join(', ')}] must be two integers >= 1`);
    if (d.some((v) => v !== 1)) throw new UnsupportedOnnxError(`${describeNode(node)}: dilations [${d.join(', ')}] are not supported (only 1)`);
    return { kh: k[0]!, kw: k[1]!, sh: s[0]!, sw: s[1]! };
  };

  /** A zeroPadding2d layer for explicit pads (none when they are all 0); the caller updates the shape. */
  const zeroPad = (pads: Pads, nodes: OnnxNode[]) => {
    if (pads.top + pads.bottom + pads.left + pads.right === 0) return;
    push('ZeroPadding2D', { padding: [[pads.top, pads.bottom], [pads.left, pads.right]] }, [], nodes);
  };

  const handlers: Record<string, (node: OnnxNode) => void> = {
    Gemm(node) {
      readsFirst(node);
      if (intAttr(node, 'transA', 0) !== 0) throw new UnsupportedOnnxError(`${describeNode(node)}: transA=1 is not supported`);
      const b = constantInput(node, 1, 'weight B');
      if (b.dims.length !== 2) throw new UnsupportedOnnxError(`${describeNode(node)}: B has shape [${b.dims.join(', ')}]; expected a matrix`);
      const alpha = floatAttr(node, 'alpha', 1);
      const beta = floatAttr(node, 'beta', 1);
      const transB = intAttr(node, 'transB', 0) === 1;
      const w = transB ? transpose(b, [1, 0]) : b;
      const [inF, outF] = w.dims as [number, number];
      const kernel = floats(w).map((v) => v * alpha);
      let bias: Float32Array | null = null;
      if (node.inputs[2]) {
        const c = constantInput(node, 2, 'bias C');
        if (numel(c.dims) !== outF && numel(c.dims) !== 1) throw new UnsupportedOnnxError(`${describeNode(node)}: C has shape [${c.dims.join(', ')}]; expected [${outF}] or a scalar`);
        const cv = floats(c);
        bias = Float32Array.from({ length: outF }, (_, i) => (cv.length === 1 ? cv[0]! : cv[i]!) * beta);
      }
      denseFrom(node, kernel, inF, outF, bias, [node], node.outputs[0]!);
    },
    MatMul(node) {
      readsFirst(node);
      const b = constantInput(node, 1, 'weight');
      if (b.dims.length !== 2) throw new UnsupportedOnnxError(`${describeNode(node)}: its weight has shape [${b.dims.join(', ')}]; expected a matrix [in, out]`);
      const [inF, outF] = b.dims as [number, number];
      const add = biasAfter(node.outputs[0]!, outF, (d) => d[d.length - 1] === outF && d.length <= 2);
      const nodes = add ? [node, add.node] : [node];
      denseFrom(node, floats(b), inF, outF, add?.bias ?? null, nodes, add ? add.node.outputs[0]! : node.outputs[0]!);
    },
    Conv(node) {
      readsFirst(node);
      needLayout(node, ['NCHW'], 'a convolution needs an NCHW tensor [batch, channels, height, width]');
      const wt = constantInput(node, 1, 'kernel');
      if (wt.dims.length !== 4) throw new UnsupportedOnnxError(`${describeNode(node)}: its kernel has shape [${wt.dims.join(', ')}]; only 2-D convolutions are supported`);
      if (intAttr(node, 'group', 1) !== 1) throw new UnsupportedOnnxError(`${describeNode(node)}: group=${intAttr(node, 'group', 1)} (grouped or depthwise convolution) is not supported`);
      const [outC, inC, kh, kw] = wt.dims as [number, number, number, number];
      if (inC !== shape[1]) throw new UnsupportedOnnxError(`${describeNode(node)}: its kernel takes ${inC} channels but the value it reads has ${shape[1]}`);
      const { sh, sw } = windowAttrs(node, [kh, kw]);
      const [h, w] = [shape[2]!, shape[3]!];
      const pads = windowPads(node, h, w, kh, kw, sh, sw);
      let bias: Float32Array | null = node.inputs[2] ? floats(constantInput(node, 2, 'bias')) : null;
      const nodes = [node];
      let output = node.outputs[0]!;
      if (!bias) {
        const add = biasAfter(output, outC, (d) => d.length >= 3 && d[d.length - 3] === outC);
        if (add) {
          bias = add.bias;
          nodes.push(add.node);
          output = add.node.outputs[0]!;
        }
      }
      const same = isTfSame(pads, h, w, kh, kw, sh, sw);
      if (!same) zeroPad(pads, [node]);
      const oihw = floats(wt);
      const hwio = new Float32Array(oihw.length);
      for (let o = 0; o < outC; o++) for (let i = 0; i < inC; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
        hwio[((y * kw + x) * inC + i) * outC + o] = oihw[((o * inC + i) * kh + y) * kw + x]!;
      }
      const weights: ImportedWeight[] = [{ name: 'kernel', shape: [kh, kw, inC, outC], data: hwio }];
      if (bias) weights.push({ name: 'bias', shape: [outC], data: bias });
      fusion.open = push('Conv2D', {
        filters: outC, kernelSize: [kh, kw], strides: [sh, sw], padding: same ? 'same' : 'valid', activation: 'linear', useBias: bias !== null,
      }, weights, nodes, true);
      take(nodes, output, [shape[0]!, outC, outSize(h, kh, sh, pads.top, pads.bottom), outSize(w, kw, sw, pads.left, pads.right)]);
      nonNegative = false;
    },
    BatchNormalization(node) {
      readsFirst(node);
      if (layout === 'NHWC') needLayout(node, ['NCHW', 'features'], 'BatchNormalization normalises axis 1 (channels in NCHW)');
      onlyFirstOutputUsed(node);
      if (node.inputs[5] || intAttr(node, 'training_mode', 0) !== 0) throw new UnsupportedOnnxError(`${describeNode(node)}: training_mode is set; export the model in inference (eval) mode`);
      const c = shape[1]!;
      const vec = (i: number, what: string) => {
        const t = constantInput(node, i, what);
        if (numel(t.dims) !== c) throw new UnsupportedOnnxError(`${describeNode(node)}: its ${what} has ${numel(t.dims)} values for ${c} channels`);
        return permuteVector(floats(t), layout === 'features' ? featureOrder : null);
      };
      const weights = [
        { name: 'gamma', shape: [c], data: vec(1, 'scale') }, { name: 'beta', shape: [c], data: vec(2, 'bias') },
        { name: 'running_mean', shape: [c], data: vec(3, 'mean') }, { name: 'running_var', shape: [c], data: vec(4, 'variance') },
      ];
      // ONNX's momentum weighs the running statistic (0.9), ours the new batch (0.1), as PyTorch.
      push('BatchNorm', { momentum: float32Decimal(1 - float32Decimal(floatAttr(node, 'momentum', 0.9))), epsilon: float32Decimal(floatAttr(node, 'epsilon', 1e-5)) }, weights, [node]);
      take([node], node.outputs[0]!, shape);
      nonNegative = false;
    },
    PRelu(node) {
      readsFirst(node);
      const slope = constantInput(node, 1, 'slope');
      const n = numel(slope.dims);
      const c = layout === 'NCHW' ? shape[1]! : shape[shape.length - 1]!;
      const perChannel = layout === 'NCHW' ? slope.dims.length >= 3 && slope.dims[slope.dims.length - 3] === c && slope.dims.slice(-2).every((d) => d === 1) : slope.dims[slope.dims.length - 1] === c;
      if (n !== 1 && !(n === c && perChannel)) {
        throw new UnsupportedOnnxError(`${describeNode(node)}: slope of shape [${slope.dims.join(', ')}] for an input ${shapeText(shape)}; supported: one slope, or one per channel ([${c}, 1, 1] for NCHW, [${c}] for features)`);
      }
      const data = n === 1 ? floats(slope) : permuteVector(floats(slope), layout === 'features' ? featureOrder : null);
      push('PReLU', { shared: n === 1 }, [{ name: 'alpha', shape: [n], data }], [node]);
      take([node], node.outputs[0]!, shape);
      nonNegative = false;
    },
    MaxPool(node) {
      pool(node, 'MaxPool2D');
    },
    AveragePool(node) {
      pool(node, 'AvgPool2D');
    },
    Pad(node) {
      readsFirst(node);
      needLayout(node, ['NCHW', 'NHWC'], 'only the height and width of images can be padded');
      const mode = stringAttr(node, 'mode', 'constant');
      if (mode !== 'constant') throw new UnsupportedOnnxError(`${describeNode(node)}: mode '${mode}' is not supported (only 'constant' with 0)`);
      const raw = model.opset >= 11 ? [...constantInput(node, 1, 'pads', 'any').data] : [...(intsAttr(node, 'pads') ?? [])];
      const value = model.opset >= 11 ? (node.inputs[2] ? constantInput(node, 2, 'constant value').data[0]! : 0) : floatAttr(node, 'value', 0);
      if (value !== 0) throw new UnsupportedOnnxError(`${describeNode(node)}: pads with ${value}; only zero padding is supported`);
      let full = raw;
      if (node.inputs[3]) {
        const axes = [...constantInput(node, 3, 'axes', 'any').data].map((a) => (a < 0 ? a + 4 : a));
        full = new Array<number>(8).fill(0);
        axes.forEach((a, i) => {
          full[a] = raw[i]!;
          full[a + 4] = raw[i + axes.length]!;
        });
      }
      if (full.length !== 8 || full.some((v) => !Number.isInteger(v) || v < 0)) throw new UnsupportedOnnxError(`${describeNode(node)}: pads [${raw.join(', ')}] must be 8 integers >= 0 for an image batch`);
      const [hAxis, wAxis] = layout === 'NCHW' ? [2, 3] : [1, 2];
      if (full.some((v, i) => v !== 0 && i % 4 !== hAxis && i % 4 !== wAxis)) throw new UnsupportedOnnxError(`${describeNode(node)}: pads [${raw.join(', ')}] pad the batch or channel axis; only height and width can be padded`);
      const pads = { top: full[hAxis]!, left: full[wAxis]!, bottom: full[hAxis + 4]!, right: full[wAxis + 4]! };
      zeroPad(pads, [node]);
      const grown = [...shape];
      grown[hAxis] = shape[hAxis]! + pads.top + pads.bottom;
      grown[wAxis] = shape[wAxis]! + pads.left + pads.right;
      take([node], node.outputs[0]!, grown);
    },
    Flatten(node) {
      readsFirst(node);
      const axis = intAttr(node, 'axis', 1);
      if (axis !== 1 && !(axis === -1 && shape.length === 2)) throw new UnsupportedOnnxError(`${describeNode(node)}: axis=${axis}; only Flatten(axis=1) (keep the batch) is supported`);
      flatten(node);
    },
    Reshape(node) {
      readsFirst(node);
      const target = [...constantInput(node, 1, 'shape', 'any').data];
      const features = numel(shape.slice(1));
      const allowZero = intAttr(node, 'allowzero', 0) === 1;
      const first = target[0]!;
      const second = target[1];
      const batchFirst = Number.isNaN(first) || (first === 0 && !allowZero) || first === -1 || (Number.isFinite(shape[0]) && first === shape[0]);
      const isFlatten = target.length === 2 && batchFirst && (second === features || (second === -1 && first !== -1) || (second === 0 && !allowZero && shape.length === 2));
      if (!isFlatten) {
        throw new UnsupportedOnnxError(`${describeNode(node)}: reshapes ${shapeText(shape)} to [${target.map((d) => (Number.isNaN(d) ? 'batch' : d)).join(', ')}]; only flattening reshapes to [batch, ${features}] are supported`);
      }
      flatten(node);
    },
    Transpose(node) {
      readsFirst(node);
      const perm = intsAttr(node, 'perm') ?? shape.map((_, i) => shape.length - 1 - i);
      const p = perm.join();
      let next: ImportedLayout | null = null;
      if (shape.length === 4 && layout === 'NHWC' && p === '0,3,1,2') next = 'NCHW';
      if (shape.length === 4 && layout === 'NCHW' && p === '0,2,3,1') next = 'NHWC';
      if (shape.length === 2 && p === '0,1') next = layout;
      if (!next) throw new UnsupportedOnnxError(`${describeNode(node)}: perm [${perm.join(', ')}] on ${layout === 'features' ? 'a' : 'an ' + layout} tensor ${shapeText(shape)}; supported: NHWC → NCHW (0,3,1,2) and NCHW → NHWC (0,2,3,1)`);
      const newShape = perm.map((i) => shape[i]!);
      layout = next;
      take([node], node.outputs[0]!, newShape);
    },
    Identity(node) {
      readsFirst(node);
      take([node], node.outputs[0]!, shape);
    },
    Dropout(node) {
      readsFirst(node);
      onlyFirstOutputUsed(node);
      if (node.inputs[2]) {
        const training = constantInput(node, 2, 'training_mode', 'any');
        if (training.data[0] !== 0) throw new UnsupportedOnnxError(`${describeNode(node)}: training_mode is true; export the model in inference (eval) mode`);
      }
      const ratio = model.opset >= 12 ? (node.inputs[1] ? view.constant(node.inputs[1])?.data[0] : 0.5) : floatAttr(node, 'ratio', 0.5);
      if (ratio === undefined || !(ratio >= 0 && ratio < 1)) throw new UnsupportedOnnxError(`${describeNode(node)}: its ratio must be a constant in [0, 1)`);
      if (ratio > 0) push('Dropout', { rate: float32Decimal(ratio) }, [], [node]);
      take([node], node.outputs[0]!, shape);
    },
    Softmax(node) {
      finalSoftmax(node);
    },
    LogSoftmax(node) {
      finalSoftmax(node);
    },
  };

  function finalSoftmax(node: OnnxNode): void {
    readsFirst(node);
    const axis = intAttr(node, 'axis', model.opset >= 13 ? -1 : 1);
    const last = node.outputs[0] === outputName && shape.length === 2 && (axis === -1 || axis === 1);
    if (!last) throw new UnsupportedOnnxError(`${describeNode(node)}: ${node.opType} is supported only as the last node, over the features of a [batch, features] output`);
    if (!options.dropFinalSoftmax) {
      throw new UnsupportedOnnxError(
        `${describeNode(node)} ends the graph: our models return logits (the softmax belongs to the softmax_cross_entropy loss). ` +
        `Import with { dropFinalSoftmax: true } to take the logits (the argmax is unchanged; apply a softmax to predictions for probabilities)`,
      );
    }
    droppedSoftmax = true;
    take([node], node.outputs[0]!, shape);
  }

  function flatten(node: OnnxNode): void {
    if (shape.length === 2) {
      take([node], node.outputs[0]!, shape);
      return;
    }
    if (shape.length !== 4) throw new UnsupportedOnnxError(`${describeNode(node)}: flattens a rank-${shape.length} tensor; only images and feature vectors are supported`);
    if (layout === 'NCHW') featureOrder = channelsLastOrder(shape[1]!, shape[2]!, shape[3]!);
    push('Flatten', {}, [], [node]);
    layout = 'features';
    take([node], node.outputs[0]!, [shape[0]!, numel(shape.slice(1))]);
  }

  function pool(node: OnnxNode, className: 'MaxPool2D' | 'AvgPool2D'): void {
    readsFirst(node);
    needLayout(node, ['NCHW'], 'pooling needs an NCHW tensor [batch, channels, height, width]');
    onlyFirstOutputUsed(node);
    const { kh, kw, sh, sw } = windowAttrs(node, null);
    const [h, w] = [shape[2]!, shape[3]!];
    const pads = windowPads(node, h, w, kh, kw, sh, sw);
    const outH = outSize(h, kh, sh, pads.top, pads.bottom);
    const outW = outSize(w, kw, sw, pads.left, pads.right);
    if (intAttr(node, 'ceil_mode', 0) === 1) {
      const ceilH = Math.ceil((h + pads.top + pads.bottom - kh) / sh) + 1;
      const ceilW = Math.ceil((w + pads.left + pads.right - kw) / sw) + 1;
      if (ceilH !== outH || ceilW !== outW) throw new UnsupportedOnnxError(`${describeNode(node)}: ceil_mode=1 adds a partial window here (${outH}×${outW} → ${ceilH}×${ceilW}); only floor mode is supported`);
    }
    const any = pads.top + pads.left + pads.bottom + pads.right > 0;
    let padding: 'valid' | 'same' = 'valid';
    const includePad = className === 'AvgPool2D' && intAttr(node, 'count_include_pad', 0) === 1;
    if (any) {
      const same = isTfSame(pads, h, w, kh, kw, sh, sw);
      if (same && !includePad) {
        // 'same' ignores padded positions: the max of the real values, the mean over the real values.
        padding = 'same';
      } else if (className === 'AvgPool2D' && includePad) {
        zeroPad(pads, [node]);
      } else if (className === 'MaxPool2D' && nonNegative) {
        zeroPad(pads, [node]);
      } else {
        const why = className === 'MaxPool2D'
          ? 'max pooling pads with −∞, which zero padding equals only after an activation that is never negative, and this input can be negative'
          : 'an average that leaves the padding out of the count is available only for TensorFlow\'s \'same\' padding';
        throw new UnsupportedOnnxError(`${describeNode(node)}: pads [${pads.top}, ${pads.left}, ${pads.bottom}, ${pads.right}] on a ${h}×${w} input are not TensorFlow's 'same' (window ${kh}×${kw}, stride ${sh}×${sw}), and ${why}`);
      }
    }
    push(className, { poolSize: [kh, kw], strides: [sh, sw], padding }, [], [node]);
    take([node], node.outputs[0]!, [shape[0]!, shape[1]!, outH, outW]);
  }

  for (let steps = 0; ; steps++) {
    if (steps > model.nodes.length + 1) throw new Error('internal: the importer did not advance');
    const next = view.consumers(cur).filter((n) => n.opType !== 'Shape');
    if (cur === outputName) {
      if (next.length) throw new UnsupportedOnnxError(`the graph output "${cur}" is also read by ${next.map(describeNode).join(', ')}; only chains of layers are supported`);
      break;
    }
    if (next.length === 0) throw new UnsupportedOnnxError(`value "${cur}" is read by no node and is not the graph output "${outputName}"`);
    const handler = handlers[next[0]!.opType];
    if (next.length === 1 && handler) {
      if (next[0]!.domain !== '' && next[0]!.domain !== 'ai.onnx') throw new UnsupportedOnnxError(`${describeNode(next[0]!)} is in domain "${next[0]!.domain}"; only the default ONNX domain is supported`);
      handler(next[0]!);
      continue;
    }
    const layerReaders = next.filter((n) => handlers[n.opType]);
    if (next.length > 1 && layerReaders.length) {
      const readers = next.slice(0, 5).map(describeNode).join(', ') + (next.length > 5 ? ` and ${next.length - 5} more` : '');
      throw new UnsupportedOnnxError(`value "${cur}" is read by ${readers}: the graph branches; only chains of layers (Sequential models) are supported`);
    }
    let match;
    try {
      match = matchActivation(cur, view);
    } catch (e) {
      if (e instanceof UnsupportedOnnxError && next.length === 1 && !/elementwise|activation table|scalar/.test(e.message)) {
        throw new UnsupportedOnnxError(`${describeNode(next[0]!)} is not supported; supported operators: ${supportedList()}`);
      }
      throw e;
    }
    const activation = Object.keys(match.params).length ? { id: match.id, params: match.params } : match.id;
    const target = fusion.open && layers[layers.length - 1] === fusion.open && fusion.open.config.activation === 'linear' ? fusion.open : null;
    if (target) {
      target.config.activation = activation;
      (target.nodes as string[]).push(...match.nodes.map((n) => n.name));
    } else {
      push('Activation', { activation }, [], [...match.nodes]);
    }
    take([...match.nodes], match.output, shape);
    nonNegative = NON_NEGATIVE.has(match.id);
  }

  // Everything that depends on the input must have been taken; anything left is a branch we dropped.
  const dependsOnInput = new Set<string>([input.name]);
  for (const n of model.nodes) if (n.inputs.some((i) => dependsOnInput.has(i))) for (const o of n.outputs) dependsOnInput.add(o);
  const left = model.nodes.filter((n) => !consumed.has(n) && n.inputs.some((i) => dependsOnInput.has(i)));
  if (left.length) throw new UnsupportedOnnxError(`${left.slice(0, 3).map(describeNode).join(', ')} ${left.length === 1 ? 'is' : 'are'} not on the chain from the input to the output; only chains of layers (Sequential models) are supported`);

  return {
    name: model.graphName || 'imported',
    producer: model.producer,
    opset: model.opset,
    inputName: input.name,
    outputName,
    inputShape: inputLayout === 'NCHW' ? [input.shape[2] as number, input.shape[3] as number, input.shape[1] as number] : (input.shape.slice(1) as number[]),
    inputLayout,
    outputLayout: layout,
    layers: mergePaddingIntoConv(layers),
    droppedSoftmax,
  };
}

/** A zero padding right before a 'valid' convolution that equals TensorFlow's 'same' becomes 'same'. */
function mergePaddingIntoConv(layers: (ImportedLayer & { inputShape: number[] })[]): ImportedLayer[] {
  const out: ImportedLayer[] = [];
  for (let i = 0; i < layers.length; i++) {
    const { inputShape, ...layer } = layers[i]!;
    const next = layers[i + 1];
    if (layer.className === 'ZeroPadding2D' && next?.className === 'Conv2D' && next.config.padding === 'valid') {
      const [[top, bottom], [left, right]] = layer.config.padding as [[number, number], [number, number]];
      const [kh, kw] = next.config.kernelSize as [number, number];
      const [sh, sw] = next.config.strides as [number, number];
      if (isTfSame({ top, bottom, left, right }, inputShape[0]!, inputShape[1]!, kh, kw, sh, sw)) {
        next.config.padding = 'same';
        (next.nodes as string[]).unshift(...layer.nodes);
        continue;
      }
    }
    out.push(layer);
  }
  return out;
}
