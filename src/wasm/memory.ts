/**
 * The allocator over WebAssembly linear memory, kept on the JS side so the module needs no runtime.
 *
 * Blocks are 64-byte aligned (a cache line: vector loads of a block never straddle lines at its start)
 * and rounded up to a size class; a released block goes on the free list of its class and is handed
 * out again for the next request of that class. A training loop allocates the same shapes every step,
 * so after the first step every request is served from a free list and memory stops growing.
 * WebAssembly memory can grow but never shrink, and growing detaches every view of the old buffer:
 * storages therefore create their typed-array views lazily and again after each growth.
 */
import type { DType, Storage } from '../backend/types.js';
import type { WasmMemory } from './engine.js';

export const ALIGNMENT = 64;
const PAGE_BYTES = 65536;
/** 4 GiB, the whole wasm32 address space. */
export const MAX_PAGES = 65536;
/** Up to this size blocks are rounded to a multiple of ALIGNMENT; above, to one of 8 classes per octave. */
const SMALL_LIMIT = 4096;

/** The block size a request of `bytes` is rounded up to (waste under 12.5% above 4 KiB). */
export function sizeClass(bytes: number): number {
  if (bytes <= SMALL_LIMIT) return Math.max(ALIGNMENT, Math.ceil(bytes / ALIGNMENT) * ALIGNMENT);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 3);
  return Math.ceil(bytes / step) * step;
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** A block of wasm memory: `ptr` is its byte offset, which the kernels receive. */
export class WasmStorage implements Storage {
  /** Set by the heap on release; any later use throws instead of reading memory someone else owns. */
  released = false;
  /** Kernel workspace (im2col panels …): not counted among the live blocks the leak checks see. */
  workspace = false;
  private view: Float32Array | Int32Array | null = null;
  private viewGeneration = -1;

  constructor(
    readonly heap: WasmHeap,
    readonly ptr: number,
    readonly length: number,
    readonly dtype: DType,
    /** The size of the block, its size class: what goes back on the free list. */
    readonly blockBytes: number,
  ) {}

  f32(): Float32Array {
    if (this.dtype !== 'float32') throw new TypeError(`expected float32 storage, got ${this.dtype}`);
    return this.typedView() as Float32Array;
  }

  i32(): Int32Array {
    if (this.dtype !== 'int32') throw new TypeError(`expected int32 storage, got ${this.dtype}`);
    return this.typedView() as Int32Array;
  }

  private typedView(): Float32Array | Int32Array {
    if (this.released) {
      throw new Error(`wasm storage of ${this.length} ${this.dtype} values at byte ${this.ptr} was used after release`);
    }
    if (this.viewGeneration !== this.heap.generation) {
      const buffer = this.heap.memory.buffer;
      this.view = this.dtype === 'float32'
        ? new Float32Array(buffer, this.ptr, this.length)
        : new Int32Array(buffer, this.ptr, this.length);
      this.viewGeneration = this.heap.generation;
    }
    return this.view!;
  }
}

export interface HeapStats {
  /** Live blocks. */
  blocks: number;
  /** Bytes of the live blocks as requested (4 per element), as the js backend counts them. */
  bytes: number;
  /** Bytes of linear memory this heap holds: live, free-listed and scratch blocks, and the module's own. */
  reservedBytes: number;
}

export class WasmHeap {
  /** Increases whenever the memory grows, which detaches every existing view of it. */
  generation = 0;
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  private liveBlocks = 0;
  private liveBytes = 0;

  /** `heapBase` is the first byte the module does not use for its own data. */
  constructor(readonly memory: WasmMemory, heapBase: number) {
    this.top = alignUp(heapBase, ALIGNMENT);
  }

