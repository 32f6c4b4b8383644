/**
 * The activation table: one row per member of the family. Kernels, tests, docs, CLI choices and the
 * playground read this list and nothing else.
 *
 * Conventions: defaults follow PyTorch (and ONNX where they agree); where the derivative is
 * undefined we use PyTorch's value; NaN in gives NaN out; relu(−0) = +0.
 */
import type { ActivationSpec, ParamSpec, ParamValues } from './types.js';
import { normalCdf, normalPdf, sech2, sigmoid, softplus } from './math.js';
import * as onnxForm from './onnx-forms.js';

// SELU constants from Klambauer et al. 2017 (https://arxiv.org/abs/1706.02515), as in PyTorch.
export const SELU_LAMBDA = 1.0507009873554804934193349852946;
export const SELU_ALPHA = 1.6732632423543772848170429916717;
const SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_TANH_C = 0.044715;

const finite = (name: string, def: number, doc: string): ParamSpec => ({
  name, default: def, doc, rule: 'must be a finite number', valid: (v) => Number.isFinite(v),
});
const nonNegative = (name: string, def: number, doc: string): ParamSpec => ({
  name, default: def, doc, rule: 'must be a finite number >= 0', valid: (v) => Number.isFinite(v) && v >= 0,
});
const positive = (name: string, def: number, doc: string): ParamSpec => ({
  name, default: def, doc, rule: 'must be a finite number > 0', valid: (v) => Number.isFinite(v) && v > 0,
});
const nonZero = (name: string, def: number, doc: string): ParamSpec => ({
  name, default: def, doc, rule: 'must be a finite number other than 0', valid: (v) => Number.isFinite(v) && v !== 0,
});

const nan = Number.NaN;
const sqrt2 = Math.SQRT2;
/** torch.nn.init.calculate_gain('leaky_relu', slope). */
const leakyGain = (slope: number) => Math.sqrt(2 / (1 + slope * slope));

/** Shared by leaky_relu, prelu and rrelu (in inference): a line of slope `a` below zero. */
function leaky(a: (p: ParamValues) => number): Pick<ActivationSpec, 'f' | 'df' | 'kinks'> {
  return {
    f: (x, p) => (x > 0 ? x : x * a(p)),
    // PyTorch's leaky_relu_backward: x > 0 ? dy : dy·α, so the kink takes the negative slope.
    df: (x, p) => (x > 0 ? 1 : x <= 0 ? a(p) : nan),
    kinks: [{ x: () => 0, derivative: a, why: 'PyTorch leaky_relu_backward uses the negative slope at 0' }],
  };
}

