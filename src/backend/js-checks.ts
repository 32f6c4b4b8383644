/**
 * The argument checks of the reference kernels that take plain arrays (im2col, conv and pool on
 * Float32Arrays, exported for backends and tests): an array of the wrong type or length names the
 * expected size in the geometry's terms.
 */
import { describe } from '../util/describe.js';

export function checkF32(fn: string, name: string, a: unknown, expected: number, meaning: string): void {
  if (!(a instanceof Float32Array)) {
    throw new TypeError(`${fn}: ${name} must be a Float32Array of ${meaning} = ${expected} elements, got ${describe(a)}`);
  }
  if (a.length !== expected) {
    throw new Error(`${fn}: ${name} must have ${meaning} = ${expected} elements, got ${a.length}`);
  }
}