  allocate(length: number, dtype: DType): WasmStorage {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`allocate: length must be a non-negative integer, got ${length}`);
    }
    if (dtype !== 'float32' && dtype !== 'int32') {
      throw new TypeError(`allocate: dtype must be "float32" or "int32", got ${JSON.stringify(dtype)}`);
    }
    const blockBytes = sizeClass(length * 4);
    const block = this.takeFree(blockBytes) ?? this.takeNew(blockBytes);
    this.liveBlocks++;
    this.liveBytes += length * 4;
    return new WasmStorage(this, block.ptr, length, dtype, block.bytes);
  }

  release(storage: Storage): void {
    // Recognised by its heap field, which only this heap's storages hold: cheaper per call than instanceof.
    const block = storage as WasmStorage;
    if (block?.heap !== this) {
      throw new Error('release: expected a storage allocated by this wasm backend, got one from elsewhere');
    }
    if (block.released) {
      throw new Error(`release: the storage of ${block.length} values at byte ${block.ptr} was already released`);
    }
    block.released = true;
    if (!block.workspace) {
      this.liveBlocks--;
      this.liveBytes -= block.length * 4;
    }
    if (block.ptr + block.blockBytes === this.top) {
      this.top = block.ptr;
      return;
    }
    let list = this.freeLists.get(block.blockBytes);
    if (!list) this.freeLists.set(block.blockBytes, (list = []));
    list.push(block.ptr);
  }

  /**
   * A block of kernel workspace, kept by the backend between calls and replaced when a larger one is
   * needed: outside the live count, like reserve(), but releasable to the free lists.
   */
  allocateWorkspace(length: number): WasmStorage {
    const s = this.allocate(length, 'float32');
    s.workspace = true;
    this.liveBlocks--;
    this.liveBytes -= length * 4;
    return s;
  }

  /** A permanent block outside the live count (kernel scratch space); returns its byte offset. */
  reserve(bytes: number): number {
    return this.takeNew(alignUp(bytes, ALIGNMENT)).ptr;
  }

  stats(): HeapStats {
    return { blocks: this.liveBlocks, bytes: this.liveBytes, reservedBytes: this.memory.buffer.byteLength };
  }

  /** A free block of exactly this class, else of a class up to twice as large (kept at its own class). */
  private takeFree(bytes: number): { ptr: number; bytes: number } | null {
    const exact = this.freeLists.get(bytes);
    if (exact && exact.length > 0) return { ptr: exact.pop()!, bytes };
    return this.takeLarger(bytes, 2 * bytes);
  }

  private takeLarger(bytes: number, limit: number): { ptr: number; bytes: number } | null {
    let best = Infinity;
    for (const [size, list] of this.freeLists) {
      if (list.length > 0 && size >= bytes && size <= limit && size < best) best = size;
    }
    return best === Infinity ? null : { ptr: this.freeLists.get(best)!.pop()!, bytes: best };
  }

  /** A block from the top of the heap, growing the memory when it does not fit. */
  private takeNew(bytes: number): { ptr: number; bytes: number } {
    const end = this.top + bytes;
    if (end > this.memory.buffer.byteLength && !this.grow(end)) {
      // Out of address space: a free block of any larger class is better than failing.
      const fallback = this.takeLarger(bytes, Infinity);
      if (fallback) return fallback;
      throw new RangeError(
        `wasm backend: out of memory allocating ${bytes} bytes (${this.memory.buffer.byteLength} bytes reserved, ` +
          `${this.liveBytes} live); dispose tensors you no longer need`,
      );
    }
    const ptr = this.top;
    this.top = end;
    return { ptr, bytes };
  }

  /** Grows the memory to hold `end` bytes, by at least an eighth of its size so growth stays rare. */
  private grow(end: number): boolean {
    const pages = this.memory.buffer.byteLength / PAGE_BYTES;
    const needed = Math.ceil(end / PAGE_BYTES) - pages;
    const wanted = Math.min(MAX_PAGES - pages, Math.max(needed, Math.ceil(pages / 8)));
    if (needed > MAX_PAGES - pages) return false;
    try {
      this.memory.grow(wanted);
    } catch {
      try {
        this.memory.grow(needed);
      } catch {
        return false;
      }
    }
    this.generation++;
    return true;
  }
}
