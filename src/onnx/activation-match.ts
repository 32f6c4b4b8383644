/**
 * Recognising activations in an imported graph. One ONNX operator with a row in the activation table
 * (Relu, LeakyRelu, Elu, Selu, Celu, Gelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Softplus, Softsign,
 * ThresholdedRelu, Mish, Clip(0, 6)) maps directly, its attributes becoming the row's parameters.
 *
 * Exporters also write activations as small subgraphs: GELU as x·0.5·(1 + erf(x/√2)) (PyTorch up to
 * opset 17, Keras through tf2onnx with its own order of the same operations), the tanh GELU, SiLU as
 * x·sigmoid(x), Mish as x·tanh(softplus(x)), softplus with β as softplus(βx)/β, softsign as x/(1 + |x|),
 * hard swish as x·HardSigmoid(x). Rather than one hand-written pattern per exporter and operand order,
 * the matcher collects the smallest closed region of elementwise nodes with scalar constants that starts
 * at the value (every path from it passes through one output), evaluates the region in float64 on 2,400
 * points of [−12, 12] plus the kinks, and accepts the row of the table — with a parameter taken from the
 * region's constants where the row has one — that agrees everywhere to 1e-6. Nothing is accepted on a
 * resemblance: a region that matches no row is an error naming its nodes.
 */
import { erf } from '../activations/math.js';
import { getSpec, listActivations, resolveParams } from '../activations/lookup.js';
import { SELU_ALPHA, SELU_LAMBDA } from '../activations/table.js';
import type { ActivationSpec } from '../activations/types.js';
import { intAttr, numel } from './constants.js';
import type { OnnxNode, OnnxTensor } from './decode.js';

/** What the matchers need to know about the graph being imported. */
export interface GraphView {
  readonly opset: number;
  /** Nodes not yet taken into a layer that read `value`. */
  consumers(value: string): OnnxNode[];
  /** The value of `name` when it is a constant (folding its producers if needed), else null. */
  constant(name: string): OnnxTensor | null;
  /** Where the node stands in the graph's (topological) order. */
  order(node: OnnxNode): number;
  isGraphOutput(name: string): boolean;
}

/** A graph the importer cannot turn into layers: names the node, its operator and what is supported. */
export class UnsupportedOnnxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedOnnxError';
  }
}

export interface ActivationMatch {
  readonly id: string;
  /** Only the parameters that differ from the row's defaults. */
  readonly params: Readonly<Record<string, number>>;
  readonly nodes: readonly OnnxNode[];
  readonly output: string;
}

