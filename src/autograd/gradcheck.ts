/**
 * Gradient checking: the tape's gradients against central differences, for tests of every op and layer.
 *
 * What it does with float32 storage: each input value x is perturbed to the float32 neighbours x ± h
 * actually stored (so the divisor is the exact step taken, not the nominal 2h), f is evaluated with
 * recording off and read as a float64 number, and (f(x+) − f(x−)) / (x+ − x−) is compared with the tape's
 * gradient. Kernels accumulate sums in float64, so the remaining noise is float32 rounding of stored
 * intermediates (~1e-7 relative); with the default h = 1e-3 that is ~1e-4 of |f| in the difference
 * quotient, which the default tolerances (atol 1e-3, rtol 1e-2) absorb. Choose inputs away from kinks.
 */
import { Tensor, tidy } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { gradOf, noGrad, requireGrad, requiresGrad, zeroGrad } from './tape.js';

export interface GradcheckOptions {
  /** Nominal perturbation (default 1e-3). */
  readonly eps?: number;
  /** Absolute tolerance (default 1e-3). */
  readonly atol?: number;
  /** Relative tolerance (default 1e-2): |analytic − numeric| <= atol + rtol·|numeric|. */
  readonly rtol?: number;
  /** Check at most this many values per input, spread evenly (default: all). */
  readonly maxPerInput?: number;
}

export interface GradcheckMismatch {
  readonly input: number;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
}

export interface GradcheckResult {
  readonly ok: boolean;
  readonly maxAbsError: number;
  readonly checked: number;
  readonly mismatches: readonly GradcheckMismatch[];
}

function scalarOf(t: unknown): number {
  if (!(t instanceof Tensor)) throw new TypeError(`gradcheck: fn must return a Tensor, got ${describe(t)}`);
  if (t.size !== 1) throw new RangeError(`gradcheck: fn must return a single value (a scalar loss), got shape [${t.shape.join(', ')}]`);
  return t.view()[0]!;
}

/** Compares the gradients of the scalar fn(...inputs) from the tape with central differences. */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  if (typeof fn !== 'function') throw new TypeError(`gradcheck: fn must be a function, got ${describe(fn)}`);
  if (!Array.isArray(inputs) || inputs.length === 0) throw new TypeError(`gradcheck: inputs must be a non-empty array of Tensors, got ${describe(inputs)}`);
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor) || t.dtype !== 'float32') throw new TypeError(`gradcheck: inputs[${i}] must be a float32 Tensor, got ${describe(t)}`);
  });
  const eps = options.eps ?? 1e-3;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  for (const [name, v] of [['eps', eps], ['atol', atol], ['rtol', rtol]] as const) {
    if (typeof v !== 'number' || !(v > 0)) throw new RangeError(`gradcheck: options.${name} must be a number > 0, got ${describe(v)}`);
  }
  const wasLeaf = inputs.map((t) => requiresGrad(t));
  inputs.forEach((t) => requireGrad(t));
  zeroGrad(inputs);
  try {
    tidy(() => {
      const y = fn(...inputs);
      scalarOf(y);
      y.backward();
    });
    const analytic = inputs.map((t) => {
      const g = gradOf(t);
      return g ? Float64Array.from(g.view()) : new Float64Array(t.size);
    });
    zeroGrad(inputs);

    const evaluate = () => noGrad(() => tidy(() => scalarOf(fn(...inputs))));
    const mismatches: GradcheckMismatch[] = [];
    let maxAbsError = 0;
    let checked = 0;
    inputs.forEach((t, k) => {
      const stride = options.maxPerInput && t.size > options.maxPerInput ? t.size / options.maxPerInput : 1;
      for (let f = 0; f < t.size; f += stride) {
        const i = Math.floor(f);
        const v = t.storage.f32();
        const x0 = v[i]!;
        v[i] = x0 + eps;
        const xp = v[i]!;
        const fp = evaluate();
        t.storage.f32()[i] = x0 - eps;
        const xm = t.storage.f32()[i]!;
        const fm = evaluate();
        t.storage.f32()[i] = x0;
        const numeric = (fp - fm) / (xp - xm);
        const a = analytic[k]![i]!;
        const err = Math.abs(a - numeric);
        checked++;
        if (!(err <= maxAbsError)) maxAbsError = err;
        if (!(err <= atol + rtol * Math.abs(numeric))) mismatches.push({ input: k, index: i, analytic: a, numeric });
      }
    });
    return { ok: mismatches.length === 0, maxAbsError, checked, mismatches };
  } finally {
    inputs.forEach((t, i) => requireGrad(t, wasLeaf[i]!));
  }
}

/** gradcheck that throws, listing the first mismatches, when a gradient disagrees. */
export function assertGradients(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const r = gradcheck(fn, inputs, options);
  if (!r.ok) {
    const lines = r.mismatches
      .slice(0, 8)
      .map((m) => `  input ${m.input} [${m.index}]: tape ${m.analytic.toPrecision(6)}, central difference ${m.numeric.toPrecision(6)}`);
    throw new Error(`gradient check failed at ${r.mismatches.length} of ${r.checked} values:\n${lines.join('\n')}`);
  }
  return r;
}
