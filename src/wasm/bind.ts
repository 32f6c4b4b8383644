/**
 * The module's exports, checked and bound once at load: the named kernels every build has, and one
 * forward / backward / [backward from y] / fused-matmul set per row of the activation table (generated
 * from the table by scripts/build-wasm.mjs). A missing export is an error at load naming the rebuild,
 * rather than a silent fallback later.
 */
import { ACTIVATIONS } from '../activations/table.js';
import type { WasmGlobal } from './engine.js';

export type ForwardKernel = (x: number, out: number, n: number, p0: number, p1: number) => void;
export type GradKernel = (v: number, dy: number, dx: number, n: number, p0: number, p1: number) => void;
export type MatmulKernel = (
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
  lstmCellSigmoidTanh(gates: number, cPrev: number, c: number, h: number, rows: number, units: number): void;
  lstmCellSigmoidRelu(gates: number, cPrev: number, c: number, h: number, rows: number, units: number): void;
  lstmCellGradSigmoidTanh(gates: number, cPrev: number, c: number, dh: number, dc: number, dGates: number, rows: number, units: number): void;
  lstmCellGradSigmoidRelu(gates: number, cPrev: number, c: number, dh: number, dc: number, dGates: number, rows: number, units: number): void;
  gruCellSigmoidTanh(x: number, hr: number, hPrev: number, h: number, rows: number, units: number): void;
  gruCellSigmoidRelu(x: number, hr: number, hPrev: number, h: number, rows: number, units: number): void;
  gruCellGradSigmoidTanh(x: number, hr: number, hPrev: number, dh: number, dX: number, dHr: number, dhPrev: number, rows: number, units: number): void;
  gruCellGradSigmoidRelu(x: number, hr: number, hPrev: number, dh: number, dX: number, dHr: number, dhPrev: number, rows: number, units: number): void;
  swapLeadingAxes(x: number, out: number, a: number, b: number, inner: number): void;
  sgdUpdate(param: number, grad: number, velocity: number, n: number, lr: number, momentum: number, nesterov: number, weightDecay: number): void;
  adamUpdate(
    param: number, grad: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number, omb1: number, omb2: number,
    eps: number, weightDecay: number, decoupled: number, c1: number, c2: number,
  ): void;
}

/** The exports besides the per-activation ones that the backend calls. */
export const REQUIRED_EXPORTS = [
  'heapBase', 'gemmScratchBytes', 'preluChannels', 'preluChannelsGrad', 'conv2dForwardRows', 'conv2dBackwardInputRows',
  'conv2dBackwardFilterRows', 'conv2dBackwardFilterChunks', 'maxPoolImages', 'maxPoolBackwardRange', 'maxPoolBackwardTiled',
  'directPanelFloats', 'sumSquaresF64', 'squaredDistanceF64', 'absMaxF32', 'maxPoolCheck', 'sumRows', 'sumAxisF64', 'sgdUpdate',
  'adamUpdate', 'lstmCellSigmoidTanh', 'lstmCellSigmoidRelu', 'lstmCellGradSigmoidTanh', 'lstmCellGradSigmoidRelu', 'gruCellSigmoidTanh',
  'gruCellSigmoidRelu', 'gruCellGradSigmoidTanh', 'gruCellGradSigmoidRelu', 'swapLeadingAxes',
] as const;

/** The exports as KernelExports, or an Error naming the first missing one (the module is out of date). */
export function checkExports(exports: Record<string, unknown>): KernelExports {
  for (const name of REQUIRED_EXPORTS) {
    if (typeof exports[name] !== 'function') {
      throw new Error(`rectifier.wasm has no export "${name}"; it is out of date: run npm run build:wasm`);
    }
  }
  return exports as unknown as KernelExports;
}

/** The kernels of one table row, bound once at load. */
export interface ActivationKernels {
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

