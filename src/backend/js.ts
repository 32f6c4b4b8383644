/**
 * The JS reference backend: plain loops over typed arrays, scalar math in float64 from the activation
 * table. It is the definition the WebAssembly kernels are tested against, and the fallback for any kernel
 * a faster backend does not override. Its kernels only touch `f32()`/`i32()` views, so they run as they
 * are on WebAssembly memory too.
 */
import type { ActivationCall, Backend, DType, Kernels, MatmulEpilogue, MatmulShape, Storage } from './types.js';

class JsStorage implements Storage {
  readonly ptr = 0;
  constructor(readonly array: Float32Array | Int32Array) {}
  get length(): number {
    return this.array.length;
  }
  get dtype(): DType {
    return this.array instanceof Float32Array ? 'float32' : 'int32';
  }
  f32(): Float32Array {
    if (!(this.array instanceof Float32Array)) throw new TypeError('expected float32 storage, got int32');
    return this.array;
  }
  i32(): Int32Array {
    if (!(this.array instanceof Int32Array)) throw new TypeError('expected int32 storage, got float32');
    return this.array;
  }
}

/** Views a caller's array as storage, without copying or counting it (plain-array kernel calls). */
export function arrayStorage(array: Float32Array | Int32Array): Storage {
  return new JsStorage(array);
}

/** Kernels over typed-array views, shared by every backend as the fallback. */
export const jsKernels: Kernels = {
  unary({ spec, params }, x, out) {
    const f = spec.f;
    const a = x.f32();
    const o = out.f32();
    for (let i = 0; i < a.length; i++) o[i] = f(a[i]!, params);
  },

  unaryGrad({ spec, params }, x, dy, dx) {
    const df = spec.df;
    const a = x.f32();
    const g = dy.f32();
    const o = dx.f32();
    for (let i = 0; i < a.length; i++) {
      const d = df(a[i]!, params);
      o[i] = d === 0 ? 0 : g[i]! * d;
    }
  },

  unaryGradFromY({ spec, params }, y, dy, dx) {
    const dfy = spec.dfFromY;
    if (!dfy) throw new Error(`unaryGradFromY: ${spec.id} needs its input for the backward pass, not its output`);
    const a = y.f32();
    const g = dy.f32();
    const o = dx.f32();
    for (let i = 0; i < a.length; i++) {
      const d = dfy(a[i]!, params);
      o[i] = d === 0 ? 0 : g[i]! * d;
    }
  },

  prelu(x, slopes, channels, out) {
    const a = x.f32();
    const s = slopes.f32();
    const o = out.f32();
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      o[i] = v > 0 ? v : v * s[i % channels]!;
    }
  },

  preluGrad(x, slopes, channels, dy, dx, dSlopes) {
    const a = x.f32();
    const s = slopes.f32();
    const g = dy.f32();
    const o = dx.f32();
    const ds = dSlopes?.f32();
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (v > 0) {
        o[i] = g[i]!;
      } else {
        const c = i % channels;
        o[i] = g[i]! * s[c]!;
        if (ds) ds[c]! += g[i]! * v;
      }
    }
  },

  matmul(a, b, out, shape, epilogue) {
    matmulReference(a.f32(), b.f32(), out.f32(), shape, epilogue);
  },
};

/**
 * out = act(op(A)·op(B) + bias) in float32 storage with float64 accumulation per output row. Loop order
 * i-p-j keeps the inner loop on contiguous rows of B and out for the common (untransposed B) case.
 */
export function matmulReference(
  A: Float32Array,
  B: Float32Array,
  out: Float32Array,
  { m, k, n, transposeA = false, transposeB = false, accumulate = false }: MatmulShape,
  epilogue?: MatmulEpilogue,
): void {
  const row = new Float64Array(n);
  const bias = epilogue?.bias?.f32();
  const act = epilogue?.activation;
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const av = transposeA ? A[p * m + i]! : A[i * k + p]!;
      if (av === 0) continue;
      if (transposeB) {
        for (let j = 0; j < n; j++) row[j]! += av * B[j * k + p]!;
      } else {
        const off = p * n;
        for (let j = 0; j < n; j++) row[j]! += av * B[off + j]!;
      }
    }
    const o = i * n;
    for (let j = 0; j < n; j++) {
      let v = row[j]! + (accumulate ? out[o + j]! : 0) + (bias ? bias[j]! : 0);
      if (act) v = act.spec.f(v, act.params);
      out[o + j] = v;
    }
  }
}

export class JsBackend implements Backend {
  readonly name = 'js' as const;
  private blocks = 0;
  private bytes = 0;

  allocate(length: number, dtype: DType): Storage {
    this.blocks++;
    this.bytes += length * 4;
    return new JsStorage(dtype === 'float32' ? new Float32Array(length) : new Int32Array(length));
  }
  release(storage: Storage): void {
    this.blocks--;
    this.bytes -= storage.length * 4;
  }
  memory() {
    return { blocks: this.blocks, bytes: this.bytes, reservedBytes: this.bytes };
  }
  unary = jsKernels.unary;
  unaryGrad = jsKernels.unaryGrad;
  unaryGradFromY = jsKernels.unaryGradFromY;
  prelu = jsKernels.prelu;
  preluGrad = jsKernels.preluGrad;
  matmul = jsKernels.matmul;
}
