/**
 * The ONNX forms of the rows of the table: one operator where ONNX has it (at the opset being written),
 * and otherwise a small exact subgraph of elementary operators. Operator semantics from the ONNX operator
 * documentation (https://onnx.ai/onnx/operators/); opsets: Gelu 20, Mish 18, HardSwish 14, Celu 12,
 * Clip with min/max inputs 11.
 */
import type { OnnxAttribute, OnnxEmitter, OnnxForm, ParamValues } from './types.js';

/** A single operator with attributes read from the parameters; `description` as the docs show it. */
export function op(name: string, description = name, attributes: (p: ParamValues) => Record<string, OnnxAttribute> = () => ({})): OnnxForm {
  return { description, write: (emit, x, p) => emit.node(name, [x], attributes(p)) };
}

export const identity: OnnxForm = { description: 'Identity (nothing written)', write: (_emit, x) => x };

/** relu6 = Clip(x, 0, 6), min and max as inputs (opset ≥ 11). */
export const clip06: OnnxForm = {
  description: 'Clip(min=0, max=6)',
  write: (emit, x) => emit.node('Clip', [x, emit.scalar(0), emit.scalar(6)]),
};

/** x·σ(x). */
export const silu: OnnxForm = {
  description: 'Mul(x, Sigmoid(x))',
  write: (emit, x) => emit.node('Mul', [x, emit.node('Sigmoid', [x])]),
};

/** Exact GELU: Gelu at opset ≥ 20, else 0.5·x·(1 + erf(x/√2)) (the pattern torch.onnx.export writes). */
export const gelu: OnnxForm = {
  description: "Gelu(approximate='none') at opset ≥ 20; Mul(0.5·x, 1 + Erf(x/√2)) before",
  write: (emit, x) => {
    if (emit.opset >= 20) return emit.node('Gelu', [x], { approximate: 'none' });
    const erf = emit.node('Erf', [emit.node('Div', [x, emit.scalar(Math.SQRT2)])]);
    const onePlus = emit.node('Add', [erf, emit.scalar(1)]);
    return emit.node('Mul', [emit.node('Mul', [x, emit.scalar(0.5)]), onePlus]);
  },
};

/** GELU's tanh form: Gelu(approximate='tanh') at opset ≥ 20, else 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export const geluTanh: OnnxForm = {
  description: "Gelu(approximate='tanh') at opset ≥ 20; its tanh formula before",
  write: (emit, x) => {
    if (emit.opset >= 20) return emit.node('Gelu', [x], { approximate: 'tanh' });
    const cube = emit.node('Mul', [emit.node('Mul', [x, x]), x]);
    const inner = emit.node('Add', [x, emit.node('Mul', [cube, emit.scalar(0.044715)])]);
    const t = emit.node('Tanh', [emit.node('Mul', [inner, emit.scalar(Math.sqrt(2 / Math.PI))])]);
    return emit.node('Mul', [emit.node('Mul', [x, emit.scalar(0.5)]), emit.node('Add', [t, emit.scalar(1)])]);
  },
};

/** HardSwish at opset ≥ 14, else x·HardSigmoid(x) with PyTorch's slope 1/6 (what torch.onnx.export writes at 13). */
export const hardSwish: OnnxForm = {
  description: 'HardSwish at opset ≥ 14; Mul(x, HardSigmoid(x, alpha=1/6, beta=0.5)) before',
  write: (emit, x) => (emit.opset >= 14 ? emit.node('HardSwish', [x]) : emit.node('Mul', [x, emit.node('HardSigmoid', [x], { alpha: 1 / 6, beta: 0.5 })])),
};

/** Mish at opset ≥ 18, else x·tanh(softplus(x)). */
export const mish: OnnxForm = {
  description: 'Mish at opset ≥ 18; Mul(x, Tanh(Softplus(x))) before',
  write: (emit, x) => (emit.opset >= 18 ? emit.node('Mish', [x]) : emit.node('Mul', [x, emit.node('Tanh', [emit.node('Softplus', [x])])])),
};

/**
 * PyTorch's softplus with β and threshold: x where β·x > threshold, else log(1 + e^(β·x))/β. ONNX's
 * Softplus has neither, so: Where(Greater(β·x, threshold), x, Softplus(β·x)/β); with β = 1 the Mul and Div
 * are left out.
 */
export const softplus: OnnxForm = {
  description: 'Where(Greater(β·x, threshold), x, Div(Softplus(β·x), β))',
  write: (emit: OnnxEmitter, x: string, p: ParamValues) => {
    const beta = p.beta!;
    const bx = beta === 1 ? x : emit.node('Mul', [x, emit.scalar(beta)]);
    const soft = emit.node('Softplus', [bx]);
    const scaled = beta === 1 ? soft : emit.node('Div', [soft, emit.scalar(beta)]);
    return emit.node('Where', [emit.node('Greater', [bx, emit.scalar(p.threshold!)]), x, scaled]);
  },
};
