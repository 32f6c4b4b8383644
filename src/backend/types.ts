/**
 * The kernel interface every backend implements. The JS backend (`JsKernels`) implements all of it; the
 * WebAssembly backend extends it and overrides what it makes faster, falling back for the rest to the JS
 * kernels, which run unchanged on views of WebAssembly memory. One conformance suite runs against both.
 */
import type { Conv2dGeometry, Pool2dGeometry } from './geometry.js';

export type { Conv2dGeometry, Pool2dGeometry } from './geometry.js';

export type DType = 'float32' | 'int32';
export type BackendName = 'js' | 'wasm';

/**
 * A block of memory owned by a backend. `f32()`/`i32()` return live views; on the wasm backend a view
 * is invalidated when the memory grows (any allocation may grow it), so read it again after allocating.
 */
export interface Storage {
  readonly length: number;
  readonly dtype: DType;
  /** Byte offset in the backend's linear memory (wasm); 0 on the js backend. */
  readonly ptr: number;
  f32(): Float32Array;
  i32(): Int32Array;
}

/**
 * What a kernel needs to know of an activation: its id (a compiled backend looks its kernels up by it),
 * its parameter values, and the float64 rule the reference kernels evaluate. A row of the activation table
 * with its parameters resolved satisfies it (the `Activation` executor in src/ops is one).
 */
export interface KernelActivation {
  readonly id: string;
  /** Parameter values by name, every parameter of the row present. */
  readonly params: Readonly<Record<string, number>>;
  /** f(x) in float64. */
  readonly f: (x: number, params: Readonly<Record<string, number>>) => number;
  /** f'(x) in float64, with the table's value at the kinks. */
  readonly df: (x: number, params: Readonly<Record<string, number>>) => number;
  /** f' as a function of y = f(x), for the activations whose derivative the output determines. */
  readonly dfFromY?: (y: number, params: Readonly<Record<string, number>>) => number;
  /** True for the identity (`linear`): an epilogue with it has nothing to do. */
  readonly isIdentity?: boolean;
}

export interface MatmulShape {
  /** out[m×n] = op(a)[m×k] · op(b)[k×n], row-major; op transposes when the flag is set. */
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
  /** When set, out += product instead of out = product (gradient accumulation without a temporary). */
  readonly accumulate?: boolean;
}

/** Fused epilogue of a matmul: out = act(a·b + bias), bias broadcast along rows (length n). */
export interface MatmulEpilogue {
  readonly bias?: Storage;
  readonly activation?: KernelActivation;
}

/** Elementwise binary operations of the `binary` kernel. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
/** Elementwise functions of the `math` kernel. */
export type MathOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'square' | 'abs' | 'reciprocal';

export interface SgdStepOptions {
  readonly lr: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

export interface AdamStepOptions {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW: decay the weights directly (p −= lr·wd·p) instead of adding wd·p to the gradient. */
  readonly decoupled: boolean;
  readonly step: number;
}

export interface Kernels {
  /** out[i] = f(x[i]). `out` may be `x` (in place). */
  unary(act: KernelActivation, x: Storage, out: Storage): void;
  /**
   * dx[i] = dy[i]·f'(x[i]), except that where f'(x[i]) is exactly 0 the result is exactly 0 whatever
   * dy holds (PyTorch's threshold_backward behaviour, which a select-based SIMD kernel gives for free).
   */
  unaryGrad(act: KernelActivation, x: Storage, dy: Storage, dx: Storage): void;
  /** The same from the forward's output, for specs whose backwardFrom is 'y' (relu: dy·[y > 0]). */
  unaryGradFromY(act: KernelActivation, y: Storage, dy: Storage, dx: Storage): void;
  /**
   * Leaky ReLU with a slope per channel (channels-last: channel = i % channels): PReLU layers, and
   * RReLU in training, where every element has its own random slope (channels = length).
   */
  prelu(x: Storage, slopes: Storage, channels: number, out: Storage): void;
  /** dx = x > 0 ? dy : dy·slope; when dSlopes is given, dSlopes[c] += Σ dy·x over x <= 0 of channel c. */
  preluGrad(x: Storage, slopes: Storage, channels: number, dy: Storage, dx: Storage, dSlopes?: Storage): void;
  matmul(a: Storage, b: Storage, out: Storage, shape: MatmulShape, epilogue?: MatmulEpilogue): void;

  // Training-engine kernels (src/ops builds the differentiable ops on these).