/** A name from a file as shown in a message: one of a megabyte is cut. */
const cut = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}…` : text);
export const describeNode = (n: OnnxNode) => `node "${cut(n.name)}" (${cut(n.opType)})`;

/** The shortest decimal that rounds to the same float32: attributes are stored as float32 (0.1 → 0.1). */
export function float32Decimal(v: number): number {
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

function floatAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.get(name);
  return a && a.kind === 'float' ? a.value : fallback;
}

function stringAttr(node: OnnxNode, name: string, fallback: string): string {
  const a = node.attributes.get(name);
  return a && a.kind === 'string' ? a.value : fallback;
}

/** Operators with one row each in the table (or one setting of one), as said in the module comment. */
export const ACTIVATION_OPERATORS = [
  'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign',
  'ThresholdedRelu', 'Mish', 'Clip',
] as const;

/** Elementwise operators a region may contain (evaluated by `scalarOp`). */
const ELEMENTWISE = new Set<string>([
  ...ACTIVATION_OPERATORS, 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Neg', 'Abs', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Erf',
  'Min', 'Max', 'Identity', 'Where', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'Equal', 'Not', 'Cast',
]);

const same32 = (a: number, b: number) => Math.fround(a) === Math.fround(b);
/** The row and the parameters that differ from its defaults (what a layer's config stores). */
function withParam(id: string, params: Record<string, number>): { id: string; params: Record<string, number> } {
  const spec = getSpec(id);
  const differing = Object.fromEntries(Object.entries(params).filter(([k, v]) => spec.params.find((p) => p.name === k)?.default !== v));
  return { id, params: differing };
}

/** Clip's bounds: inputs from opset 11, attributes before. null for an absent bound. */
function clipBounds(node: OnnxNode, view: GraphView): [number | null, number | null] {
  if (view.opset < 11) {
    const lo = node.attributes.get('min');
    const hi = node.attributes.get('max');
    return [lo && lo.kind === 'float' ? lo.value : null, hi && hi.kind === 'float' ? hi.value : null];
  }
  const bound = (i: number): number | null => {
    const name = node.inputs[i];
    if (!name) return null;
    const t = view.constant(name);
    if (!t || numel(t.dims) !== 1) throw new UnsupportedOnnxError(`${describeNode(node)}: its ${i === 1 ? 'min' : 'max'} must be a constant scalar; a computed bound is not supported`);
    return t.data[0]!;
  };
  return [bound(1), bound(2)];
}

/**
 * The table row computed by a single activation operator, or null when `node` is not one of
 * ACTIVATION_OPERATORS. Throws for such an operator with attributes no row matches.
 */
export function operatorActivation(node: OnnxNode, view: GraphView): { id: string; params: Record<string, number> } | null {
  const unsupported = (what: string, supported: string): never => {
    throw new UnsupportedOnnxError(`${describeNode(node)}: ${what} has no row in the activation table; supported: ${supported}`);
  };
  switch (node.opType) {
    case 'Relu': return withParam('relu', {});
    case 'Sigmoid': return withParam('sigmoid', {});
    case 'Tanh': return withParam('tanh', {});
    case 'Softsign': return withParam('softsign', {});
    case 'HardSwish': return withParam('hard_swish', {});
    case 'Mish': return withParam('mish', {});
    // ONNX Softplus has no threshold; ours returns x past threshold 20, where log(1 + e^x) = x in float32.
    case 'Softplus': return withParam('softplus', {});
    case 'LeakyRelu': return withParam('leaky_relu', { alpha: float32Decimal(floatAttr(node, 'alpha', 0.01)) });
    case 'Elu': return withParam('elu', { alpha: float32Decimal(floatAttr(node, 'alpha', 1)) });
    case 'Celu': return withParam('celu', { alpha: float32Decimal(floatAttr(node, 'alpha', 1)) });
    case 'ThresholdedRelu': return withParam('thresholded_relu', { theta: float32Decimal(floatAttr(node, 'alpha', 1)) });
    case 'Selu': {
      const alpha = floatAttr(node, 'alpha', SELU_ALPHA);
      const gamma = floatAttr(node, 'gamma', SELU_LAMBDA);
      if (!same32(alpha, SELU_ALPHA) || !same32(gamma, SELU_LAMBDA)) unsupported(`Selu(alpha=${alpha}, gamma=${gamma})`, `Selu with the constants of Klambauer et al. (alpha ${SELU_ALPHA}, gamma ${SELU_LAMBDA}), ONNX's defaults`);
      return withParam('selu', {});
    }
    case 'HardSigmoid': {
      const alpha = floatAttr(node, 'alpha', 0.2);
      const beta = floatAttr(node, 'beta', 0.5);
      if (!same32(alpha, 1 / 6) || !same32(beta, 0.5)) unsupported(`HardSigmoid(alpha=${float32Decimal(alpha)}, beta=${float32Decimal(beta)})`, "HardSigmoid(alpha=1/6, beta=0.5), PyTorch's hard sigmoid (Keras' 0.2 slope is not in the table)");
      return withParam('hard_sigmoid', {});
    }
    case 'Gelu': {
      const approximate = stringAttr(node, 'approximate', 'none');
      if (approximate === 'none') return withParam('gelu', {});
      if (approximate === 'tanh') return withParam('gelu_tanh', {});
      return unsupported(`Gelu(approximate='${approximate}')`, "approximate 'none' or 'tanh'");
    }
    case 'Clip': {
      const [lo, hi] = clipBounds(node, view);
      if (lo === 0 && hi === 6) return withParam('relu6', {});
      if (lo === 0 && (hi === null || hi === Infinity)) return withParam('relu', {});
      return unsupported(`Clip(min=${lo ?? '−∞'}, max=${hi ?? '∞'})`, 'Clip(0, 6) as relu6 and Clip(0, ∞) as relu');
    }
    default: return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Elementwise regions

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** One elementwise operator on numbers, with ONNX's semantics (booleans as 0/1). */
function scalarOp(node: OnnxNode, a: readonly number[], view: GraphView): number {
  const [x = Number.NaN, y = Number.NaN, z = Number.NaN] = a;
  switch (node.opType) {
    case 'Add': return x + y;
    case 'Sub': return x - y;
    case 'Mul': return x * y;
    case 'Div': return x / y;
    case 'Pow': return x ** y;
    case 'Neg': return -x;
    case 'Abs': return Math.abs(x);
    case 'Exp': return Math.exp(x);
    case 'Log': return Math.log(x);
    case 'Sqrt': return Math.sqrt(x);
    case 'Reciprocal': return 1 / x;
    case 'Erf': return erf(x);
    case 'Min': return Math.min(...a);
    case 'Max': return Math.max(...a);
    case 'Identity': return x;
    case 'Cast': return intAttr(node, 'to', 1) === 9 ? (x !== 0 ? 1 : 0) : x;
    case 'Where': return x !== 0 ? y : z;
    case 'Greater': return x > y ? 1 : 0;
    case 'Less': return x < y ? 1 : 0;
    case 'GreaterOrEqual': return x >= y ? 1 : 0;
    case 'LessOrEqual': return x <= y ? 1 : 0;
    case 'Equal': return x === y ? 1 : 0;
    case 'Not': return x === 0 ? 1 : 0;
    case 'Clip': {
      const [lo, hi] = clipBounds(node, view);
      return Math.min(Math.max(x, lo ?? -Infinity), hi ?? Infinity);
    }
    case 'HardSigmoid': return Math.min(Math.max(floatAttr(node, 'alpha', 0.2) * x + floatAttr(node, 'beta', 0.5), 0), 1);
    case 'Selu': return floatAttr(node, 'gamma', SELU_LAMBDA) * (x > 0 ? x : floatAttr(node, 'alpha', SELU_ALPHA) * Math.expm1(x));
    case 'Softplus': return softplus(x);
    case 'Gelu':
      if (stringAttr(node, 'approximate', 'none') === 'tanh') return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
    default: {
      // The remaining activation operators: their table row is their definition.
      const act = operatorActivation(node, view);
      if (!act) throw new UnsupportedOnnxError(`${describeNode(node)} cannot be evaluated elementwise`);
      const spec = getSpec(act.id);
      return spec.f(x, resolveParams(spec, act.params));
    }
  }
}

