/**
 * The kernels' working memory, kept between calls: per thread a GEMM scratch block and an im2col panel,
 * the partial sums of a conv filter gradient, float64 accumulators, and the block the conv/pool kernels
 * read their geometry from. Only the calling thread allocates, so every thread's pieces are made here
 * before a call is handed out.
 */
import type { WasmHeap, WasmStorage } from './memory.js';

export class Workspace {
  /** Per thread: byte offset of its GEMM scratch block, reserved on first use. */
  private readonly scratch: number[] = [];
  /** Per thread: its im2col panel, grown on demand and kept. */
  private readonly panels: (WasmStorage | null)[] = [];
  private readonly grown = new Map<string, WasmStorage>();
  /** Byte offset of the geometry block (up to 16 i32), 0 until first use. */
  private geometryBlock = 0;

  constructor(
    private readonly heap: WasmHeap,
    private readonly gemmScratchBytes: number,
  ) {}

  /** Thread t's GEMM scratch block. */
  scratchOf(t: number): number {
    let s = this.scratch[t];
    if (s === undefined) this.scratch[t] = s = this.heap.reserve(this.gemmScratchBytes);
    return s;
  }

  /** Thread t's im2col panel of at least `floats` floats. */
  panelOf(t: number, floats: number): number {
    let p = this.panels[t] ?? null;
    if (p === null || p.length < floats) {
      if (p) this.heap.release(p);
      p = this.heap.allocateWorkspace(floats);
      this.panels[t] = p;
    }
    return p.ptr;
  }

  /** A named block of at least `floats` floats (partials, accumulators), grown on demand and kept. */
  block(name: string, floats: number): number {
    let b = this.grown.get(name);
    if (!b || b.length < floats) {
      if (b) this.heap.release(b);
      b = this.heap.allocateWorkspace(floats);
      this.grown.set(name, b);
    }
    return b.ptr;
  }

  /** Writes a geometry to the block the conv/pool kernels read; returns its byte offset. */
  geometry(fields: readonly number[]): number {
    if (this.geometryBlock === 0) this.geometryBlock = this.heap.reserve(64);
    new Int32Array(this.heap.memory.buffer, this.geometryBlock, fields.length).set(fields);
    return this.geometryBlock;
  }
}
