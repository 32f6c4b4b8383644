/**
 * Looking up the table: ids and aliases (with "did you mean" for a near miss), parameter defaults and
 * rules, and the largest derivative (what "saturated" is measured against). Pure data in, data out: the
 * executor that runs a row on a backend is `Activation` in src/ops.
 */
import { describe } from '../util/describe.js';
import { nearest } from '../util/suggest.js';
import { ACTIVATIONS } from './table.js';
import type { ActivationSpec, ParamValues } from './types.js';

const byName = new Map<string, ActivationSpec>();
for (const spec of ACTIVATIONS) {
  for (const name of [spec.id, ...spec.aliases]) {
    if (byName.has(name)) throw new Error(`activation table: "${name}" is defined twice`);
    byName.set(name, spec);
  }
}

/** Every row of the table, in table order. */
export function listActivations(): readonly ActivationSpec[] {
  return ACTIVATIONS;
}

/** Every id (not aliases), in table order: the valid choices for CLIs and menus. */
export function activationIds(): string[] {
  return ACTIVATIONS.map((s) => s.id);
}

/** The spec for an id or alias; unknown names fail with the valid ids and the nearest match. */
export function getSpec(id: string): ActivationSpec {
  if (typeof id !== 'string') throw new TypeError(`activation id must be a string, got ${describe(id)}`);
  const spec = byName.get(id) ?? byName.get(id.toLowerCase().replace(/-/g, '_'));
  if (spec) return spec;
  const best = nearest(id, byName.keys());
  throw new Error(`unknown activation "${id}"; did you mean "${best}"? Valid ids: ${activationIds().join(', ')}`);
}

/** Fills defaults and checks every parameter against its rule; unknown parameter names are errors. */
export function resolveParams(spec: ActivationSpec, given: Readonly<Record<string, unknown>> = {}): ParamValues {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new TypeError(`${spec.id}: params must be an object like { ${spec.params.map((p) => `${p.name}: ${p.default}`).join(', ')} }, got ${describe(given)}`);
  }
  const known = new Set(spec.params.map((p) => p.name));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      const list = spec.params.length ? spec.params.map((p) => p.name).join(', ') : 'none';
      throw new Error(`${spec.id}: unknown parameter "${key}" (its parameters: ${list})`);
    }
  }
  const out: Record<string, number> = {};
  for (const p of spec.params) {
    const v = given[p.name] ?? p.default;
    if (typeof v !== 'number' || !p.valid(v)) {
      throw new RangeError(`${spec.id}: parameter ${p.name} ${p.rule}, got ${typeof v === 'number' ? v : describe(v)}`);
    }
    out[p.name] = v;
  }
  const problem = spec.check?.(out);
  if (problem) throw new RangeError(`${spec.id}: ${problem}`);
  return Object.freeze(out);
}

/** The largest |f'(x)| over the plot range, scanned finely; "saturated" means below 1% of it. */
export function maxAbsDerivative(spec: ActivationSpec, params: ParamValues = resolveParams(spec)): number {
  const [lo, hi] = spec.plotRange;
  let best = 0;
  const steps = 4000;
  for (let i = 0; i <= steps; i++) best = Math.max(best, Math.abs(spec.df(lo + ((hi - lo) * i) / steps, params)));
  return best;
}

/** What layers and ops accept for an activation: an id, an id with parameters, or a row of the table. */
export type ActivationLike = string | ActivationSpec | { readonly id: string; readonly params?: Readonly<Record<string, number>> };
