/**
 * The WebAssembly backend object: memory from the JS-side heap (memory.ts), SIMD kernels from the module
 * for activations, PReLU, matmul, convolution and pooling, and every other kernel inherited from the JS
 * reference kernels (`extends JsKernels`), which run unchanged on views of wasm memory: a kernel added
 * there works here at once until a wasm version overrides it.
 */
import { ACTIVATIONS } from '../activations/table.js';
import { checkConvGeometry, checkPoolGeometry, type Conv2dGeometry, type Pool2dGeometry } from '../backend/geometry.js';
import { JsKernels } from '../backend/js.js';
import type {
  AdamStepOptions, Backend, DType, KernelActivation, MatmulEpilogue, MatmulShape, SgdStepOptions, Storage,
} from '../backend/types.js';
import { describe } from '../util/describe.js';
import type { WasmGlobal, WasmMemory, WasmModule } from './engine.js';
import { WasmHeap, WasmStorage, type HeapStats } from './memory.js';
import { CONTROL_BYTES_PER_WORKER, ThreadPool, type Task } from './threads.js';

type ForwardKernel = (x: number, out: number, n: number, p0: number, p1: number) => void;
type GradKernel = (v: number, dy: number, dx: number, n: number, p0: number, p1: number) => void;
type MatmulKernel = (
  a: number, b: number, out: number, m: number, k: number, n: number, flags: number, bias: number,
  p0: number, p1: number, scratch: number, lda: number, ldb: number, ldc: number,
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
  conv2dForwardRows(x: number, filter: number, out: number, bias: number, g: number, r0: number, r1: number, panel: number, blockRows: number, scratch: number): void;
  conv2dBackwardInputRows(dy: number, filter: number, dx: number, g: number, r0: number, r1: number, panel: number, blockRows: number, scratch: number): void;
  conv2dBackwardFilterRows(x: number, dy: number, dFilter: number, g: number, r0: number, r1: number, panel: number, blockRows: number, scratch: number, accumulate: number): void;
  conv2dBackwardFilterChunks(x: number, dy: number, partials: number, g: number, rows: number, chunkRows: number, c0: number, c1: number, panel: number, blockRows: number, scratch: number): void;
  maxPoolImages(x: number, out: number, argmax: number, g: number, n0: number, n1: number): void;
  maxPoolBackwardRange(dy: number, argmax: number, dx: number, i0: number, i1: number): void;
  maxPoolBackwardTiled(dy: number, argmax: number, dx: number, g: number, n0: number, n1: number): void;
  sumRows(x: number, out: number, rows: number, n: number, accumulate: number): void;
  sumAxisF64(x: number, out: number, outer: number, n: number, inner: number, accumulate: number, acc: number): void;
  maxPoolCheck(argmax: number, count: number, limit: number): number;
  directPanelFloats(g: number): number;
  sumSquaresF64(x: number, n: number): number;
  squaredDistanceF64(a: number, b: number, n: number): number;
  absMaxF32(x: number, n: number): number;
  sgdUpdate(param: number, grad: number, velocity: number, n: number, lr: number, momentum: number, nesterov: number, weightDecay: number): void;
  adamUpdate(
    param: number, grad: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number, omb1: number, omb2: number,
    eps: number, weightDecay: number, decoupled: number, c1: number, c2: number,
  ): void;
}

/** What the loader hands the backend when the module runs on a shared memory that threads can use. */
export interface ThreadSetup {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  /** Threads to use at most (the caller included); 1 disables the workers. */
  readonly maxThreads: number;
  /** Threads to use at first (RECTIFIER_THREADS, or maxThreads). */
  readonly threads: number;
}

export interface WasmBackendInfo {
  /** The module file this backend runs. */
  readonly module: string;
  /** True when the GEMM uses relaxed SIMD's fused multiply-add. */
  readonly relaxedSimd: boolean;
  /** Why relaxed SIMD was asked for and not used, or null. */
  readonly relaxedSimdFailure: string | null;
}

