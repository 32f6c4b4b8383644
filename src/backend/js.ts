/**
 * The JS reference backend: plain loops over typed arrays, scalar math in float64 from the activation
 * table. It is the definition the WebAssembly kernels are tested against, and the fallback for any kernel
 * a faster backend does not override: `WasmBackend extends JsKernels`. Its kernels only touch
 * `f32()`/`i32()` views, so they run as they are on WebAssembly memory too.
 */
import { describe } from '../util/describe.js';
import type { Conv2dGeometry, Pool2dGeometry } from './geometry.js';
import { conv2dBackwardFilter, conv2dBackwardInput, conv2dForward } from './js-conv.js';
import { matmulReference } from './js-gemm.js';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from './js-pool.js';
import type {
  AdamStepOptions, Backend, BinaryOp, DType, KernelActivation, Kernels, MatmulEpilogue, MatmulShape, MathOp, SgdStepOptions, Storage,
} from './types.js';

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

const MATH: Record<MathOp, (v: number) => number> = {
  neg: (v) => -v,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (v) => 1 / Math.sqrt(v),
  square: (v) => v * v,
  abs: Math.abs,
  reciprocal: (v) => 1 / v,
};

/** Kernels over typed-array views: the definition, and every backend's fallback (by inheritance). */
export class JsKernels implements Kernels {
  unary(act: KernelActivation, x: Storage, out: Storage): void {
    const { f, params } = act;
    const a = x.f32();
    const o = out.f32();
    for (let i = 0; i < a.length; i++) o[i] = f(a[i]!, params);
  }

  unaryGrad(act: KernelActivation, x: Storage, dy: Storage, dx: Storage): void {
    const { df, params } = act;
    const a = x.f32();
    const g = dy.f32();
    const o = dx.f32();
    for (let i = 0; i < a.length; i++) {
      const d = df(a[i]!, params);
      o[i] = d === 0 ? 0 : g[i]! * d;
    }
  }

  unaryGradFromY(act: KernelActivation, y: Storage, dy: Storage, dx: Storage): void {
    const { dfFromY: dfy, params } = act;
    if (!dfy) throw new Error(`unaryGradFromY: ${act.id} needs its input for the backward pass, not its output`);
    const a = y.f32();
    const g = dy.f32();
    const o = dx.f32();
    for (let i = 0; i < a.length; i++) {
      const d = dfy(a[i]!, params);
      o[i] = d === 0 ? 0 : g[i]! * d;
    }
  }