export const ACTIVATIONS: readonly ActivationSpec[] = [
  {
    id: 'relu',
    aliases: ['rectifier', 'ramp'],
    params: [],
    f: (x) => (x > 0 ? x : x <= 0 ? 0 : nan),
    df: (x) => (x > 0 ? 1 : x <= 0 ? 0 : nan),
    backwardFrom: 'y',
    dfFromY: (y) => (y > 0 ? 1 : y <= 0 ? 0 : nan),
    kinks: [{ x: () => 0, derivative: () => 0, why: "PyTorch's threshold_backward: relu'(0) = 0" }],
    onnx: onnxForm.op('Relu'),
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: () => 0, saturates: false },
    piecewiseLinear: true,
    latex: '\\max(0, x)',
    summary: 'Passes positive inputs unchanged and zeroes the rest: sparse, cheap, no saturation above zero.',
    paper: 'https://proceedings.mlr.press/v15/glorot11a.html',
    plotRange: [-4, 4],
  },
  {
    id: 'relu6',
    aliases: [],
    params: [],
    f: (x) => (x <= 0 ? 0 : x >= 6 ? 6 : x),
    df: (x) => (x > 0 && x < 6 ? 1 : x <= 0 || x >= 6 ? 0 : nan),
    backwardFrom: 'y',
    dfFromY: (y) => (y > 0 && y < 6 ? 1 : y <= 0 || y >= 6 ? 0 : nan),
    kinks: [
      { x: () => 0, derivative: () => 0, why: "PyTorch's hardtanh_backward zeroes the gradient at both ends" },
      { x: () => 6, derivative: () => 0, why: "PyTorch's hardtanh_backward zeroes the gradient at both ends" },
    ],
    onnx: onnxForm.clip06,
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: () => 0, saturates: false },
    piecewiseLinear: true,
    latex: '\\min(\\max(0, x), 6)',
    summary: 'ReLU capped at 6, which keeps activations in a range that survives low-precision arithmetic.',
    paper: 'https://www.cs.toronto.edu/~kriz/conv-cifar10-aug2010.pdf',
    plotRange: [-2, 8],
  },
  {
    id: 'leaky_relu',
    aliases: ['leakyrelu', 'lrelu'],
    params: [finite('alpha', 0.01, 'slope for x < 0')],
    ...leaky((p) => p.alpha!),
    backwardFrom: 'x',
    onnx: onnxForm.op('LeakyRelu', 'LeakyRelu(alpha)', (p) => ({ alpha: p.alpha! })),
    gain: (p) => leakyGain(p.alpha!),
    defaultInit: 'he',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: true,
    latex: 'x \\text{ if } x > 0 \\text{ else } \\alpha x',
    summary: 'ReLU with a small slope below zero, so a unit that is off still receives gradient.',
    paper: 'https://ai.stanford.edu/~amaas/papers/relu_hybrid_icml2013_final.pdf',
    plotRange: [-4, 4],
    notes: 'Default alpha is 0.01 as in PyTorch; Keras uses 0.3 and TensorFlow.js 0.2.',
  },
  {
    id: 'prelu',
    aliases: [],
    params: [finite('alpha', 0.25, 'slope for x < 0 (learned per channel in the prelu layer)')],
    ...leaky((p) => p.alpha!),
    backwardFrom: 'x',
    onnx: onnxForm.op('LeakyRelu', 'LeakyRelu(alpha) for the fixed slope; a prelu layer writes PRelu with its learned slopes', (p) => ({ alpha: p.alpha! })),
    gain: (p) => leakyGain(p.alpha!),
    defaultInit: 'he',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: true,
    latex: 'x \\text{ if } x > 0 \\text{ else } a x',
    summary: 'Leaky ReLU whose negative slope is learned; here a fixed slope, learnable in the prelu layer.',
    paper: 'https://arxiv.org/abs/1502.01852',
    plotRange: [-4, 4],
  },
  {
    id: 'rrelu',
    aliases: [],
    params: [
      finite('lower', 1 / 8, 'lower bound of the random negative slope'),
      finite('upper', 1 / 3, 'upper bound of the random negative slope'),
    ],
    check: (p) => (p.lower! <= p.upper! ? null : `lower (${p.lower}) must be <= upper (${p.upper})`),
    // In inference the slope is fixed at (lower + upper)/2, as in PyTorch; training draws it per element.
    ...leaky((p) => (p.lower! + p.upper!) / 2),
    backwardFrom: 'x',
    stochastic: { lower: 'lower', upper: 'upper' },
    onnx: onnxForm.op('LeakyRelu', 'LeakyRelu(alpha=(lower+upper)/2), its inference form', (p) => ({ alpha: (p.lower! + p.upper!) / 2 })),
    gain: (p) => leakyGain((p.lower! + p.upper!) / 2),
    defaultInit: 'he',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: true,
    latex: 'x \\text{ if } x \\ge 0 \\text{ else } a x,\\ a \\sim U(l, u)',
    summary: 'Leaky ReLU with a random negative slope in training and the mean slope in inference.',
    paper: 'https://arxiv.org/abs/1505.00853',
    plotRange: [-4, 4],
  },
  {
    id: 'elu',
    aliases: [],
    params: [finite('alpha', 1, 'value approached as x → −∞ is −alpha')],
    f: (x, p) => (x > 0 ? x : p.alpha! * Math.expm1(x)),
    // PyTorch's elu_backward takes the negative branch at 0: alpha·e^0 = alpha.
    df: (x, p) => (x > 0 ? 1 : p.alpha! * Math.exp(x)),
    backwardFrom: 'x',
    kinks: [{ x: () => 0, derivative: (p) => p.alpha!, why: 'PyTorch elu_backward uses the x <= 0 branch at 0' }],
    onnx: onnxForm.op('Elu', 'Elu(alpha)', (p) => ({ alpha: p.alpha! })),
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: false,
    latex: 'x \\text{ if } x > 0 \\text{ else } \\alpha (e^x - 1)',
    summary: 'Smooth negative part that pushes mean activations toward zero.',
    paper: 'https://arxiv.org/abs/1511.07289',
    plotRange: [-4, 4],
  },
  {
    id: 'selu',
    aliases: [],
    params: [],
    f: (x) => SELU_LAMBDA * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    df: (x) => SELU_LAMBDA * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)),
    backwardFrom: 'x',
    kinks: [{ x: () => 0, derivative: () => SELU_LAMBDA * SELU_ALPHA, why: 'PyTorch elu_backward uses the x <= 0 branch at 0' }],
    onnx: onnxForm.op('Selu', 'Selu(alpha, gamma)', () => ({ alpha: SELU_ALPHA, gamma: SELU_LAMBDA })),
    gain: () => 3 / 4,
    defaultInit: 'lecun',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: false,
    latex: '\\lambda (x \\text{ if } x > 0 \\text{ else } \\alpha (e^x - 1))',
    summary: 'Scaled ELU whose fixed point keeps activations at zero mean and unit variance (with LeCun init).',
    paper: 'https://arxiv.org/abs/1706.02515',
    plotRange: [-4, 4],
    notes: 'torch.nn.init.calculate_gain gives 3/4 for SELU; the self-normalising property assumes LeCun normal init.',
  },
  {
    id: 'celu',
    aliases: [],
    params: [nonZero('alpha', 1, 'scale of the negative part; continuously differentiable for every alpha')],
    f: (x, p) => (x > 0 ? x : p.alpha! * Math.expm1(x / p.alpha!)),
    df: (x, p) => (x > 0 ? 1 : Math.exp(x / p.alpha!)),
    backwardFrom: 'x',
    kinks: [],
    onnx: onnxForm.op('Celu', 'Celu(alpha)', (p) => ({ alpha: p.alpha! })),
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: false,
    latex: '\\max(0, x) + \\min(0, \\alpha (e^{x/\\alpha} - 1))',
    summary: 'ELU rescaled so that its derivative is continuous at zero for every alpha.',
    paper: 'https://arxiv.org/abs/1704.07483',
    plotRange: [-4, 4],
  },
  {
    id: 'gelu',
    aliases: [],
    params: [],
    f: (x) => (x === Infinity ? x : x === -Infinity ? -0 : x * normalCdf(x)),
    df: (x) => (x === Infinity ? 1 : x === -Infinity ? 0 : normalCdf(x) + x * normalPdf(x)),
    backwardFrom: 'x',
    kinks: [],
    onnx: onnxForm.gelu,
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: false,
    latex: 'x \\Phi(x)',
    summary: 'x weighted by the probability that a standard normal is below it; the transformer default.',
    paper: 'https://arxiv.org/abs/1606.08415',
    plotRange: [-4, 4],
    notes: 'Exact (erf) form, as PyTorch approximate="none"; TF.js and Keras default to the tanh form.',
  },
  {
    id: 'gelu_tanh',
    aliases: ['gelu_approximate', 'gelu_new'],
    params: [],
    // 0.5·(1 + tanh(u)) is written as σ(2u): the same number, without the cancellation at large −x.
    f: (x) => (x === Infinity ? x : x === -Infinity ? -0 : x * sigmoid(2 * geluTanhInner(x))),
    df: (x) => {
      if (x === Infinity) return 1;
      if (x === -Infinity) return 0;
      const u2 = 2 * geluTanhInner(x);
      const s = sigmoid(u2);
      const ds = s * sigmoid(-u2); // σ(1 − σ) without cancellation
      return s + x * 2 * ds * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_C * x * x);
    },
    backwardFrom: 'x',
    kinks: [],
    onnx: onnxForm.geluTanh,
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: false,
    latex: '\\tfrac{x}{2} (1 + \\tanh(\\sqrt{2/\\pi} (x + 0.044715 x^3)))',
    summary: 'The tanh approximation of GELU used by GPT-2 and BERT implementations.',
    paper: 'https://arxiv.org/abs/1606.08415',
    plotRange: [-4, 4],
  },
  {
    id: 'silu',
    aliases: ['swish'],
    params: [],
    f: (x) => (x === -Infinity ? -0 : x * sigmoid(x)),
    df: (x) => {
      if (x === Infinity) return 1;
      if (x === -Infinity) return 0;
      const s = sigmoid(x);
      return s + x * s * sigmoid(-x);
    },
    backwardFrom: 'x',
    kinks: [],
    onnx: onnxForm.silu,
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: false,
    latex: 'x \\sigma(x)',
    summary: 'x gated by its own sigmoid; smooth, non-monotonic, found by search as "swish".',
    paper: 'https://arxiv.org/abs/1702.03118',
    plotRange: [-6, 4],
  },
  {
    id: 'mish',
    aliases: [],
    params: [],
    f: (x) => (x === -Infinity ? -0 : x === Infinity ? x : x * Math.tanh(softplus(x))),
    df: (x) => {
      if (x === Infinity) return 1;
      if (x === -Infinity) return 0;
      const sp = softplus(x);
      return Math.tanh(sp) + x * sigmoid(x) * sech2(sp);
    },
    backwardFrom: 'x',
    kinks: [],
    onnx: onnxForm.mish,
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: false,
    latex: 'x \\tanh(\\ln(1 + e^x))',
    summary: 'Self-gated like SiLU, with a slightly deeper negative dip.',
    paper: 'https://arxiv.org/abs/1908.08681',
    plotRange: [-6, 4],
  },
  {
    id: 'softplus',
    aliases: [],
    params: [
      positive('beta', 1, 'sharpness: softplus(βx)/β'),
      nonNegative('threshold', 20, 'above βx > threshold the function is x itself (as in PyTorch)'),
    ],
    f: (x, p) => (x * p.beta! > p.threshold! ? x : softplus(x * p.beta!) / p.beta!),
    df: (x, p) => (x * p.beta! > p.threshold! ? 1 : sigmoid(x * p.beta!)),
    backwardFrom: 'x',
    kinks: [
      {
        x: (p) => p.threshold! / p.beta!,
        derivative: (p) => sigmoid(p.threshold!),
        why: 'PyTorch switches to the linear branch only when βx > threshold',
      },
    ],
    onnx: onnxForm.softplus,
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: false,
    latex: '\\tfrac{1}{\\beta} \\ln(1 + e^{\\beta x})',
    summary: 'A smooth ReLU; its derivative is the sigmoid.',
    paper: 'https://proceedings.neurips.cc/paper/2000/hash/44968aece94f667e4095002d140b5896-Abstract.html',
    plotRange: [-4, 4],
  },
  {
    id: 'sigmoid',
    aliases: ['logistic'],
    params: [],
    f: (x) => sigmoid(x),
    df: (x) => sigmoid(x) * sigmoid(-x),
    backwardFrom: 'y',
    dfFromY: (y) => y * (1 - y),
    kinks: [],
    onnx: onnxForm.op('Sigmoid'),
    gain: () => 1,
    defaultInit: 'glorot',
    flat: { deadValue: null, saturates: true },
    piecewiseLinear: false,
    latex: '1 / (1 + e^{-x})',
    summary: 'Squashes to (0, 1); saturates at both ends, so gradients vanish through deep stacks.',
    paper: 'http://yann.lecun.com/exdb/publis/pdf/lecun-98b.pdf',
    plotRange: [-8, 8],
  },
  {
    id: 'tanh',
    aliases: [],
    params: [],
    f: (x) => Math.tanh(x),
    df: (x) => sech2(x),
    backwardFrom: 'y',
    dfFromY: (y) => 1 - y * y,
    kinks: [],
    onnx: onnxForm.op('Tanh'),
    gain: () => 5 / 3,
    defaultInit: 'glorot',
    flat: { deadValue: null, saturates: true },
    piecewiseLinear: false,
    latex: '\\tanh(x)',
    summary: 'Zero-centred squashing to (−1, 1); saturates at both ends.',
    paper: 'http://yann.lecun.com/exdb/publis/pdf/lecun-98b.pdf',
    plotRange: [-4, 4],
  },
  {
    id: 'hard_sigmoid',
    aliases: ['hardsigmoid'],
    params: [],
    f: (x) => (x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5),
    // PyTorch hardsigmoid_backward: dy/6 strictly inside (−3, 3), 0 elsewhere.
    df: (x) => (x > -3 && x < 3 ? 1 / 6 : x <= -3 || x >= 3 ? 0 : nan),
    backwardFrom: 'y',
    dfFromY: (y) => (y > 0 && y < 1 ? 1 / 6 : y <= 0 || y >= 1 ? 0 : nan),
    kinks: [
      { x: () => -3, derivative: () => 0, why: 'PyTorch hardsigmoid_backward is 0 outside the open interval' },
      { x: () => 3, derivative: () => 0, why: 'PyTorch hardsigmoid_backward is 0 outside the open interval' },
    ],
    onnx: onnxForm.op('HardSigmoid', 'HardSigmoid(alpha=1/6, beta=0.5)', () => ({ alpha: 1 / 6, beta: 0.5 })),
    gain: () => 1,
    defaultInit: 'glorot',
    flat: { deadValue: () => 0, saturates: true },
    piecewiseLinear: true,
    latex: '\\min(\\max(0, x/6 + 1/2), 1)',
    summary: 'A piecewise-linear sigmoid: cheap, and exactly flat beyond ±3.',
    paper: 'https://arxiv.org/abs/1905.02244',
    plotRange: [-5, 5],
    notes: 'x/6 + 1/2 as in PyTorch and MobileNetV3; Keras and TF.js use 0.2x + 0.5.',
  },
  {
    id: 'hard_swish',
    aliases: ['hardswish'],
    params: [],
    f: (x) => (x <= -3 ? 0 : x >= 3 ? x : (x * (x + 3)) / 6),
    // PyTorch hardswish_backward: 0 below −3, x/3 + 1/2 on [−3, 3], 1 above 3.
    df: (x) => (x < -3 ? 0 : x <= 3 ? x / 3 + 0.5 : x > 3 ? 1 : nan),
    backwardFrom: 'x',
    kinks: [
      { x: () => -3, derivative: () => -0.5, why: 'PyTorch hardswish_backward uses x/3 + 1/2 on the closed [−3, 3]' },
      { x: () => 3, derivative: () => 1.5, why: 'PyTorch hardswish_backward uses x/3 + 1/2 on the closed [−3, 3]' },
    ],
    onnx: onnxForm.hardSwish,
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: () => 0, saturates: true },
    piecewiseLinear: true,
    latex: 'x \\cdot \\min(\\max(0, x + 3), 6) / 6',
    summary: 'A piecewise-quadratic SiLU for mobile networks.',
    paper: 'https://arxiv.org/abs/1905.02244',
    plotRange: [-5, 5],
  },
  {
    id: 'softsign',
    aliases: [],
    params: [],
    f: (x) => (x === Infinity ? 1 : x === -Infinity ? -1 : x / (1 + Math.abs(x))),
    df: (x) => {
      const d = 1 + Math.abs(x);
      return 1 / (d * d);
    },
    backwardFrom: 'x',
    kinks: [],
    onnx: onnxForm.op('Softsign'),
    gain: () => 1,
    defaultInit: 'glorot',
    flat: { deadValue: null, saturates: true },
    piecewiseLinear: false,
    latex: 'x / (1 + |x|)',
    summary: 'Like tanh but with polynomial tails, so it saturates more slowly.',
    paper: 'http://proceedings.mlr.press/v9/glorot10a.html',
    plotRange: [-8, 8],
  },
  {
    id: 'thresholded_relu',
    aliases: ['thresholdedrelu'],
    params: [nonNegative('theta', 1, 'inputs at or below theta give 0')],
    f: (x, p) => (x > p.theta! ? x : x <= p.theta! ? 0 : nan),
    df: (x, p) => (x > p.theta! ? 1 : x <= p.theta! ? 0 : nan),
    backwardFrom: 'x',
    kinks: [{ x: (p) => p.theta!, derivative: () => 0, why: "PyTorch's threshold_backward: x <= threshold gives 0" }],
    onnx: onnxForm.op('ThresholdedRelu', 'ThresholdedRelu(alpha=theta)', (p) => ({ alpha: p.theta! })),
    gain: () => sqrt2,
    defaultInit: 'he',
    flat: { deadValue: () => 0, saturates: false },
    piecewiseLinear: true,
    latex: 'x \\text{ if } x > \\theta \\text{ else } 0',
    summary: 'ReLU that stays off until theta: the zero-bias autoencoder unit.',
    paper: 'https://arxiv.org/abs/1402.3337',
    plotRange: [-2, 4],
    notes: 'Keras ThresholdedReLU and ONNX ThresholdedRelu; theta defaults to 1 as in both.',
  },
  {
    id: 'linear',
    aliases: ['identity', 'none'],
    params: [],
    f: (x) => x,
    df: (x) => (Number.isNaN(x) ? nan : 1),
    backwardFrom: 'y',
    dfFromY: (y) => (Number.isNaN(y) ? nan : 1),
    kinks: [],
    onnx: onnxForm.identity,
    gain: () => 1,
    defaultInit: 'glorot',
    flat: { deadValue: null, saturates: false },
    piecewiseLinear: true,
    latex: 'x',
    summary: 'No activation: a stack of linear layers is one linear map.',
    paper: 'http://proceedings.mlr.press/v9/glorot10a.html',
    plotRange: [-4, 4],
  },
];

function geluTanhInner(x: number): number {
  return SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x);
}
