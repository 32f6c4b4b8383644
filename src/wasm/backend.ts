/**
 * The WebAssembly backend object: memory from the JS-side heap (memory.ts), SIMD kernels from the module
 * for activations, PReLU and matmul, and every other kernel inherited from the JS reference backend.
 * Inheritance is by prototype: `WasmBackend.prototype` has `jsKernels` as its prototype, so a kernel
 * added to `jsKernels` works here at once (on views of wasm memory) until a wasm version overrides it.
 */
import { ACTIVATIONS } from '../activations/table.js';
import type { ActivationSpec } from '../activations/types.js';
import { jsKernels } from '../backend/js.js';
import type { ActivationCall, Backend, DType, Kernels, MatmulEpilogue, MatmulShape, Storage } from '../backend/types.js';
import type { WasmGlobal } from './engine.js';
import { WasmHeap, WasmStorage, type HeapStats } from './memory.js';

type ForwardKernel = (x: number, out: number, n: number, p0: number, p1: number) => void;
type GradKernel = (v: number, dy: number, dx: number, n: number, p0: number, p1: number) => void;
type MatmulKernel = (
  a: number, b: number, out: number, m: number, k: number, n: number, flags: number, bias: number,
  p0: number, p1: number, scratch: number,
) => void;

/** The module's exports that are not per-activation. */
export interface KernelExports {
  heapBase(): number;
  gemmScratchBytes(): number;
  preluChannels(x: number, slopes: number, channels: number, out: number, n: number): void;
  preluChannelsGrad(x: number, slopes: number, channels: number, dy: number, dx: number, dSlopes: number, n: number): void;
  TRANSPOSE_A: WasmGlobal;
  TRANSPOSE_B: WasmGlobal;
  ACCUMULATE: WasmGlobal;
}

/** The kernels of one table row, bound once at load. */
interface ActivationKernels {
  readonly forward: ForwardKernel;
  readonly backward: GradKernel;
  readonly backwardFromY: GradKernel | null;
  /** matmul with this activation as the fused epilogue. */
  readonly matmul: MatmulKernel;
  /** Parameter names in the order the kernels take them (p0, p1). */
  readonly paramNames: readonly string[];
}

/** The most parameters a table row may have: the kernels take p0 and p1. */
const MAX_PARAMS = 2;

const REBUILD_HINT = 'add its kernel to src/wasm/assembly/index.ts and run npm run build:wasm';

/**
 * Binds `<id>_forward`, `<id>_backward`, `<id>_backward_y` and `<id>_matmul` for every row of the table;
 * a row without its exports is an error here, at load, rather than a silent fallback later.
 */