  prelu(x: Storage, slopes: Storage, channels: number, out: Storage): void {
    const a = x.f32();
    const s = slopes.f32();
    const o = out.f32();
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      o[i] = v > 0 ? v : v * s[i % channels]!;
    }
  }

  preluGrad(x: Storage, slopes: Storage, channels: number, dy: Storage, dx: Storage, dSlopes?: Storage): void {
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
  }

  matmul(a: Storage, b: Storage, out: Storage, shape: MatmulShape, epilogue?: MatmulEpilogue): void {
    matmulReference(a.f32(), b.f32(), out.f32(), shape, epilogue);
  }

  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage): void {
    const x = a.f32();
    const y = b.f32();
    const o = out.f32();
    const n = o.length;
    const la = x.length;
    const lb = y.length;
    if (n % la !== 0 || n % lb !== 0) throw new RangeError(`binary: lengths ${la} and ${lb} do not broadcast to ${n}`);
    // The common cases get their own loops; the modulo form covers every trailing broadcast.
    if (la === n && lb === n) {
      if (op === 'add') for (let i = 0; i < n; i++) o[i] = x[i]! + y[i]!;
      else if (op === 'sub') for (let i = 0; i < n; i++) o[i] = x[i]! - y[i]!;
      else if (op === 'mul') for (let i = 0; i < n; i++) o[i] = x[i]! * y[i]!;
      else for (let i = 0; i < n; i++) o[i] = x[i]! / y[i]!;
      return;
    }
    for (let i = 0; i < n; i++) {
      const u = x[i % la]!;
      const v = y[i % lb]!;
      o[i] = op === 'add' ? u + v : op === 'sub' ? u - v : op === 'mul' ? u * v : u / v;
    }
  }

  affine(x: Storage, scale: number, shift: number, out: Storage, accumulate = false): void {
    const a = x.f32();
    const o = out.f32();
    if (accumulate) for (let i = 0; i < a.length; i++) o[i]! += a[i]! * scale + shift;
    else for (let i = 0; i < a.length; i++) o[i] = a[i]! * scale + shift;
  }

  math(op: MathOp, x: Storage, out: Storage): void {
    const a = x.f32();
    const o = out.f32();
    const f = MATH[op];
    for (let i = 0; i < a.length; i++) o[i] = f(a[i]!);
  }

  sumAxis(x: Storage, out: Storage, outer: number, n: number, inner: number, accumulate = false): void {
    const a = x.f32();
    const o = out.f32();
    const acc = new Float64Array(inner);
    for (let p = 0; p < outer; p++) {
      acc.fill(0);
      for (let j = 0; j < n; j++) {
        const base = (p * n + j) * inner;
        for (let i = 0; i < inner; i++) acc[i]! += a[base + i]!;
      }
      const ob = p * inner;
      for (let i = 0; i < inner; i++) o[ob + i] = (accumulate ? o[ob + i]! : 0) + acc[i]!;
    }
  }

  broadcastAxis(x: Storage, out: Storage, outer: number, n: number, inner: number, scale: number, accumulate = false): void {
    const a = x.f32();
    const o = out.f32();
    for (let p = 0; p < outer; p++) {
      for (let j = 0; j < n; j++) {
        const base = (p * n + j) * inner;
        const src = p * inner;
        if (accumulate) for (let i = 0; i < inner; i++) o[base + i]! += a[src + i]! * scale;
        else for (let i = 0; i < inner; i++) o[base + i] = a[src + i]! * scale;
      }
    }
  }

  sumSquares(x: Storage): number {
    const a = x.f32();
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
    return s;
  }

  squaredDistance(a: Storage, b: Storage): number {
    const u = a.f32();
    const v = b.f32();
    if (u.length !== v.length) throw new RangeError(`squaredDistance: a and b must have one length, got ${u.length} and ${v.length}`);
    let s = 0;
    for (let i = 0; i < u.length; i++) {
      const d = u[i]! - v[i]!;
      s += d * d;
    }
    return s;
  }

  absMax(x: Storage): number {
    const a = x.f32();
    let m = 0;
    for (let i = 0; i < a.length; i++) {
      const v = Math.abs(a[i]!);
      if (v !== v) return NaN;
      if (v > m) m = v;
    }
    return m;
  }

  copyRange(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, length: number): void {
    if (src.dtype === 'int32') dst.i32().set(src.i32().subarray(srcOffset, srcOffset + length), dstOffset);
    else dst.f32().set(src.f32().subarray(srcOffset, srcOffset + length), dstOffset);
  }

  softmaxCrossEntropy(logits: Storage, targets: Storage, rows: number, classes: number, losses: Storage, probs: Storage): void {
    const z = logits.f32();
    const l = losses.f32();
    const p = probs.f32();
    const labels = targets.dtype === 'int32' ? targets.i32() : null;
    const soft = labels ? null : targets.f32();
    for (let r = 0; r < rows; r++) {
      const base = r * classes;
      let max = -Infinity;
      for (let c = 0; c < classes; c++) if (z[base + c]! > max) max = z[base + c]!;
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += Math.exp(z[base + c]! - max);
      const logSum = max + Math.log(sum);
      let loss = 0;
      if (labels) loss = logSum - z[base + labels[r]!]!;
      else for (let c = 0; c < classes; c++) { const t = soft![base + c]!; if (t !== 0) loss += t * (logSum - z[base + c]!); }
      l[r] = loss;
      for (let c = 0; c < classes; c++) p[base + c] = Math.exp(z[base + c]! - logSum);
    }
  }

  softmaxCrossEntropyGrad(probs: Storage, targets: Storage, rows: number, classes: number, dLoss: Storage, dx: Storage): void {
    const p = probs.f32();
    const g = dLoss.f32();
    const o = dx.f32();
    const labels = targets.dtype === 'int32' ? targets.i32() : null;
    const soft = labels ? null : targets.f32();
    for (let r = 0; r < rows; r++) {
      const base = r * classes;
      const d = g[r]!;
      for (let c = 0; c < classes; c++) {
        const t = labels ? (labels[r] === c ? 1 : 0) : soft![base + c]!;
        o[base + c] = (p[base + c]! - t) * d;
      }
    }
  }

  sigmoidCrossEntropy(logits: Storage, targets: Storage, losses: Storage): void {
    const x = logits.f32();
    const z = targets.f32();
    const l = losses.f32();
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      l[i] = Math.max(v, 0) - v * z[i]! + Math.log1p(Math.exp(-Math.abs(v)));
    }
  }

  sigmoidCrossEntropyGrad(logits: Storage, targets: Storage, dLoss: Storage, dx: Storage): void {
    const x = logits.f32();
    const z = targets.f32();
    const g = dLoss.f32();
    const o = dx.f32();
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const s = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
      o[i] = (s - z[i]!) * g[i]!;
    }
  }

  sgdStep(param: Storage, grad: Storage, velocity: Storage | undefined, { lr, momentum, nesterov, weightDecay }: SgdStepOptions): void {
    const p = param.f32();
    const g = grad.f32();
    const v = velocity?.f32();
    if (momentum > 0 && !v) throw new Error('sgdStep: momentum > 0 needs a velocity buffer');
    for (let i = 0; i < p.length; i++) {
      let d = g[i]! + weightDecay * p[i]!;
      if (v) {
        const vi = momentum * v[i]! + d;
        v[i] = vi;
        d = nesterov ? d + momentum * vi : vi;
      }
      p[i] = p[i]! - lr * d;
    }
  }

  adamStep(param: Storage, grad: Storage, m: Storage, v: Storage, { lr, beta1, beta2, eps, weightDecay, decoupled, step }: AdamStepOptions): void {
    const p = param.f32();
    const g = grad.f32();
    const ms = m.f32();
    const vs = v.f32();
    const c1 = 1 - beta1 ** step;
    const c2 = 1 - beta2 ** step;
    for (let i = 0; i < p.length; i++) {
      let w = p[i]!;
      let d = g[i]!;
      if (decoupled) w -= lr * weightDecay * w;
      else d += weightDecay * w;
      const mi = beta1 * ms[i]! + (1 - beta1) * d;
      const vi = beta2 * vs[i]! + (1 - beta2) * d * d;
      ms[i] = mi;
      vs[i] = vi;
      p[i] = w - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }

  conv2d(x: Storage, filter: Storage, out: Storage, g: Conv2dGeometry, bias?: Storage, activation?: KernelActivation): void {
    conv2dForward(x.f32(), filter.f32(), out.f32(), g, bias?.f32());
    if (activation && !activation.isIdentity) this.unary(activation, out, out);
  }

  conv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, g: Conv2dGeometry): void {
    conv2dBackwardInput(dy.f32(), filter.f32(), dx.f32(), g);
  }

  conv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, g: Conv2dGeometry, accumulate = false): void {
    conv2dBackwardFilter(x.f32(), dy.f32(), dFilter.f32(), g, accumulate);
  }

  maxPool2d(x: Storage, out: Storage, g: Pool2dGeometry, argmax: Storage): void {
    maxPool2dForward(x.f32(), out.f32(), g, argmax.i32());
  }

  maxPool2dBackward(dy: Storage, argmax: Storage, dx: Storage, _g?: Pool2dGeometry): void {
    maxPool2dBackward(dy.f32(), argmax.i32(), dx.f32());
  }

  avgPool2d(x: Storage, out: Storage, g: Pool2dGeometry): void {
    avgPool2dForward(x.f32(), out.f32(), g);
  }

  avgPool2dBackward(dy: Storage, dx: Storage, g: Pool2dGeometry): void {
    avgPool2dBackward(dy.f32(), dx.f32(), g);
  }
}

/** The JS reference backend: the kernels above on plain typed arrays, on one thread. */
export class JsBackend extends JsKernels implements Backend {
  readonly name = 'js' as const;
  readonly threads = 1;
  readonly maxThreads = 1;
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

  memory(): { blocks: number; bytes: number; reservedBytes: number } {
    return { blocks: this.blocks, bytes: this.bytes, reservedBytes: this.bytes };
  }

  setThreads(n: number): void {
    if (n !== 1) throw new RangeError(`setThreads: the js backend runs on one thread; n must be 1, got ${describe(n)}`);
  }
}