/** The kernels of one table row, bound once at load. */
interface ActivationKernels {
  readonly forward: ForwardKernel;
  readonly backward: GradKernel;
  readonly backwardFromY: GradKernel | null;
  /** matmul with this activation as the fused epilogue. */
  readonly matmul: MatmulKernel;
  /** Its export name, for the threads. */
  readonly matmulName: string;
  /** Parameter names in the order the kernels take them (p0, p1). */
  readonly paramNames: readonly string[];
}

/**
 * Whether max pooling's windows do not overlap (stride = pool, no padding), so every input element has
 * at most one window: the backward can then write dx in one pass. The sizes of dy and dx must be the
 * geometry's, or the geometry is not this call's.
 */
function windowsDisjoint(fn: string, g: Pool2dGeometry, dyLength: number, dxLength: number): boolean {
  const sizes = checkPoolGeometry(fn, g);
  if (sizes.output !== dyLength || sizes.input !== dxLength) {
    throw new RangeError(`${fn}: dy and dx must hold ${sizes.output} and ${sizes.input} elements for this geometry, got ${dyLength} and ${dxLength}`);
  }
  return g.strideH === g.poolH && g.strideW === g.poolW && g.padTop === 0 && g.padLeft === 0 && g.outH * g.poolH <= g.inH && g.outW * g.poolW <= g.inW;
}

/** The GEMM's register tile (src/wasm/assembly/gemm.ts): threads split products in whole strips. */
const GEMM_MR = 5;
const GEMM_NR = 8;
/** Multiply-adds a thread must get before a call is split (a hand-off costs a few microseconds). */
const MIN_WORK_PER_THREAD = 1 << 18;
/** im2col panel size in floats (256 KiB). */
const PANEL_FLOATS = 1 << 16;
/**
 * Convolutions with at most this many taps (kh·kw·inC) and a multiple of 4 output channels run the
 * direct kernels (src/wasm/assembly/conv-direct.ts) forward and for the filter gradient: a first layer
 * over grayscale or RGB images, where im2col + GEMM is mostly data movement.
 */
const DIRECT_MAX_PATCH = 32;
/** Partial sums of a conv filter gradient: at most this many, whatever the thread count. */
const FILTER_CHUNKS = 8;

/** The most parameters a table row may have: the kernels take p0 and p1. */
const MAX_PARAMS = 2;

const REBUILD_HINT = 'add its kernel to src/wasm/assembly/index.ts and run npm run build:wasm';

/**
 * Binds `<id>_forward`, `<id>_backward`, `<id>_backward_y` and `<id>_matmul` for every row of the table;
 * a row without its exports is an error here, at load, rather than a silent fallback later.
 */
export function bindActivationKernels(exports: Record<string, unknown>): Map<string, ActivationKernels> {
  const bound = new Map<string, ActivationKernels>();
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
    bound.set(spec.id, {
      forward: kernel<ForwardKernel>('forward'),
      backward: kernel<GradKernel>('backward'),
      backwardFromY: spec.backwardFrom === 'y' ? kernel<GradKernel>('backward_y') : null,
      matmul: kernel<MatmulKernel>('matmul'),
      matmulName: `${spec.id}_matmul`,
      paramNames: spec.params.map((p) => p.name),
    });
  }
  return bound;
}