/** Where regions are compared with the table: a dense grid plus the kinks of the piecewise rows. */
const PROBES: readonly number[] = (() => {
  const xs: number[] = [];
  for (let i = -1200; i <= 1200; i++) xs.push(i / 100);
  xs.push(-1e-3, 1e-3, -3 - 1e-3, 3 + 1e-3, 6 - 1e-3, 6 + 1e-3, 20, 30, -30);
  return xs;
})();

function agrees(got: number, want: number): boolean {
  if (Number.isNaN(got) || Number.isNaN(want)) return Number.isNaN(got) && Number.isNaN(want);
  return Math.abs(got - want) <= 1e-6 * (1 + Math.abs(want));
}

/** Rows a region may compute: everything but the identity, and the two with layers of their own. */
function candidates(constants: readonly number[]): { spec: ActivationSpec; params: Record<string, number> }[] {
  const out: { spec: ActivationSpec; params: Record<string, number> }[] = [];
  for (const spec of listActivations()) {
    if (spec.id === 'linear' || spec.id === 'prelu' || spec.stochastic) continue;
    out.push({ spec, params: {} });
    const first = spec.params[0];
    if (!first) continue;
    for (const c of constants) {
      for (const v of [c, 1 / c]) {
        const value = float32Decimal(v);
        if (!first.valid(value) || value === first.default) continue;
        const params = { [first.name]: value };
        try {
          resolveParams(spec, params);
        } catch {
          continue;
        }
        out.push({ spec, params });
      }
    }
  }
  return out;
}

