/** Shared pieces of the activation test layers: parameter sets from the table, tolerances. */
import { listActivations, resolveParams, type ActivationSpec, type KernelActivation, type ParamValues } from 'rectifier';

/** Tolerances of the exactness requirement: relative 4e-6 for values, 2e-5 for derivatives, 1e-7 absolute near zero. */
export const VALUE_REL = 4e-6;
export const GRAD_REL = 2e-5;
export const ABS = 1e-7;

export function close(got: number, want: number, rel: number, abs = ABS): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= Math.max(rel * Math.abs(want), abs);
}

/**
 * The parameter sets every test layer runs: the defaults, and for each parameter a second valid value
 * (so a kernel that ignores a parameter is caught). Generated from the table, not a hand list.
 */
export function parameterSets(spec: ActivationSpec): ParamValues[] {
  const sets: ParamValues[] = [resolveParams(spec)];
  for (const p of spec.params) {
    for (const candidate of [p.default * 2 + 0.1, p.default / 2, 0.7, 3]) {
      try {
        sets.push(resolveParams(spec, { [p.name]: candidate }));
        break;
      } catch {
        // that value breaks a rule (e.g. lower > upper); try the next
      }
    }
  }
  return sets;
}

export function allSpecs(): readonly ActivationSpec[] {
  return listActivations();
}

/** Points at which the derivative is undefined, or where a branch switches, for these parameters. */
export function kinkPoints(spec: ActivationSpec, params: ParamValues): number[] {
  return spec.kinks.map((k) => k.x(params));
}

/** A row with parameters as the kernels take it (`KernelActivation`): id, params and the float64 rules. */
export function kernelOf(spec: ActivationSpec, params: ParamValues = resolveParams(spec)): KernelActivation {
  return { id: spec.id, params, f: spec.f, df: spec.df, dfFromY: spec.dfFromY, isIdentity: spec.id === 'linear' };
}
