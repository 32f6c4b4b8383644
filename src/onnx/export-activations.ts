/**
 * How each row of the activation table is written in ONNX: the operator that computes it where one
 * exists at the graph's opset, otherwise a small subgraph that computes exactly the same function
 * (GELU's erf form before opset 20, x·sigmoid(x) for SiLU, softplus with β and a threshold other than
 * 20 with Where). Every id of the table has an entry; the export tests run each one, with its
 * parameters, in ONNX Runtime against `predict`.
 */
import { SELU_ALPHA, SELU_LAMBDA } from '../activations/table.js';
import type { ParamValues } from '../activations/types.js';
import { float, text } from './graph-writer.js';
import type { GraphWriter } from './graph-writer.js';

type ActivationExport = (g: GraphWriter, x: string, p: ParamValues, where: string) => string;

const scalar = (g: GraphWriter, where: string, v: number) => g.floats(where, [], [v]);

/** x · 0.5 · (1 + erf(x / √2)): the exact GELU in operators every opset has. */
function geluErf(g: GraphWriter, x: string, where: string): string {
  const erf = g.node('Erf', [g.node('Div', [x, scalar(g, `${where}_sqrt2`, Math.SQRT2)], `${where}_div`)], `${where}_erf`);
  const onePlus = g.node('Add', [erf, scalar(g, `${where}_one`, 1)], `${where}_add`);
  return g.node('Mul', [g.node('Mul', [x, onePlus], `${where}_mul`), scalar(g, `${where}_half`, 0.5)], `${where}_gelu`);
}

/** 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³))). */
function geluTanh(g: GraphWriter, x: string, where: string): string {
  const cube = g.node('Mul', [g.node('Mul', [x, x], `${where}_sq`), x], `${where}_cube`);
  const inner = g.node('Add', [x, g.node('Mul', [cube, scalar(g, `${where}_kappa`, 0.044715)], `${where}_kx3`)], `${where}_inner`);
  const t = g.node('Tanh', [g.node('Mul', [inner, scalar(g, `${where}_beta`, Math.sqrt(2 / Math.PI))], `${where}_scaled`)], `${where}_tanh`);
  const onePlus = g.node('Add', [t, scalar(g, `${where}_one`, 1)], `${where}_add`);
  return g.node('Mul', [g.node('Mul', [x, onePlus], `${where}_mul`), scalar(g, `${where}_half`, 0.5)], `${where}_gelu_tanh`);
}

/**
 * softplus(βx)/β, and x itself where βx > threshold (PyTorch's definition). With β = 1 and the default
 * threshold 20 ONNX's Softplus alone is exact in float32 (log(1 + e^−20) is below x's last bit there).
 */
function softplus(g: GraphWriter, x: string, p: ParamValues, where: string): string {
  const beta = p.beta!;
  const threshold = p.threshold!;
  const scaled = beta === 1 ? x : g.node('Mul', [x, scalar(g, `${where}_beta`, beta)], `${where}_bx`);
  let y = g.node('Softplus', [scaled], `${where}_softplus`);
  if (beta !== 1) y = g.node('Div', [y, scalar(g, `${where}_beta_div`, beta)], `${where}_div`);
  if (threshold >= 20) return y;
  const above = g.node('Greater', [scaled, scalar(g, `${where}_threshold`, threshold)], `${where}_above`);
  return g.node('Where', [above, x, y], `${where}_linear_above`);
}

export const ACTIVATION_EXPORTS: Readonly<Record<string, ActivationExport>> = {
  linear: (_g, x) => x,
  relu: (g, x, _p, w) => g.node('Relu', [x], `${w}_relu`),
  relu6: (g, x, _p, w) => g.node('Clip', [x, scalar(g, `${w}_min`, 0), scalar(g, `${w}_max`, 6)], `${w}_relu6`),
  leaky_relu: (g, x, p, w) => g.node('LeakyRelu', [x], `${w}_leaky_relu`, { alpha: float(p.alpha!) }),
  // A fixed slope (the learned one is the prelu layer): PRelu with a one-element slope.
  prelu: (g, x, p, w) => g.node('PRelu', [x, g.floats(`${w}_slope`, [1], [p.alpha!])], `${w}_prelu`),
  // In inference rrelu is a leaky relu with the mean of its slope range (Xu et al. 2015).
  rrelu: (g, x, p, w) => g.node('LeakyRelu', [x], `${w}_rrelu`, { alpha: float((p.lower! + p.upper!) / 2) }),
  elu: (g, x, p, w) => g.node('Elu', [x], `${w}_elu`, { alpha: float(p.alpha!) }),
  selu: (g, x, _p, w) => g.node('Selu', [x], `${w}_selu`, { alpha: float(SELU_ALPHA), gamma: float(SELU_LAMBDA) }),
  celu: (g, x, p, w) => g.node('Celu', [x], `${w}_celu`, { alpha: float(p.alpha!) }),
  gelu: (g, x, _p, w) => (g.opset >= 20 ? g.node('Gelu', [x], `${w}_gelu`) : geluErf(g, x, w)),
  gelu_tanh: (g, x, _p, w) => (g.opset >= 20 ? g.node('Gelu', [x], `${w}_gelu_tanh`, { approximate: text('tanh') }) : geluTanh(g, x, w)),
  silu: (g, x, _p, w) => g.node('Mul', [x, g.node('Sigmoid', [x], `${w}_sigmoid`)], `${w}_silu`),
  mish: (g, x, _p, w) => (g.opset >= 18
    ? g.node('Mish', [x], `${w}_mish`)
    : g.node('Mul', [x, g.node('Tanh', [g.node('Softplus', [x], `${w}_softplus`)], `${w}_tanh`)], `${w}_mish`)),
  softplus: (g, x, p, w) => softplus(g, x, p, w),
  sigmoid: (g, x, _p, w) => g.node('Sigmoid', [x], `${w}_sigmoid`),
  tanh: (g, x, _p, w) => g.node('Tanh', [x], `${w}_tanh`),
  hard_sigmoid: (g, x, _p, w) => g.node('HardSigmoid', [x], `${w}_hard_sigmoid`, { alpha: float(1 / 6), beta: float(0.5) }),
  hard_swish: (g, x, _p, w) => (g.opset >= 14
    ? g.node('HardSwish', [x], `${w}_hard_swish`)
    : g.node('Mul', [x, g.node('HardSigmoid', [x], `${w}_hard_sigmoid`, { alpha: float(1 / 6), beta: float(0.5) })], `${w}_hard_swish`)),
  softsign: (g, x, _p, w) => g.node('Softsign', [x], `${w}_softsign`),
  thresholded_relu: (g, x, p, w) => g.node('ThresholdedRelu', [x], `${w}_thresholded_relu`, { alpha: float(p.theta!) }),
};

/** Writes activation `id` with its parameters applied to value x; returns the output value. */
export function exportActivation(g: GraphWriter, id: string, params: ParamValues, x: string, where: string): string {
  const write = ACTIVATION_EXPORTS[id];
  if (!write) throw new Error(`exportOnnx: ${where} has activation "${id}", which has no ONNX form here; written: ${Object.keys(ACTIVATION_EXPORTS).join(', ')}`);
  return write(g, x, params, where);
}
