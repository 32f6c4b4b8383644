/**
 * Checks of layer options at the constructors (the public edge): each error names the layer, the option,
 * the rule and the value given.
 */
import type { Padding } from '../../backend/geometry.js';
import { describe } from '../../util/describe.js';

export function optionsObject(layer: string, options: unknown, form: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`${layer}: options must be an object ${form}, got ${describe(options)}`);
  return options as Record<string, unknown>;
}

export function positiveInt(layer: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`${layer}: ${name} must be a positive integer, got ${describe(v)}`);
  return v as number;
}

export function pairOf(layer: string, name: string, v: unknown): [number, number] {
  if (typeof v === 'number') return [positiveInt(layer, name, v), v];
  if (Array.isArray(v) && v.length === 2) return [positiveInt(layer, name, v[0]), positiveInt(layer, name, v[1])];
  throw new TypeError(`${layer}: ${name} must be a positive integer or [height, width], got ${describe(v)}`);
}

export function paddingOf(layer: string, v: unknown): Padding {
  if (v === undefined) return 'valid';
  if (v !== 'valid' && v !== 'same') throw new Error(`${layer}: padding must be "valid" or "same", got ${describe(v)}`);
  return v;
}

export function booleanOption(layer: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new TypeError(`${layer}: ${name} must be a boolean, got ${describe(v)}`);
  return v;
}
