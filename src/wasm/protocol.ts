/**
 * The control block kernel threads and the calling thread share, in the shared WebAssembly memory: one
 * slot of SLOT_WORDS i32 per worker, a few counters and flags then float64 arguments.
 */

/** i32 words per worker slot. */
export const SLOT_WORDS = 64;

/** The i32 words of a slot. */
export const SLOT = {
  /** Sequence number of the last task posted (incremented by the caller, waited on by the worker). */
  SEQ: 0,
  /** Sequence number of the last task done (written by the worker, waited on by the caller). */
  DONE: 1,
  /** Index of the export to call, in the names the worker was given. */
  FN: 2,
  /** Number of arguments. */
  ARGC: 3,
  /** 1 once the worker has instantiated the module, -1 when it could not. */
  READY: 4,
  /** Set when a task trapped. */
  FAILED: 5,
  /** The last task sequence number claimed, by the worker or by the caller taking it back. */
  CLAIM: 6,
} as const;

/** Float64 arguments start at this i32 word (8-byte aligned). */
export const ARGS_WORD = 8;
export const MAX_ARGS = (SLOT_WORDS - ARGS_WORD) / 2;
export const CONTROL_BYTES_PER_WORKER = SLOT_WORDS * 4;

/**
 * Spin iterations before blocking (a few microseconds). Longer spins win on an idle machine and lose
 * badly on a busy one, where the spinning worker takes the core the caller needs (measured on a shared
 * 2-core host: 200,000 iterations cost two fifths of the MLP's two-thread training speed against 2,000;
 * 20,000 was within the noise of 2,000).
 */
export const SPIN = 2000;
