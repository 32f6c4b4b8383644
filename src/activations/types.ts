/**
 * The shape of one row of the activation table. Everything else — kernels, tests, docs, CLI choices,
 * ONNX export, the playground menu — is driven by these rows: the table is the only list of activations.
 */

/** A named numeric parameter of an activation, with its default and the rule it must obey. */
export interface ParamSpec {
  readonly name: string;
  readonly default: number;
  readonly doc: string;
  /** The rule in words, used in error messages ("must be a finite number >= 0"). */
  readonly rule: string;
  readonly valid: (value: number) => boolean;
}

/** Resolved parameter values, in the order of `ActivationSpec.params`. */
export type ParamValues = Readonly<Record<string, number>>;

/** A point where the derivative is undefined and the value we use there (PyTorch's). */
export interface Kink {
  readonly x: (p: ParamValues) => number;
  readonly derivative: (p: ParamValues) => number;
  readonly why: string;
}

/** How a family member behaves for the diagnostics: flat regions where units die or saturate. */
export interface FlatRegions {
  /** The value of the lower flat region (a unit stuck there is "dead"), or null when there is none. */
  readonly deadValue: ((p: ParamValues) => number) | null;
  /**
   * True for functions with flat tails (sigmoid, tanh, hard_*, softsign), where "saturated" means
   * |f'(x)| below 1% of its maximum (see `maxAbsDerivative`).
   */
  readonly saturates: boolean;
}

export type InitName = 'he' | 'glorot' | 'lecun';

/**
 * What a row's ONNX form writes through: the ONNX exporter (src/onnx) implements it. Kept here, with the
 * rows, so that the table alone says how each activation is written and nothing switches on ids.
 */
/** An ONNX attribute value: a number is a FLOAT, a string a STRING; integers are tagged. */
export type OnnxAttribute = number | string | { readonly int: number } | { readonly ints: readonly number[] };

export interface OnnxEmitter {
  /** The default-domain opset being written: forms pick the newest operator that opset has. */
  readonly opset: number;
  /** Adds a node; returns the name of its (single) output. */
  node(op: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>): string;
  /** A float32 scalar constant; returns its name. */
  scalar(value: number): string;
}

/** How a row is written in ONNX: a one-line description (docs, `rectifier activations`) and the writer. */
export interface OnnxForm {
  readonly description: string;
  /** Writes f(x) for the tensor named `x` and returns the output's name. Exact: the same function, not an approximation. */
  readonly write: (emit: OnnxEmitter, x: string, params: ParamValues) => string;
}

export interface ActivationSpec {
  /** snake_case id as in Keras/TF.js strings. */
  readonly id: string;
  readonly aliases: readonly string[];
  readonly params: readonly ParamSpec[];
  /** Cross-parameter rule (e.g. lower <= upper); returns an error text or null. */
  readonly check?: (p: ParamValues) => string | null;
  /** Scalar reference value in float64. Must be exact at ±0, ±Inf and NaN. */
  readonly f: (x: number, p: ParamValues) => number;
  /** Scalar reference derivative f'(x) in float64, with PyTorch's value at the kinks; limits at ±Inf. */
  readonly df: (x: number, p: ParamValues) => number;
  /**
   * What the backward pass keeps from the forward: `y` when f'(x) can be read from the output alone
   * (relu: dx = dy·[y > 0]), which lets a layer free its input; `x` otherwise.
   */
  readonly backwardFrom: 'x' | 'y';
  /** f' written as a function of y, present exactly when backwardFrom is 'y'. */
  readonly dfFromY?: (y: number, p: ParamValues) => number;
  readonly kinks: readonly Kink[];
  /** Random in training (rrelu): the forward draws per-element slopes and the backward reuses them. */
  readonly stochastic?: { readonly lower: string; readonly upper: string };
  /** The ONNX operator that computes it, or the exact subgraph it is composed of. */
  readonly onnx: OnnxForm;
  /** Gain for initialisation, as torch.nn.init.calculate_gain where it defines one. */
  readonly gain: (p: ParamValues) => number;
  readonly defaultInit: InitName;
  readonly flat: FlatRegions;
  /** True for the piecewise-linear members whose kernels are a compare and a select. */
  readonly piecewiseLinear: boolean;
  readonly latex: string;
  readonly summary: string;
  readonly paper: string;
  readonly plotRange: readonly [number, number];
  /** Where PyTorch, Keras or TF.js differ in defaults or definition. */
  readonly notes?: string;
}