  /**
   * out[i] = a[i % a.length] op b[i % b.length], for out.length = max(a.length, b.length): equal sizes,
   * a scalar, or a trailing-axes broadcast (a bias row against a batch). `out` may be `a` or `b`.
   */
  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage): void;
  /** out = x·scale + shift; out += x·scale + shift when accumulate is set. `out` may be `x`. */
  affine(x: Storage, scale: number, shift: number, out: Storage, accumulate?: boolean): void;
  /** out[i] = op(x[i]) for the elementwise maths the layers and losses need. `out` may be `x`. */
  math(op: MathOp, x: Storage, out: Storage): void;
  /** x viewed as [outer, n, inner]: out[o, i] = Σ_j x[o, j, i] (float64 sums), or += with accumulate. */
  sumAxis(x: Storage, out: Storage, outer: number, n: number, inner: number, accumulate?: boolean): void;
  /** The adjoint of sumAxis: out[o, j, i] = x[o, i]·scale, or += with accumulate. */
  broadcastAxis(x: Storage, out: Storage, outer: number, n: number, inner: number, scale: number, accumulate?: boolean): void;
  /** Σ x[i]² in float64 (global gradient norms). */
  sumSquares(x: Storage): number;
  /** Σ (a[i] − b[i])² in float64, a and b of one length (the size of an update, for the monitor). */
  squaredDistance(a: Storage, b: Storage): number;
  /** max |x[i]|: NaN when some value is NaN, Inf when some is infinite, 0 when x is empty. */
  absMax(x: Storage): number;
  /** dst[dstOffset + i] = src[srcOffset + i] for i < length (batch assembly, predict). */
  copyRange(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, length: number): void;
  /**
   * Softmax cross-entropy per row of logits [rows × classes], stable by log-sum-exp. targets: int32 labels
   * [rows] or float32 probabilities [rows × classes]. Writes losses [rows] and the softmax into probs.
   */
  softmaxCrossEntropy(logits: Storage, targets: Storage, rows: number, classes: number, losses: Storage, probs: Storage): void;
  /** dx[r, c] = (probs[r, c] − target[r, c])·dLoss[r]. */
  softmaxCrossEntropyGrad(probs: Storage, targets: Storage, rows: number, classes: number, dLoss: Storage, dx: Storage): void;
  /** Elementwise binary cross-entropy from logits: max(x, 0) − x·z + log(1 + e^−|x|). */
  sigmoidCrossEntropy(logits: Storage, targets: Storage, losses: Storage): void;
  /** dx = (σ(x) − z)·dLoss. */
  sigmoidCrossEntropyGrad(logits: Storage, targets: Storage, dLoss: Storage, dx: Storage): void;
  /** One SGD update in place (PyTorch's rule); `velocity` is required when momentum > 0. */
  sgdStep(param: Storage, grad: Storage, velocity: Storage | undefined, options: SgdStepOptions): void;
  /** One Adam/AdamW update in place, with bias correction for step `step` (1-based). */
  adamStep(param: Storage, grad: Storage, m: Storage, v: Storage, options: AdamStepOptions): void;
  /**
   * out = act(conv(x, filter) + bias). The activation is optional; a backend may fuse it into the
   * convolution's epilogue (the wasm backend does for relu) or apply it after.
   */
  conv2d(x: Storage, filter: Storage, out: Storage, g: Conv2dGeometry, bias?: Storage, activation?: KernelActivation): void;
  /** dx of Σ dy·conv2d(x, filter), overwriting dx. */
  conv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, g: Conv2dGeometry): void;
  /** dFilter of Σ dy·conv2d(x, filter), overwriting dFilter, or adding to it with accumulate. */
  conv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, g: Conv2dGeometry, accumulate?: boolean): void;
  /** Max over each window's real elements (first maximum wins, NaN propagates); argmax (int32) records the winners. */
  maxPool2d(x: Storage, out: Storage, g: Pool2dGeometry, argmax: Storage): void;
  /**
   * dx = 0, then dx[argmax[i]] += dy[i]. `g`, the forward's geometry, is optional: with it a backend
   * may take a faster path where the windows tile the input.
   */
  maxPool2dBackward(dy: Storage, argmax: Storage, dx: Storage, g?: Pool2dGeometry): void;
  /** Mean over each window's real (unpadded) elements, as TensorFlow. */
  avgPool2d(x: Storage, out: Storage, g: Pool2dGeometry): void;
  /** dx = 0, then each dy spread evenly over its window's real elements. */
  avgPool2dBackward(dy: Storage, dx: Storage, g: Pool2dGeometry): void;
}

export interface Backend extends Kernels {
  readonly name: BackendName;
  /** Threads large kernel calls are split over (1 on a backend without threads). */
  readonly threads: number;
  /** The most threads `setThreads` accepts (1 on a backend without threads). */
  readonly maxThreads: number;
  /**
   * Sets the threads large kernel calls are split over, 1 … maxThreads. Results have the same bits on
   * any count: each output element is computed by one thread, in an order the split does not change.
   */
  setThreads(n: number): void;
  allocate(length: number, dtype: DType): Storage;
  release(storage: Storage): void;
  /** Bytes and blocks currently allocated by this backend (for leak tests and `memory()`). */
  memory(): { blocks: number; bytes: number; reservedBytes: number };
}
