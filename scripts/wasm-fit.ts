/**
 * Derives the polynomial coefficients of the WebAssembly vector math (src/wasm/assembly/vmath.ts) and
 * prints them with the worst error of a float32 Horner evaluation. Run:
 *   node --import tsx scripts/wasm-fit.ts
 *
 * Each polynomial interpolates its function at Chebyshev nodes (near-minimax), solved in float64 and
 * rounded to float32; the variable is shifted to the middle of the interval so the partial sums of
 * Horner's rule stay small.
 */
import { normalCdf } from '../src/activations/math.js';

const f32 = Math.fround;

/** Coefficients (lowest power first) of p(v − shift) interpolating f at Chebyshev nodes of [lo, hi]. */
function fit(f: (v: number) => number, lo: number, hi: number, degree: number, shift: number): number[] {
  const n = degree + 1;
  const xs = Array.from({ length: n }, (_, i) => lo + ((Math.cos((Math.PI * (i + 0.5)) / n) + 1) * (hi - lo)) / 2);
  const rows = xs.map((v) => Array.from({ length: n }, (_, j) => (v - shift) ** j));
  const rhs = xs.map(f);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(rows[r]![c]!) > Math.abs(rows[pivot]![c]!)) pivot = r;
    [rows[c], rows[pivot]] = [rows[pivot]!, rows[c]!];
    [rhs[c], rhs[pivot]] = [rhs[pivot]!, rhs[c]!];
    for (let r = c + 1; r < n; r++) {
      const factor = rows[r]![c]! / rows[c]![c]!;
      for (let k = c; k < n; k++) rows[r]![k]! -= factor * rows[c]![k]!;
      rhs[r]! -= factor * rhs[c]!;
    }
  }
  const coeffs = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = rhs[r]!;
    for (let k = r + 1; k < n; k++) s -= rows[r]![k]! * coeffs[k]!;
    coeffs[r] = s / rows[r]![r]!;
  }
  return coeffs.map(f32);
}

function hornerF32(coeffs: readonly number[], v: number): number {
  let s = coeffs[coeffs.length - 1]!;
  for (let i = coeffs.length - 2; i >= 0; i--) s = f32(f32(s * v) + coeffs[i]!);
  return s;
}

interface Fit {
  name: string;
  why: string;
  f: (v: number) => number;
  lo: number;
  hi: number;
  degree: number;
  shift: number;
  /** The error that matters, from the exact value and the float32 polynomial value at v. */
  error: (v: number, approx: number) => number;
}

// e^r = 1 + r + r²·Q(r) on the Cody–Waite remainder |r| <= ln2/2 (plus slack for the rounding of n).
const expRemainder = (r: number) => (r === 0 ? 0.5 : (Math.expm1(r) - r) / (r * r));
// log1p(u) = 2s + 2s³·R(s²), s = u/(2 + u), u ∈ [0, 1]: atanh's series in w = s² ∈ [0, 1/9].
const atanhRest = (w: number) => (w === 0 ? 1 / 3 : (Math.atanh(Math.sqrt(w)) / Math.sqrt(w) - 1) / w);
// Φ(−a) = ½·t·exp(−a²/2 + P(t)), t = 1/(1 + a/(2√2)), a ∈ [0, 15] (Φ(−15) is far below float32's range):
// the form of Numerical Recipes' erfcc (§6.2), accurate relative to the tail because P sits in the exponent.
const C = 1 / (2 * Math.SQRT2);
const aOf = (t: number) => (1 / t - 1) / C;
const tailExponent = (t: number) => {
  const a = aOf(t);
  return Math.log((2 * normalCdf(-a)) / t) + (a * a) / 2;
};

const fits: Fit[] = [
  {
    name: 'EXP_Q', why: 'e^r = 1 + r + r²·Q(r)', f: expRemainder, lo: -0.35, hi: 0.35, degree: 5, shift: 0,
    error: (r, q) => Math.abs(r + r * r * q - Math.expm1(r)) / Math.abs(Math.expm1(r) || 1),
  },
  {
    name: 'LOG1P_R', why: 'log1p(u) = 2s + 2s³·R(s²)', f: atanhRest, lo: 0, hi: 1 / 9, degree: 4, shift: 0,
    error: (w, r) => {
      const s = Math.sqrt(w);
      return Math.abs(2 * s + 2 * s * s * s * r - 2 * Math.atanh(s)) / (2 * Math.atanh(s) || 1);
    },
  },
  {
    name: 'PHI_TAIL_P', why: 'Φ(−a) = ½·t·exp(−a²/2 + P(t))', f: tailExponent, lo: 1 / (1 + C * 15), hi: 1, degree: 9, shift: 0.5,
    error: (t, p) => Math.abs(p - tailExponent(t)),
  },
];

for (const fitSpec of fits) {
  const coeffs = fit(fitSpec.f, fitSpec.lo, fitSpec.hi, fitSpec.degree, fitSpec.shift);
  let worst = 0;
  for (let i = 0; i <= 20000; i++) {
    const v = f32(fitSpec.lo + ((fitSpec.hi - fitSpec.lo) * i) / 20000);
    worst = Math.max(worst, fitSpec.error(v, hornerF32(coeffs, f32(v - fitSpec.shift))));
  }
  console.log(`${fitSpec.name}: ${fitSpec.why}, degree ${fitSpec.degree} in (v − ${fitSpec.shift}) on [${fitSpec.lo.toPrecision(4)}, ${fitSpec.hi.toPrecision(4)}]`);
  console.log(`  relative error with float32 Horner: ${worst.toExponential(2)}`);
  console.log(`  ${coeffs.map((c) => c.toPrecision(9)).join(', ')}`);
}