export function bindActivationKernels(exports: Record<string, unknown>): Map<ActivationSpec, ActivationKernels> {
  const bound = new Map<ActivationSpec, ActivationKernels>();
  for (const spec of ACTIVATIONS) {
    if (spec.params.length > MAX_PARAMS) {
      throw new Error(`wasm backend: activation "${spec.id}" has ${spec.params.length} parameters but the kernels take at most ${MAX_PARAMS}`);
    }
    const kernel = <T>(suffix: string): T => {
      const name = `${spec.id}_${suffix}`;
      const f = exports[name];
      if (typeof f !== 'function') {
        throw new Error(`rectifier.wasm has no export "${name}" for the activation table row "${spec.id}": ${REBUILD_HINT}`);
      }
      return f as T;
    };
    bound.set(spec, {
      forward: kernel<ForwardKernel>('forward'),
      backward: kernel<GradKernel>('backward'),
      backwardFromY: spec.backwardFrom === 'y' ? kernel<GradKernel>('backward_y') : null,
      matmul: kernel<MatmulKernel>('matmul'),
      paramNames: spec.params.map((p) => p.name),
    });
  }
  return bound;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function checkCount(kernel: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${kernel}: ${name} must be a non-negative integer, got ${typeof value === 'number' ? value : describe(value)}`);
  }
  return value;
}

// A class and an interface of the same name merge: the class declares the kernels it overrides, the
// interface promises the ones reached through the prototype chain.
export interface WasmBackend extends Kernels {}

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  private readonly flags: { transposeA: number; transposeB: number; accumulate: number };
  private readonly linear: ActivationKernels;
  /** Byte offset of the matmul scratch block, reserved on first use (0: not yet). */
  private scratch = 0;

  constructor(
    private readonly exports: KernelExports,
    readonly heap: WasmHeap,
    private readonly activations: Map<ActivationSpec, ActivationKernels>,
  ) {
    this.flags = {
      transposeA: exports.TRANSPOSE_A.value as number,
      transposeB: exports.TRANSPOSE_B.value as number,
      accumulate: exports.ACCUMULATE.value as number,
    };
    const linearSpec = ACTIVATIONS.find((s) => s.id === 'linear');
    if (!linearSpec) throw new Error('wasm backend: the activation table has no "linear" row, which plain matmul uses');
    this.linear = activations.get(linearSpec)!;
  }

  allocate(length: number, dtype: DType): Storage {
    return this.heap.allocate(length, dtype);
  }

  release(storage: Storage): void {
    this.heap.release(storage);
  }

  memory(): HeapStats {
    return this.heap.stats();
  }

  unary(act: ActivationCall, x: Storage, out: Storage): void {
    const kernels = this.activations.get(act.spec);
    if (!kernels) return jsKernels.unary(act, x, out);
    const xs = this.own('unary', 'x', x);
    const os = this.own('unary', 'out', out);
    this.sameLength('unary', 'out', os, 'x', xs);
    kernels.forward(xs.ptr, os.ptr, xs.length, this.param('unary', act, kernels, 0), this.param('unary', act, kernels, 1));
  }

  unaryGrad(act: ActivationCall, x: Storage, dy: Storage, dx: Storage): void {
    const kernels = this.activations.get(act.spec);
    if (!kernels) return jsKernels.unaryGrad(act, x, dy, dx);
    this.grad('unaryGrad', kernels.backward, act, kernels, x, dy, dx);
  }

  unaryGradFromY(act: ActivationCall, y: Storage, dy: Storage, dx: Storage): void {
    const kernels = this.activations.get(act.spec);
    // Rows without a y-form get the reference's error message from the JS kernel.
    if (!kernels?.backwardFromY) return jsKernels.unaryGradFromY(act, y, dy, dx);
    this.grad('unaryGradFromY', kernels.backwardFromY, act, kernels, y, dy, dx);
  }

  prelu(x: Storage, slopes: Storage, channels: number, out: Storage): void {
    const xs = this.own('prelu', 'x', x);
    const ss = this.own('prelu', 'slopes', slopes);
    const os = this.own('prelu', 'out', out);
    this.checkChannels('prelu', channels, ss, xs);
    this.sameLength('prelu', 'out', os, 'x', xs);
    this.exports.preluChannels(xs.ptr, ss.ptr, channels, os.ptr, xs.length);
  }

  preluGrad(x: Storage, slopes: Storage, channels: number, dy: Storage, dx: Storage, dSlopes?: Storage): void {
    const xs = this.own('preluGrad', 'x', x);
    const ss = this.own('preluGrad', 'slopes', slopes);
    const gs = this.own('preluGrad', 'dy', dy);
    const ds = this.own('preluGrad', 'dx', dx);
    this.checkChannels('preluGrad', channels, ss, xs);
    this.sameLength('preluGrad', 'dy', gs, 'x', xs);
    this.sameLength('preluGrad', 'dx', ds, 'x', xs);
    let dSlopesPtr = 0;
    if (dSlopes !== undefined) {
      const dss = this.own('preluGrad', 'dSlopes', dSlopes);
      if (dss.length < Math.min(channels, xs.length)) {
        throw new RangeError(`preluGrad: dSlopes must hold one value per channel (${channels}), got ${dss.length}`);
      }
      dSlopesPtr = dss.ptr;
    }
    this.exports.preluChannelsGrad(xs.ptr, ss.ptr, channels, gs.ptr, ds.ptr, dSlopesPtr, xs.length);
  }

  matmul(a: Storage, b: Storage, out: Storage, shape: MatmulShape, epilogue?: MatmulEpilogue): void {
    if (shape === null || typeof shape !== 'object') {
      throw new TypeError(`matmul: shape must be an object { m, k, n, transposeA?, transposeB?, accumulate? }, got ${describe(shape)}`);
    }
    const m = checkCount('matmul', 'shape.m', shape.m);
    const k = checkCount('matmul', 'shape.k', shape.k);
    const n = checkCount('matmul', 'shape.n', shape.n);
    for (const flag of ['transposeA', 'transposeB', 'accumulate'] as const) {
      const v = shape[flag];
      if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`matmul: shape.${flag} must be a boolean, got ${describe(v)}`);
    }
    const as = this.own('matmul', 'a', a);
    const bs = this.own('matmul', 'b', b);
    const os = this.own('matmul', 'out', out);
    this.holds('matmul', 'a', as, m * k, `m·k = ${m}·${k}`);
    this.holds('matmul', 'b', bs, k * n, `k·n = ${k}·${n}`);
    this.holds('matmul', 'out', os, m * n, `m·n = ${m}·${n}`);
    for (const [name, input] of [['a', as], ['b', bs]] as const) {
      if (os.ptr < input.ptr + input.length * 4 && input.ptr < os.ptr + os.length * 4) {
        throw new Error(`matmul: out must not share memory with ${name}; the product is written while ${name} is still read`);
      }
    }
    let biasPtr = 0;
    if (epilogue?.bias !== undefined) {
      const bias = this.own('matmul', 'epilogue.bias', epilogue.bias);
      this.holds('matmul', 'epilogue.bias', bias, n, `n = ${n}`);
      biasPtr = bias.ptr;
    }
    const act = epilogue?.activation;
    const fused = act ? this.activations.get(act.spec) : this.linear;
    const kernels = fused ?? this.linear;
    const p0 = act && fused ? this.param('matmul', act, fused, 0) : 0;
    const p1 = act && fused ? this.param('matmul', act, fused, 1) : 0;
    const flags = (shape.transposeA ? this.flags.transposeA : 0)
      | (shape.transposeB ? this.flags.transposeB : 0)
      | (shape.accumulate ? this.flags.accumulate : 0);
    if (this.scratch === 0) this.scratch = this.heap.reserve(this.exports.gemmScratchBytes());
    kernels.matmul(as.ptr, bs.ptr, os.ptr, m, k, n, flags, biasPtr, p0, p1, this.scratch);
    if (act && !fused) {
      // An activation that is not a row of the table: the reference's scalar math, in a second pass.
      const values = os.f32();
      for (let i = 0; i < m * n; i++) values[i] = act.spec.f(values[i]!, act.params);
    }
  }

  private grad(
    kernel: string, run: GradKernel, act: ActivationCall, kernels: ActivationKernels, v: Storage, dy: Storage, dx: Storage,
  ): void {
    const vName = kernel === 'unaryGradFromY' ? 'y' : 'x';
    const vs = this.own(kernel, vName, v);
    const gs = this.own(kernel, 'dy', dy);
    const ds = this.own(kernel, 'dx', dx);
    this.sameLength(kernel, 'dy', gs, vName, vs);
    this.sameLength(kernel, 'dx', ds, vName, vs);
    run(vs.ptr, gs.ptr, ds.ptr, vs.length, this.param(kernel, act, kernels, 0), this.param(kernel, act, kernels, 1));
  }

  /** The i-th parameter of the call, in the order of the row's `params`; 0 when the row has fewer. */
  private param(kernel: string, act: ActivationCall, kernels: ActivationKernels, i: number): number {
    if (i >= kernels.paramNames.length) return 0;
    const name = kernels.paramNames[i]!;
    const value = act.params?.[name];
    if (typeof value !== 'number') {
      throw new TypeError(`${kernel}: ${act.spec.id} needs parameter ${name} as a number (resolveParams fills defaults), got ${describe(value)}`);
    }
    return value;
  }

  /**
   * The storage as this heap's live float32 block, recognised by its heap field: on small arrays an
   * instanceof test per argument can cost more than the kernel itself.
   */
  private own(kernel: string, name: string, s: Storage): WasmStorage {
    const w = s as WasmStorage;
    if (w?.heap !== this.heap || w.released || w.dtype !== 'float32') this.reject(kernel, name, s);
    return w;
  }

  private reject(kernel: string, name: string, s: Storage): never {
    if (!(s instanceof WasmStorage) || s.heap !== this.heap) {
      throw new TypeError(`${kernel}: ${name} must be storage allocated by this wasm backend, got ${describe(s)}`);
    }
    if (s.released) throw new Error(`${kernel}: ${name} (${s.length} values at byte ${s.ptr}) was used after release`);
    throw new TypeError(`${kernel}: ${name} must be float32 storage, got ${s.dtype}`);
  }

  private sameLength(kernel: string, name: string, s: WasmStorage, refName: string, ref: WasmStorage): void {
    if (s.length !== ref.length) {
      throw new RangeError(`${kernel}: ${name} must have as many elements as ${refName} (${ref.length}), got ${s.length}`);
    }
  }

  private holds(kernel: string, name: string, s: WasmStorage, needed: number, what: string): void {
    if (s.length < needed) throw new RangeError(`${kernel}: ${name} must hold at least ${what} = ${needed} values, got ${s.length}`);
  }

  private checkChannels(kernel: string, channels: number, slopes: WasmStorage, x: WasmStorage): void {
    if (!Number.isInteger(channels) || channels < 1) {
      throw new RangeError(`${kernel}: channels must be a positive integer, got ${channels}`);
    }
    if (slopes.length < Math.min(channels, x.length)) {
      throw new RangeError(`${kernel}: slopes must hold one value per channel (${channels}), got ${slopes.length}`);
    }
  }
}

// Every kernel that WasmBackend does not define is looked up on jsKernels.
Object.setPrototypeOf(WasmBackend.prototype, jsKernels);
