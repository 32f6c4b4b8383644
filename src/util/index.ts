/**
 * util/ — the bottom of the stack, imported by every other folder and importing none: `describe` for
 * error messages, `nearest` for "did you mean …", and `Rng`, the project's one seeded random generator (its state saved and restored exactly).
 */
export { DESCRIBE, describe } from './describe.js';
export type { SelfDescribing } from './describe.js';
export { editDistance, nearest } from './suggest.js';
export { Rng } from './random.js';
export type { RngState } from './random.js';