/** Evaluates the region (nodes in order) at x. */
function evaluate(region: readonly OnnxNode[], start: string, x: number, view: GraphView): Map<string, number> {
  const values = new Map<string, number>([[start, x]]);
  for (const node of region) {
    const args = node.inputs.filter((n) => n !== '').map((n) => values.get(n) ?? view.constant(n)!.data[0]!);
    values.set(node.outputs[0]!, scalarOp(node, args, view));
  }
  return values;
}

function identify(region: readonly OnnxNode[], start: string, output: string, view: GraphView): { id: string; params: Record<string, number> } | null {
  const constants = new Set<number>();
  for (const node of region) for (const n of node.inputs) if (n && n !== start && view.constant(n)) constants.add(view.constant(n)!.data[0]!);
  const ys = PROBES.map((x) => evaluate(region, start, x, view).get(output)!);
  for (const { spec, params } of candidates([...constants])) {
    const p = resolveParams(spec, params);
    if (PROBES.every((x, i) => agrees(ys[i]!, spec.f(x, p)))) return { id: spec.id, params };
  }
  return null;
}

const MAX_REGION_NODES = 24;

/**
 * The activation that the nodes reading `start` compute. Grows the region one node at a time in graph
 * order, each time taking a node whose inputs are all available (start, the region's outputs, scalar
 * constants); whenever the region has exactly one value leaving it, compares that value with the table.
 */
export function matchActivation(start: string, view: GraphView): ActivationMatch {
  const first = view.consumers(start);
  const region: OnnxNode[] = [];
  const available = new Set<string>([start]);
  const scalar = (name: string) => {
    const t = view.constant(name);
    return t !== null && numel(t.dims) === 1;
  };
  for (;;) {
    const frontier = new Set<OnnxNode>();
    for (const v of available) for (const n of view.consumers(v)) if (!region.includes(n)) frontier.add(n);
    const next = [...frontier]
      .filter((n) => ELEMENTWISE.has(n.opType) && n.domain === '' && n.outputs.length >= 1 && n.inputs.every((i) => i === '' || available.has(i) || scalar(i)))
      .sort((a, b) => view.order(a) - view.order(b))[0];
    if (!next) {
      const blocking = [...frontier].sort((a, b) => view.order(a) - view.order(b));
      const names = region.map(describeNode).join(', ');
      if (region.length === 0) {
        const n = blocking[0] ?? first[0];
        throw new UnsupportedOnnxError(n ? `${describeNode(n)} is not supported here` : `value "${start}" is not read by any node`);
      }
      throw new UnsupportedOnnxError(
        `the elementwise nodes ${names} starting at value "${start}" compute no activation of the table` +
        (blocking.length ? `, and ${describeNode(blocking[0]!)} cannot extend them (it is not elementwise with scalar constants)` : ''),
      );
    }
    region.push(next);
    for (const o of next.outputs) if (o) available.add(o);
    // Values still read outside the region (or returned by the graph).
    const live = [...available].filter((v) => view.isGraphOutput(v) || view.consumers(v).some((n) => !region.includes(n)));
    if (live.length === 1 && live[0] !== start) {
      const output = live[0]!;
      if (region.length === 1) {
        const act = operatorActivation(next, view);
        if (act) return { ...act, nodes: region, output };
      }
      const found = identify(region, start, output, view);
      if (found) return { ...found, nodes: region, output };
    }
    if (region.length >= MAX_REGION_NODES) {
      throw new UnsupportedOnnxError(`the elementwise nodes from value "${start}" (${region.slice(0, 6).map(describeNode).join(', ')}, …) compute no activation of the table`);
    }
  }
}
