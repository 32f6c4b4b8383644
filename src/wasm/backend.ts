/**
 * The WebAssembly backend object: each kernel call checked, then dispatched to the module's SIMD kernels
 * for activations, PReLU, matmul, convolution, pooling, reductions and optimizer steps, with large calls
 * split over the kernel threads (split.ts decides how, pool.ts runs the pieces). Memory comes from the
 * JS-side heap (memory.ts); every other kernel is inherited from the JS reference kernels
 * (`extends JsKernels`), which run unchanged on views of wasm memory: a kernel added there works here at
 * once until a wasm version overrides it.
 */
import { checkConvGeometry, checkPoolGeometry, type Conv2dGeometry, type Pool2dGeometry } from '../backend/geometry.js';
import { JsKernels } from '../backend/js.js';
import type {
  AdamStepOptions, Backend, DType, KernelActivation, MatmulEpilogue, MatmulShape, SgdStepOptions, Storage,
} from '../backend/types.js';
import { describe } from '../util/describe.js';
import type { ActivationKernels, GradKernel, KernelExports } from './bind.js';
import type { WasmMemory, WasmModule } from './engine.js';
import { WasmHeap, WasmStorage, type HeapStats } from './memory.js';
import { ThreadPool, type Task } from './pool.js';
import { CONTROL_BYTES_PER_WORKER } from './protocol.js';
import { GEMM_MR, SEQUENTIAL_MIN_WORK, convPanels, filterChunks, matmulSplit, threadsFor, unitBlocks } from './split.js';
import { Workspace } from './workspace.js';

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
  /** Why relaxed SIMD is not used although it was asked for, or null. */
  readonly relaxedSimdFailure: string | null;
  /** Why this backend runs on one thread only (no shared memory here), or null when it can use threads. */
  readonly threadsUnavailable: string | null;
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
  private readonly work: Workspace;
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
    readonly info: WasmBackendInfo = { module: 'rectifier.wasm', relaxedSimd: false, relaxedSimdFailure: null, threadsUnavailable: null },
  ) {
    super();
    this.work = new Workspace(heap, exports.gemmScratchBytes());
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
      const why = this.maxThreads > 1 ? 'the cores of this machine' : this.info.threadsUnavailable ?? 'this module has no shared memory';
      throw new RangeError(`setThreads: n must be an integer from 1 to ${this.maxThreads} (${why}), got ${typeof n === 'number' ? n : describe(n)}`);
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

  /**
   * Starts the workers the current thread count needs and resolves once they can take work (a browser
   * starts workers only while the page's thread is free, so a page awaits this before training).
   */
  async threadsReady(): Promise<void> {
    if (this.threadCount > 1) await this.ensurePool().whenReady(this.threadCount - 1);
  }

  /** Threads for a call of `work` multiply-adds. */
  private threadsFor(work: number): number {
    return threadsFor(work, this.threadCount);
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

  release(storage: Storage): void {
    this.heap.release(storage);
  }

  /**
   * The module's cell kernel for these activations ('Tanh' or 'Relu' after sigmoid gates) when units is a
   * multiple of 4 and every storage is this heap's; null sends the call to the reference kernel.
   */
  private cellVariant(gate: KernelActivation, cell: KernelActivation, units: number, storages: readonly (Storage | null)[]): 'Tanh' | 'Relu' | null {
    if (gate.id !== 'sigmoid' || units % 4 !== 0) return null;
    const variant = cell.id === 'tanh' ? 'Tanh' : cell.id === 'relu' ? 'Relu' : null;
    if (!variant) return null;
    for (const s of storages) {
      const w = s as WasmStorage | null;
      if (w !== null && (w.heap !== this.heap || w.released || w.dtype !== 'float32')) return null;
    }
    return variant;
  }

  override lstmCell(gates: Storage, cPrev: Storage | null, c: Storage, h: Storage, rows: number, units: number, gate: KernelActivation, cell: KernelActivation): void {
    const v = this.cellVariant(gate, cell, units, [gates, cPrev, c, h]);
    if (!v || gates.length < rows * 4 * units || c.length < rows * units || h.length < rows * units) return super.lstmCell(gates, cPrev, c, h, rows, units, gate, cell);
    this.exports[`lstmCellSigmoid${v}`](gates.ptr, cPrev?.ptr ?? 0, c.ptr, h.ptr, rows, units);
  }

  override lstmCellGrad(
    gates: Storage, cPrev: Storage | null, c: Storage, dh: Storage, dc: Storage, dGates: Storage, rows: number, units: number,
    gate: KernelActivation, cell: KernelActivation,
  ): void {
    const v = this.cellVariant(gate, cell, units, [gates, cPrev, c, dh, dc, dGates]);
    if (!v || gates.length < rows * 4 * units || dGates.length < rows * 4 * units || dc.length < rows * units) {
      return super.lstmCellGrad(gates, cPrev, c, dh, dc, dGates, rows, units, gate, cell);
    }
    this.exports[`lstmCellGradSigmoid${v}`](gates.ptr, cPrev?.ptr ?? 0, c.ptr, dh.ptr, dc.ptr, dGates.ptr, rows, units);
  }

  override gruCell(x: Storage, hr: Storage, hPrev: Storage | null, h: Storage, rows: number, units: number, gate: KernelActivation, cell: KernelActivation): void {
    const v = this.cellVariant(gate, cell, units, [x, hr, hPrev, h]);
    if (!v || x.length < rows * 3 * units || hr.length < rows * 3 * units || h.length < rows * units) return super.gruCell(x, hr, hPrev, h, rows, units, gate, cell);
    this.exports[`gruCellSigmoid${v}`](x.ptr, hr.ptr, hPrev?.ptr ?? 0, h.ptr, rows, units);
  }

  override gruCellGrad(
    x: Storage, hr: Storage, hPrev: Storage | null, dh: Storage, dX: Storage, dHr: Storage, dhPrev: Storage | null, rows: number, units: number,
    gate: KernelActivation, cell: KernelActivation,
  ): void {
    const v = this.cellVariant(gate, cell, units, [x, hr, hPrev, dh, dX, dHr, dhPrev]);
    if (!v || dX.length < rows * 3 * units || dHr.length < rows * 3 * units) return super.gruCellGrad(x, hr, hPrev, dh, dX, dHr, dhPrev, rows, units, gate, cell);
    this.exports[`gruCellGradSigmoid${v}`](x.ptr, hr.ptr, hPrev?.ptr ?? 0, dh.ptr, dX.ptr, dHr.ptr, dhPrev?.ptr ?? 0, rows, units);
  }

  override swapLeadingAxes(x: Storage, out: Storage, a: number, b: number, inner: number): void {
    const xs = this.own('swapLeadingAxes', 'x', x);
    const os = this.own('swapLeadingAxes', 'out', out);
    const n = a * b * inner;
    if (!(Number.isInteger(n) && n >= 0) || xs.length < n || os.length < n) {
      throw new RangeError(`swapLeadingAxes: x and out must hold a·b·inner = ${n} values, got ${xs.length} and ${os.length}`);
    }
    this.exports.swapLeadingAxes(xs.ptr, os.ptr, a, b, inner);
  }

  /** A view into the block: the same heap, a pointer further on (never released; it lives as its block does). */
  override slice(storage: Storage, offset: number, length: number): Storage {
    const s = storage as WasmStorage;
    if (s?.heap !== this.heap || s.released) throw new TypeError(`slice: storage must be live storage of this wasm backend, got ${describe(storage)}`);
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > s.length) {
      throw new RangeError(`slice: offset and length must be integers with 0 <= offset and offset + length <= ${s.length}, got ${describe(offset)} and ${describe(length)}`);
    }
    return new WasmStorage(this.heap, s.ptr + offset * 4, length, s.dtype, 0);
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
    for (const flag of ['transposeA', 'transposeB', 'accumulate', 'sequential'] as const) {
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
    // The steps of a recurrent layer split only when each thread gets far more than the usual minimum
    // (measured: at 64×128×128 per step, two threads were 0.7–0.8× one, the bench's rnn suite).
    const threads = shape.sequential && m * n * k < SEQUENTIAL_MIN_WORK ? 1 : this.threadsFor(m * n * k);
    if (threads === 1) {
      kernels.matmul(as.ptr, bs.ptr, os.ptr, m, k, n, flags, biasPtr, p0, p1, this.work.scratchOf(0), 0, 0, 0);
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
    const { splitRows, dim, unit } = matmulSplit(m, n);
    const tasks = unitBlocks(dim, unit, threads).map(([s0, s1], t): Task => {
      const size = s1 - s0;
      const scratch = this.work.scratchOf(t);
      if (splitRows) {
        const aBlock = shape.transposeA ? a + s0 * 4 : a + s0 * k * 4;
        return { fn: name, args: [aBlock, b, out + s0 * n * 4, size, k, n, flags, bias, p0, p1, scratch, shape.transposeA ? m : k, 0, n] };
      }
      const bBlock = shape.transposeB ? b + s0 * k * 4 : b + s0 * 4;
      return { fn: name, args: [a, bBlock, out + s0 * 4, m, k, size, flags, bias ? bias + s0 * 4 : 0, p0, p1, scratch, 0, shape.transposeB ? k : n, n] };
    });
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
    // float64 accumulators: two float32 slots each.
    const accumulator = this.work.block('sumAxis', inner * 2);
    this.exports.sumAxisF64(xs.ptr, os.ptr, outer, n, inner, accumulate ? 1 : 0, accumulator);
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
    const { direct, blockRows } = convPanels(sizes.patch, g.outC);
    const geometry = this.work.geometry([
      g.inH, g.inW, g.inC, g.kh, g.kw, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW, g.outC, direct, fusedRelu ? 1 : 0,
    ]);
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
    this.runTasks(unitBlocks(c.rows, GEMM_MR, threads).map(([r0, r1], t) => ({
      fn: 'conv2dForwardRows',
      args: [xs.ptr, fs.ptr, os.ptr, biasPtr, c.geometry, r0, r1, this.work.panelOf(t, c.panelFloats), c.blockRows, this.work.scratchOf(t)],
    })));
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
    const rowsPerImage = g.outH * g.outW;
    this.runTasks(unitBlocks(g.batch, 1, threads).map(([n0, n1], t) => ({
      fn: 'conv2dBackwardInputRows',
      args: [gs.ptr, fs.ptr, ds.ptr, c.geometry, n0 * rowsPerImage, n1 * rowsPerImage, this.work.panelOf(t, c.panelFloats), c.blockRows, this.work.scratchOf(t)],
    })));
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
    // A sum over all rows in fixed chunks, each into its own partial, summed in chunk order (split.ts).
    const { chunkRows, chunkCount } = filterChunks(c.rows, c.blockRows);
    if (chunkCount === 1) {
      this.exports.conv2dBackwardFilterRows(xs.ptr, gs.ptr, ds.ptr, c.geometry, 0, c.rows, this.work.panelOf(0, c.panelFloats), c.blockRows, this.work.scratchOf(0), accumulate ? 1 : 0);
      return;
    }
    const partials = this.work.block('filterPartials', chunkCount * c.filter);
    const threads = Math.min(chunkCount, this.threadsFor(c.rows * c.patch * g.outC));
    this.runTasks(unitBlocks(chunkCount, 1, threads).map(([c0, c1], t) => ({
      fn: 'conv2dBackwardFilterChunks',
      args: [xs.ptr, gs.ptr, partials, c.geometry, c.rows, chunkRows, c0, c1, this.work.panelOf(t, c.panelFloats), c.blockRows, this.work.scratchOf(t)],
    })));
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
    const geometry = this.work.geometry([g.inH, g.inW, g.channels, g.poolH, g.poolW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW, 0]);
    const threads = Math.min(g.batch, this.threadsFor(sizes.output * g.poolH * g.poolW * 8));
    this.runTasks(unitBlocks(g.batch, 1, threads).map(([n0, n1]) => ({ fn: 'maxPoolImages', args: [xs.ptr, os.ptr, as.ptr, geometry, n0, n1] })));
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
      const geometry = this.work.geometry([g.inH, g.inW, g.channels, g.poolH, g.poolW, g.strideH, g.strideW, g.padTop, g.padLeft, g.outH, g.outW, 0]);
      const threads = Math.min(g.batch, this.threadsFor(ds.length * 2));
      this.runTasks(unitBlocks(g.batch, 1, threads).map(([n0, n1]) => ({ fn: 'maxPoolBackwardTiled', args: [gs.ptr, as.ptr, ds.ptr, geometry, n0, n1] })));
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
