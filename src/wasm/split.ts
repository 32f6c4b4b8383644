/**
 * How a kernel call is cut into pieces: into blocks, one per thread, and convolutions into im2col panels.
 *
 * Every split here is deterministic and bit-neutral: each output element is computed by one piece, in an
 * order that does not depend on the number of pieces (products are cut in whole register strips, image
 * batches in whole images, and the one reduction, the conv filter gradient, in fixed chunks that depend
 * on the geometry alone). So any thread count gives the same bits.
 */

/** The GEMM's register tile (src/wasm/assembly/gemm.ts): threads split products in whole strips. */
export const GEMM_MR = 5;
export const GEMM_NR = 8;
/** Multiply-adds a thread must get before a call is split (a hand-off costs a few microseconds). */
export const MIN_WORK_PER_THREAD = 1 << 18;
/**
 * Multiply-adds below which a product marked `sequential` (a recurrent step) stays on the calling thread
 * (measured: at 64×128×128 per step, two threads were 0.7–0.8× one; the bench's rnn suite).
 */
export const SEQUENTIAL_MIN_WORK = 1 << 23;
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

/** Threads for a call of `work` multiply-adds: one unless each thread gets enough to pay for the hand-off. */
export function threadsFor(work: number, threadCount: number): number {
  if (threadCount === 1) return 1;
  return Math.max(1, Math.min(threadCount, Math.floor(work / MIN_WORK_PER_THREAD)));
}

/** Blocks [start, end) of whole `unit`s covering 0 … total, at most `threads` of them. */
export function unitBlocks(total: number, unit: number, threads: number): Array<[number, number]> {
  const per = Math.ceil(Math.ceil(total / unit) / Math.max(1, threads)) * unit;
  const blocks: Array<[number, number]> = [];
  for (let start = 0; start < total; start += per) blocks.push([start, Math.min(total, start + per)]);
  return blocks;
}

/** How a product is split: along the rows of the output when it is taller than wide, else along its columns. */
export function matmulSplit(m: number, n: number): { splitRows: boolean; dim: number; unit: number } {
  const splitRows = n < m;
  return { splitRows, dim: splitRows ? m : n, unit: splitRows ? GEMM_MR : GEMM_NR };
}

/** The patch sizes of a convolution that decide its panels. */
export interface ConvPanels {
  /** 1 when the direct kernels run (few taps), else 0: written into the geometry block. */
  readonly direct: number;
  /** Output rows per im2col panel, a multiple of GEMM_MR. */
  readonly blockRows: number;
}

/**
 * Panels of about 256 KiB: in L2 beside the GEMM's packed blocks, and many rows per GEMM call. The
 * direct kernels use the panel for one zero-padded image instead (its size comes from the module).
 */
export function convPanels(patch: number, outC: number): ConvPanels {
  const direct = patch <= DIRECT_MAX_PATCH && outC % 4 === 0 ? 1 : 0;
  const blockRows = Math.max(GEMM_MR, Math.min(4096, Math.floor(PANEL_FLOATS / patch / GEMM_MR) * GEMM_MR));
  return { direct, blockRows };
}

/**
 * The fixed chunks of a conv filter gradient (a sum over all output rows): each chunk sums into its own
 * partial and the partials are added in chunk order, so the bits do not depend on how many threads took
 * the chunks. One chunk means a single call with no partials.
 */
export function filterChunks(rows: number, blockRows: number): { chunkRows: number; chunkCount: number } {
  const blocks = Math.ceil(rows / blockRows);
  const chunks = Math.min(FILTER_CHUNKS, blocks);
  if (chunks <= 1) return { chunkRows: rows, chunkCount: 1 };
  const chunkRows = Math.ceil(blocks / chunks) * blockRows;
  return { chunkRows, chunkCount: Math.ceil(rows / chunkRows) };
}