function checkCount(kernel: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${kernel}: ${name} must be a non-negative integer, got ${typeof value === 'number' ? value : describe(value)}`);
  }
  return value;
}

export class WasmBackend extends JsKernels implements Backend {
  readonly name = 'wasm' as const;
  private readonly flags: { transposeA: number; transposeB: number; accumulate: number };
  private readonly linear: ActivationKernels;
  /** Per thread: byte offset of its GEMM scratch block, reserved on first use (0: not yet). */
  private readonly scratch: number[] = [];
  /** Per thread: its im2col panel, grown on demand and kept. */
  private readonly panels: (WasmStorage | null)[] = [];
  /** Chunk partials of the conv filter gradient, grown on demand and kept. */
  private partials: WasmStorage | null = null;
  /** float64 accumulators of sumAxis (two float32 slots each), grown on demand and kept. */
  private accumulator: WasmStorage | null = null;
  /** Byte offset of the geometry block the conv/pool kernels read (12 i32). */
  private geometry = 0;
  private pool: ThreadPool | null = null;
  /** Threads a large kernel call is split over (1: the calling thread only). */
  private threadCount = 1;
  /** Most threads setThreads accepts: the cores when the module runs on shared memory, else 1. */
  readonly maxThreads: number;

  constructor(
    private readonly exports: KernelExports,
    readonly heap: WasmHeap,
    private readonly activations: Map<string, ActivationKernels>,
    private readonly threadSetup: ThreadSetup | null = null,
    readonly info: WasmBackendInfo = { module: 'rectifier.wasm', relaxedSimd: false, relaxedSimdFailure: null },
  ) {
    super();
    this.maxThreads = threadSetup ? Math.max(1, threadSetup.maxThreads) : 1;
    this.threadCount = threadSetup ? Math.min(this.maxThreads, Math.max(1, threadSetup.threads)) : 1;
    this.flags = {
      transposeA: exports.TRANSPOSE_A.value as number,
      transposeB: exports.TRANSPOSE_B.value as number,
      accumulate: exports.ACCUMULATE.value as number,
    };
    const linear = activations.get('linear');
    if (!linear) throw new Error('wasm backend: the activation table has no "linear" row, which plain matmul uses');
    this.linear = linear;
  }

  allocate(length: number, dtype: DType): Storage {
    return this.heap.allocate(length, dtype);
  }

  /** Threads large kernel calls are split over. */
  get threads(): number {
    return this.threadCount;
  }

  /**
   * Sets the threads large kernel calls are split over, from 1 (the calling thread only) to maxThreads.
   * Results have the same bits on any number of threads: each output element is computed by one thread,
   * in an order that does not depend on the split.
   */
  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > this.maxThreads) {
      throw new RangeError(`setThreads: n must be an integer from 1 to ${this.maxThreads} (${this.maxThreads === 1 ? 'this module has no shared memory' : 'the cores of this machine'}), got ${typeof n === 'number' ? n : describe(n)}`);
    }
    this.threadCount = n;
    // Start the workers now, so that they are ready by the first call large enough to use them.
    if (n > 1) this.ensurePool().start();
  }

  /**
   * Threads that can take work now: the caller plus the workers that have started (workers start on
   * setThreads(n > 1) or on the first large call, and take a moment to instantiate the module).
   */
  readyThreads(): number {
    return 1 + (this.pool?.readyWorkers() ?? 0);
  }

  /** Threads for a call of `work` multiply-adds: one unless each thread gets enough to pay for the hand-off. */
  private threadsFor(work: number): number {
    if (this.threadCount === 1) return 1;
    return Math.max(1, Math.min(this.threadCount, Math.floor(work / MIN_WORK_PER_THREAD)));
  }

  private scratchOf(t: number): number {
    let s = this.scratch[t];
    if (s === undefined) this.scratch[t] = s = this.heap.reserve(this.exports.gemmScratchBytes());
    return s;
  }

  private panelOf(t: number, floats: number): number {
    let p = this.panels[t] ?? null;
    if (p === null || p.length < floats) {
      if (p) this.heap.release(p);
      p = this.heap.allocateWorkspace(floats);
      this.panels[t] = p;
    }
    return p.ptr;
  }

  /**
   * Runs the tasks (one per thread): task 0 here, the others on the workers. Every thread's scratch and
   * panels are allocated by the caller before, because only this thread may allocate.
   */
  private runTasks(tasks: Task[]): void {
    const local = (task: Task): void => {
      (this.exports as unknown as Record<string, (...a: number[]) => void>)[task.fn]!(...task.args);
    };
    if (tasks.length === 1 || !this.threadSetup) {
      for (const t of tasks) local(t);
      return;
    }
    this.ensurePool().run(tasks, local);
  }

  private ensurePool(): ThreadPool {
    if (!this.threadSetup) throw new Error('wasm backend: this module has no shared memory, so it cannot use threads');
    if (!this.pool) {
      const workers = this.maxThreads - 1;
      const control = this.heap.reserve(workers * CONTROL_BYTES_PER_WORKER);
      new Int32Array(this.heap.memory.buffer, control, (workers * CONTROL_BYTES_PER_WORKER) / 4).fill(0);
      const names = Object.keys(this.exports).filter((k) => typeof (this.exports as unknown as Record<string, unknown>)[k] === 'function');
      this.pool = new ThreadPool(this.threadSetup.module, this.threadSetup.memory, control, workers, names);
    }
    return this.pool;
  }

  /** Writes a geometry to the block the conv/pool kernels read. */
  private writeGeometry(fields: readonly number[]): number {
    if (this.geometry === 0) this.geometry = this.heap.reserve(64);
    new Int32Array(this.heap.memory.buffer, this.geometry, fields.length).set(fields);
    return this.geometry;
  }

  release(storage: Storage): void {
    this.heap.release(storage);
  }

  memory(): HeapStats {
    return this.heap.stats();
  }

  override unary(act: KernelActivation, x: Storage, out: Storage): void {
    const kernels = this.activations.get(act.id);
    if (!kernels) return super.unary(act, x, out);
    const xs = this.own('unary', 'x', x);
    const os = this.own('unary', 'out', out);
    this.sameLength('unary', 'out', os, 'x', xs);
    kernels.forward(xs.ptr, os.ptr, xs.length, this.param('unary', act, kernels, 0), this.param('unary', act, kernels, 1));
  }

  override unaryGrad(act: KernelActivation, x: Storage, dy: Storage, dx: Storage): void {
    const kernels = this.activations.get(act.id);
    if (!kernels) return super.unaryGrad(act, x, dy, dx);
    this.grad('unaryGrad', kernels.backward, act, kernels, x, dy, dx);
  }

  override unaryGradFromY(act: KernelActivation, y: Storage, dy: Storage, dx: Storage): void {
    const kernels = this.activations.get(act.id);
    // Rows without a y-form get the reference's error message from the JS kernel.
    if (!kernels?.backwardFromY) return super.unaryGradFromY(act, y, dy, dx);
    this.grad('unaryGradFromY', kernels.backwardFromY, act, kernels, y, dy, dx);
  }

  override prelu(x: Storage, slopes: Storage, channels: number, out: Storage): void {
    const xs = this.own('prelu', 'x', x);
    const ss = this.own('prelu', 'slopes', slopes);
    const os = this.own('prelu', 'out', out);
    this.checkChannels('prelu', channels, ss, xs);
    this.sameLength('prelu', 'out', os, 'x', xs);
    this.exports.preluChannels(xs.ptr, ss.ptr, channels, os.ptr, xs.length);
  }

  override preluGrad(x: Storage, slopes: Storage, channels: number, dy: Storage, dx: Storage, dSlopes?: Storage): void {
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

  override matmul(a: Storage, b: Storage, out: Storage, shape: MatmulShape, epilogue?: MatmulEpilogue): void {
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
    const fused = act ? this.activations.get(act.id) : this.linear;
    const kernels = fused ?? this.linear;
    const p0 = act && fused ? this.param('matmul', act, fused, 0) : 0;
    const p1 = act && fused ? this.param('matmul', act, fused, 1) : 0;
    const flags = (shape.transposeA ? this.flags.transposeA : 0)
      | (shape.transposeB ? this.flags.transposeB : 0)
      | (shape.accumulate ? this.flags.accumulate : 0);
    const threads = this.threadsFor(m * n * k);
    if (threads === 1) {
      kernels.matmul(as.ptr, bs.ptr, os.ptr, m, k, n, flags, biasPtr, p0, p1, this.scratchOf(0), 0, 0, 0);
    } else {
      this.matmulThreads(kernels.matmulName, as.ptr, bs.ptr, os.ptr, m, k, n, shape, flags, biasPtr, p0, p1, threads);
    }
    if (act && !fused) {
      // An activation that is not a row of the table: the reference's scalar math, in a second pass.
      const values = os.f32();
      for (let i = 0; i < m * n; i++) values[i] = act.f(values[i]!, act.params);
    }
  }

  /**
   * The product split into blocks of whole MR-row or NR-column strips, one per thread, along the
   * dimension whose other operand is the smaller one (each thread packs all of that operand).
   */
  private matmulThreads(
    name: string, a: number, b: number, out: number, m: number, k: number, n: number, shape: MatmulShape, flags: number,
    bias: number, p0: number, p1: number, threads: number,
  ): void {
    const splitRows = n < m;
    const dim = splitRows ? m : n;
    const unit = splitRows ? GEMM_MR : GEMM_NR;
    const per = Math.ceil(Math.ceil(dim / unit) / threads) * unit;
    const tasks: Task[] = [];
    for (let t = 0, s0 = 0; s0 < dim; t++, s0 += per) {
      const size = Math.min(per, dim - s0);
      const scratch = this.scratchOf(t);
      if (splitRows) {
        const aBlock = shape.transposeA ? a + s0 * 4 : a + s0 * k * 4;
        tasks.push({ fn: name, args: [aBlock, b, out + s0 * n * 4, size, k, n, flags, bias, p0, p1, scratch, shape.transposeA ? m : k, 0, n] });
      } else {
        const bBlock = shape.transposeB ? b + s0 * k * 4 : b + s0 * 4;
        tasks.push({ fn: name, args: [a, bBlock, out + s0 * 4, m, k, size, flags, bias ? bias + s0 * 4 : 0, p0, p1, scratch, 0, shape.transposeB ? k : n, n] });
      }
    }
    this.runTasks(tasks);
  }

  override sumAxis(x: Storage, out: Storage, outer: number, n: number, inner: number, accumulate = false): void {
    const xs = x as WasmStorage;
    const os = out as WasmStorage;
    // Bias gradients in every training step: the module's float64 sum, the same bits as the reference.
    if (xs?.heap !== this.heap || os?.heap !== this.heap || xs.released || os.released || xs.dtype !== 'float32' || os.dtype !== 'float32' ||
      !(outer >= 0 && n >= 0 && inner >= 0) || xs.length < outer * n * inner || os.length < outer * inner || typeof accumulate !== 'boolean') {
      return super.sumAxis(x, out, outer, n, inner, accumulate);
    }
    if (!this.accumulator || this.accumulator.length < inner * 2) {
      if (this.accumulator) this.heap.release(this.accumulator);
      this.accumulator = this.heap.allocateWorkspace(inner * 2);
    }
    this.exports.sumAxisF64(xs.ptr, os.ptr, outer, n, inner, accumulate ? 1 : 0, this.accumulator.ptr);
  }

  // Reductions (norms for clipping and the monitor): float64 sums in the module.

  override sumSquares(x: Storage): number {
    const xs = this.own('sumSquares', 'x', x);
    return this.exports.sumSquaresF64(xs.ptr, xs.length);
  }

  override squaredDistance(a: Storage, b: Storage): number {
    const as = this.own('squaredDistance', 'a', a);
    const bs = this.own('squaredDistance', 'b', b);
    this.sameLength('squaredDistance', 'b', bs, 'a', as);
    return this.exports.squaredDistanceF64(as.ptr, bs.ptr, as.length);
  }

  override absMax(x: Storage): number {
    const xs = this.own('absMax', 'x', x);
    return this.exports.absMaxF32(xs.ptr, xs.length);
  }

  // Optimizer steps: float64 arithmetic in the reference's order, so the same bits as the js backend.

  override sgdStep(param: Storage, grad: Storage, velocity: Storage | undefined, options: SgdStepOptions): void {
    const ps = this.own('sgdStep', 'param', param);
    const gs = this.own('sgdStep', 'grad', grad);
    this.sameLength('sgdStep', 'grad', gs, 'param', ps);
    const { lr, momentum, nesterov, weightDecay } = options;
    let vPtr = 0;
    if (velocity !== undefined) {
      const vs = this.own('sgdStep', 'velocity', velocity);
      this.sameLength('sgdStep', 'velocity', vs, 'param', ps);
      vPtr = vs.ptr;
    }
    if (momentum > 0 && vPtr === 0) throw new Error('sgdStep: momentum > 0 needs a velocity buffer');
    this.exports.sgdUpdate(ps.ptr, gs.ptr, vPtr, ps.length, lr, momentum, nesterov ? 1 : 0, weightDecay);
  }

  override adamStep(param: Storage, grad: Storage, m: Storage, v: Storage, options: AdamStepOptions): void {
    const ps = this.own('adamStep', 'param', param);
    const gs = this.own('adamStep', 'grad', grad);
    const ms = this.own('adamStep', 'm', m);
    const vs = this.own('adamStep', 'v', v);
    for (const [name, s] of [['grad', gs], ['m', ms], ['v', vs]] as const) this.sameLength('adamStep', name, s, 'param', ps);
    const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = options;
    this.exports.adamUpdate(
      ps.ptr, gs.ptr, ms.ptr, vs.ptr, ps.length, lr, beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay, decoupled ? 1 : 0,
      1 - beta1 ** step, 1 - beta2 ** step,
    );
  }

  // Convolution and pooling: im2col + GEMM in the module, split over the threads by output rows.

  private convArgs(
    kernel: string, g: Conv2dGeometry, fusedRelu = false,
  ): { rows: number; patch: number; filter: number; geometry: number; blockRows: number; panelFloats: number } {
    const sizes = checkConvGeometry(kernel, g);
    const direct = sizes.patch <= DIRECT_MAX_PATCH && g.outC % 4 === 0 ? 1 : 0;
    const geometry = this.writeGeometry([
      g.inH, g.inW, g.inC, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW, g.outC, direct, fusedRelu ? 1 : 0,
    ]);
    // Panels of about 256 KiB: in L2 beside the GEMM's packed blocks, and many rows per GEMM call.
    const blockRows = Math.max(GEMM_MR, Math.min(4096, Math.floor(PANEL_FLOATS / sizes.patch / GEMM_MR) * GEMM_MR));
    // The direct kernels use the panel for one zero-padded image instead.
    const panelFloats = Math.max(blockRows * sizes.patch, direct ? this.exports.directPanelFloats(geometry) : 0);
    return { rows: sizes.rows, patch: sizes.patch, filter: sizes.filter, geometry, blockRows, panelFloats };
  }

  private checkSize(kernel: string, name: string, s: WasmStorage, expected: number, meaning: string): void {
    if (s.length !== expected) throw new RangeError(`${kernel}: ${name} must have ${meaning} = ${expected} elements, got ${s.length}`);
  }

  override conv2d(x: Storage, filter: Storage, out: Storage, g: Conv2dGeometry, bias?: Storage, activation?: KernelActivation): void {
    const fn = 'conv2d';
    // relu is fused into the epilogue (written into the geometry block); any other activation runs after.
    const act = activation && !activation.isIdentity ? activation : null;
    const fusedRelu = act?.id === 'relu';
    const c = this.convArgs(fn, g, fusedRelu);
    const xs = this.own(fn, 'x', x);
    const fs = this.own(fn, 'filter', filter);
    const os = this.own(fn, 'out', out);
    this.checkSize(fn, 'x', xs, g.batch * g.inH * g.inW * g.inC, 'batch·inH·inW·inC');
    this.checkSize(fn, 'filter', fs, c.filter, 'kh·kw·inC·outC');
    this.checkSize(fn, 'out', os, c.rows * g.outC, 'batch·outH·outW·outC');
    let biasPtr = 0;
    if (bias !== undefined) {
      const bs = this.own(fn, 'bias', bias);
      this.checkSize(fn, 'bias', bs, g.outC, 'outC');
      biasPtr = bs.ptr;
    }
    if (c.rows === 0) return;
    const threads = this.threadsFor(c.rows * c.patch * g.outC);
    const per = Math.ceil(Math.ceil(c.rows / GEMM_MR) / threads) * GEMM_MR;
    const tasks: Task[] = [];
    for (let t = 0, r0 = 0; r0 < c.rows; t++, r0 += per) {
      const panel = this.panelOf(t, c.panelFloats);
      tasks.push({ fn: 'conv2dForwardRows', args: [xs.ptr, fs.ptr, os.ptr, biasPtr, c.geometry, r0, Math.min(c.rows, r0 + per), panel, c.blockRows, this.scratchOf(t)] });
    }
    this.runTasks(tasks);
    if (act && !fusedRelu) this.unary(act, out, out);
  }

  override conv2dBackwardInput(dy: Storage, filter: Storage, dx: Storage, g: Conv2dGeometry): void {
    const fn = 'conv2dBackwardInput';
    const c = this.convArgs(fn, g);
    const gs = this.own(fn, 'dy', dy);
    const fs = this.own(fn, 'filter', filter);
    const ds = this.own(fn, 'dx', dx);
    this.checkSize(fn, 'dy', gs, c.rows * g.outC, 'batch·outH·outW·outC');
    this.checkSize(fn, 'filter', fs, c.filter, 'kh·kw·inC·outC');
    this.checkSize(fn, 'dx', ds, g.batch * g.inH * g.inW * g.inC, 'batch·inH·inW·inC');
    ds.f32().fill(0);
    if (c.rows === 0) return;
    // Whole images per thread: col2im of two images never adds into the same element of dx.
    const threads = Math.min(g.batch, this.threadsFor(c.rows * c.patch * g.outC));
    const imagesPer = Math.ceil(g.batch / threads);
    const rowsPerImage = g.outH * g.outW;
    const tasks: Task[] = [];
    for (let t = 0, n0 = 0; n0 < g.batch; t++, n0 += imagesPer) {
      const panel = this.panelOf(t, c.panelFloats);
      const r0 = n0 * rowsPerImage;
      const r1 = Math.min(g.batch, n0 + imagesPer) * rowsPerImage;
      tasks.push({ fn: 'conv2dBackwardInputRows', args: [gs.ptr, fs.ptr, ds.ptr, c.geometry, r0, r1, panel, c.blockRows, this.scratchOf(t)] });
    }
    this.runTasks(tasks);
  }

  override conv2dBackwardFilter(x: Storage, dy: Storage, dFilter: Storage, g: Conv2dGeometry, accumulate = false): void {
    const fn = 'conv2dBackwardFilter';
    if (typeof accumulate !== 'boolean') throw new TypeError(`${fn}: accumulate must be a boolean, got ${describe(accumulate)}`);
    const c = this.convArgs(fn, g);
    const xs = this.own(fn, 'x', x);
    const gs = this.own(fn, 'dy', dy);
    const ds = this.own(fn, 'dFilter', dFilter);
    this.checkSize(fn, 'x', xs, g.batch * g.inH * g.inW * g.inC, 'batch·inH·inW·inC');
    this.checkSize(fn, 'dy', gs, c.rows * g.outC, 'batch·outH·outW·outC');
    this.checkSize(fn, 'dFilter', ds, c.filter, 'kh·kw·inC·outC');
    if (c.rows === 0) {
      if (!accumulate) ds.f32().fill(0);
      return;
    }
    // A sum over all rows: fixed chunks (from the geometry alone), each into its own partial, summed in
    // chunk order, so that the bits do not depend on how many threads took the chunks.
    const blocks = Math.ceil(c.rows / c.blockRows);
    const chunks = Math.min(FILTER_CHUNKS, blocks);
    if (chunks === 1) {
      this.exports.conv2dBackwardFilterRows(xs.ptr, gs.ptr, ds.ptr, c.geometry, 0, c.rows, this.panelOf(0, c.panelFloats), c.blockRows, this.scratchOf(0), accumulate ? 1 : 0);
      return;
    }
    const chunkRows = Math.ceil(blocks / chunks) * c.blockRows;
    const chunkCount = Math.ceil(c.rows / chunkRows);
    if (!this.partials || this.partials.length < chunkCount * c.filter) {
      if (this.partials) this.heap.release(this.partials);
      this.partials = this.heap.allocateWorkspace(chunkCount * c.filter);
    }
    const partials = this.partials.ptr;
    const threads = Math.min(chunkCount, this.threadsFor(c.rows * c.patch * g.outC));
    const per = Math.ceil(chunkCount / threads);
    const tasks: Task[] = [];
    for (let t = 0, c0 = 0; c0 < chunkCount; t++, c0 += per) {
      const panel = this.panelOf(t, c.panelFloats);
      tasks.push({
        fn: 'conv2dBackwardFilterChunks',
        args: [xs.ptr, gs.ptr, partials, c.geometry, c.rows, chunkRows, c0, Math.min(chunkCount, c0 + per), panel, c.blockRows, this.scratchOf(t)],
      });
    }
    this.runTasks(tasks);
    this.exports.sumRows(partials, ds.ptr, chunkCount, c.filter, accumulate ? 1 : 0);
  }

  override maxPool2d(x: Storage, out: Storage, g: Pool2dGeometry, argmax: Storage): void {
    const fn = 'maxPool2d';
    const sizes = checkPoolGeometry(fn, g);
    const xs = this.own(fn, 'x', x);
    const os = this.own(fn, 'out', out);
    const as = argmax as WasmStorage;
    if (as?.heap !== this.heap || as.released || as.dtype !== 'int32') {
      throw new TypeError(`${fn}: argmax must be live int32 storage of this wasm backend, got ${describe(argmax)}${as?.dtype ? ` (${as.dtype})` : ''}`);
    }
    this.checkSize(fn, 'x', xs, sizes.input, 'batch·inH·inW·channels');
    this.checkSize(fn, 'out', os, sizes.output, 'batch·outH·outW·channels');
    this.checkSize(fn, 'argmax', as, sizes.output, 'batch·outH·outW·channels');
    const geometry = this.writeGeometry([g.inH, g.inW, g.channels, g.poolH, g.poolW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW, 0]);
    const threads = Math.min(g.batch, this.threadsFor(sizes.output * g.poolH * g.poolW * 8));
    const per = Math.ceil(g.batch / Math.max(1, threads));
    const tasks: Task[] = [];
    for (let n0 = 0; n0 < g.batch; n0 += per) {
      tasks.push({ fn: 'maxPoolImages', args: [xs.ptr, os.ptr, as.ptr, geometry, n0, Math.min(g.batch, n0 + per)] });
    }
    this.runTasks(tasks);
  }

  override maxPool2dBackward(dy: Storage, argmax: Storage, dx: Storage, g?: Pool2dGeometry): void {
    const fn = 'maxPool2dBackward';
    const gs = this.own(fn, 'dy', dy);
    const ds = this.own(fn, 'dx', dx);
    const as = argmax as WasmStorage;
    if (as?.heap !== this.heap || as.released || as.dtype !== 'int32') {
      throw new TypeError(`${fn}: argmax must be live int32 storage of this wasm backend, got ${describe(argmax)}${as?.dtype ? ` (${as.dtype})` : ''}`);
    }
    if (as.length !== gs.length) throw new RangeError(`${fn}: argmax must have one entry per element of dy (${gs.length}), got ${as.length}`);
    // The indices are trusted only after a check: a stale argmax must not write outside dx.
    const limit = ds.length;
    const bad = this.exports.maxPoolCheck(as.ptr, as.length, limit);
    if (bad >= 0) {
      throw new RangeError(`${fn}: argmax[${bad}] must index dx (0 … ${limit - 1}), got ${as.i32()[bad]}; was it recorded for an input of this size?`);
    }
    if (g !== undefined && windowsDisjoint(fn, g, gs.length, ds.length)) {
      const geometry = this.writeGeometry([g.inH, g.inW, g.channels, g.poolH, g.poolW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW, 0]);
      const threads = Math.min(g.batch, this.threadsFor(ds.length * 2));
      const per = Math.ceil(g.batch / Math.max(1, threads));
      const tasks: Task[] = [];
      for (let n0 = 0; n0 < g.batch; n0 += per) {
        tasks.push({ fn: 'maxPoolBackwardTiled', args: [gs.ptr, as.ptr, ds.ptr, geometry, n0, Math.min(g.batch, n0 + per)] });
      }
      this.runTasks(tasks);
      return;
    }
    ds.f32().fill(0);
    this.exports.maxPoolBackwardRange(gs.ptr, as.ptr, ds.ptr, 0, gs.length);
  }

  private grad(
    kernel: string, run: GradKernel, act: KernelActivation, kernels: ActivationKernels, v: Storage, dy: Storage, dx: Storage,
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
  private param(kernel: string, act: KernelActivation, kernels: ActivationKernels, i: number): number {
    if (i >= kernels.paramNames.length) return 0;
    const name = kernels.paramNames[i]!;
    const value = act.params?.[name];
    if (typeof value !== 'number') {
      throw new TypeError(`${kernel}: ${act.id} needs parameter ${name} as a number (resolveParams fills defaults), got ${describe(value)}`);
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
