/**
 * The kernel interface every backend implements (DESIGN.md, principle 2). The JS backend implements all
 * of it; the WebAssembly backend overrides what it makes faster and falls back to the JS kernels, which
 * run unchanged on views of WebAssembly memory, for the rest. One conformance suite runs against both.
 */
import type { ActivationSpec, ParamValues } from '../activations/types.js';

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

/** An activation from the table with its resolved parameters, as the kernels receive it. */
export interface ActivationCall {
  readonly spec: ActivationSpec;
  readonly params: ParamValues;
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
  readonly activation?: ActivationCall;
}

export interface Kernels {
  /** out[i] = f(x[i]). `out` may be `x` (in place). */
  unary(act: ActivationCall, x: Storage, out: Storage): void;
  /**
   * dx[i] = dy[i]·f'(x[i]), except that where f'(x[i]) is exactly 0 the result is exactly 0 whatever
   * dy holds (PyTorch's threshold_backward behaviour, which a select-based SIMD kernel gives for free).
   */
  unaryGrad(act: ActivationCall, x: Storage, dy: Storage, dx: Storage): void;
  /** The same from the forward's output, for specs whose backwardFrom is 'y' (relu: dy·[y > 0]). */
  unaryGradFromY(act: ActivationCall, y: Storage, dy: Storage, dx: Storage): void;
  /**
   * Leaky ReLU with a slope per channel (channels-last: channel = i % channels): PReLU layers, and
   * RReLU in training, where every element has its own random slope (channels = length).
   */
  prelu(x: Storage, slopes: Storage, channels: number, out: Storage): void;
  /** dx = x > 0 ? dy : dy·slope; when dSlopes is given, dSlopes[c] += Σ dy·x over x <= 0 of channel c. */
  preluGrad(x: Storage, slopes: Storage, channels: number, dy: Storage, dx: Storage, dSlopes?: Storage): void;
  matmul(a: Storage, b: Storage, out: Storage, shape: MatmulShape, epilogue?: MatmulEpilogue): void;
}

export interface Backend extends Kernels {
  readonly name: BackendName;
  allocate(length: number, dtype: DType): Storage;
  release(storage: Storage): void;
  /** Bytes and blocks currently allocated by this backend (for leak tests and `memory()`). */
  memory(): { blocks: number; bytes: number; reservedBytes: number };
}
