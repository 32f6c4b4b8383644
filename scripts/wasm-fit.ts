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
    name: 'LOG1P_R', why: 'log1p(u) = 2s + 2s³·R(s²)', f: atanhRest, lo: 0, hi: 1 / 9, degree: 2, shift: 0,
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

/**
 * Least squares min ‖A·c − b‖ by Householder QR (the normal equations square the condition number,
 * which the rational fits below cannot afford). A is rows × cols, rows >= cols.
 */
function leastSquares(A: number[][], b: number[]): number[] {
  const rows = A.length;
  const cols = A[0]!.length;
  const R = A.map((r) => r.slice());
  const y = b.slice();
  for (let k = 0; k < cols; k++) {
    let norm = 0;
    for (let i = k; i < rows; i++) norm += R[i]![k]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = R[k]![k]! > 0 ? -norm : norm;
    const v = new Array<number>(rows).fill(0);
    for (let i = k; i < rows; i++) v[i] = R[i]![k]!;
    v[k]! -= alpha;
    let vv = 0;
    for (let i = k; i < rows; i++) vv += v[i]! ** 2;
    if (vv === 0) continue;
    for (let j = k; j < cols; j++) {
      let s = 0;
      for (let i = k; i < rows; i++) s += v[i]! * R[i]![j]!;
      s = (2 * s) / vv;
      for (let i = k; i < rows; i++) R[i]![j]! -= s * v[i]!;
    }
    let s = 0;
    for (let i = k; i < rows; i++) s += v[i]! * y[i]!;
    s = (2 * s) / vv;
    for (let i = k; i < rows; i++) y[i]! -= s * v[i]!;
  }
  const c = new Array<number>(cols).fill(0);
  for (let r = cols - 1; r >= 0; r--) {
    let s = y[r]!;
    for (let k = r + 1; k < cols; k++) s -= R[r]![k]! * c[k]!;
    c[r] = s / R[r]![r]!;
  }
  return c;
}

const polyValue = (c: readonly number[], v: number): number => c.reduceRight((s, ck) => s * v + ck, 0);

/**
 * P(v)/Q(v) with deg P = m, deg Q = n, Q(0) = 1, near-minimax in the error relative to f on [lo, hi]:
 * Sanathanan–Koerner iterations (the linearized residual P − f·Q divided by the previous Q) with Lawson
 * weights (each point's weight multiplied by its error), in float64; the best iterate is kept.
 */
function fitRational(f: (v: number) => number, lo: number, hi: number, m: number, n: number): { p: number[]; q: number[] } {
  const points = 3000;
  const xs = Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const fs = xs.map(f);
  let lawson = new Array<number>(points).fill(1 / points);
  let qPrev = new Array<number>(points).fill(1);
  let best = { err: Infinity, p: [] as number[], q: [] as number[] };
  for (let iter = 0; iter < 400; iter++) {
    const A: number[][] = [];
    const b: number[] = [];
    for (let i = 0; i < points; i++) {
      const w = Math.sqrt(lawson[i]!) / Math.abs(qPrev[i]! * fs[i]!);
      const row: number[] = [];
      for (let j = 0; j <= m; j++) row.push(w * xs[i]! ** j);
      for (let j = 1; j <= n; j++) row.push(-w * fs[i]! * xs[i]! ** j);
      A.push(row);
      b.push(w * fs[i]!);
    }
    const c = leastSquares(A, b);
    const p = c.slice(0, m + 1);
    const q = [1, ...c.slice(m + 1)];
    qPrev = xs.map((v) => polyValue(q, v));
    const errs = xs.map((v, i) => Math.abs(polyValue(p, v) / qPrev[i]! - fs[i]!) / Math.abs(fs[i]!));
    const err = Math.max(...errs);
    if (err < best.err && qPrev.every((v) => v > 0)) best = { err, p, q };
    lawson = lawson.map((l, i) => l * errs[i]!);
    const total = lawson.reduce((s, l) => s + l, 0);
    lawson = lawson.map((l) => l / total);
  }
  return { p: best.p, q: best.q };
}

/** Horner's rule in float32, as the kernels evaluate these polynomials. */
function hornerF32Exact(coeffs: readonly number[], v: number): number {
  let s = coeffs[coeffs.length - 1]!;
  for (let i = coeffs.length - 2; i >= 0; i--) s = f32(f32(s * v) + coeffs[i]!);
  return s;
}

// GELU's central kernels (|x| <= GELU_CENTRAL, vmath.ts): the Mills ratio R(a) = Φ(−a)/φ(a) as P(a)/Q(a)
// on [0, 5], degrees 3 and 4, all coefficients positive (so that float32 evaluation loses nothing to
// cancellation). Printed with 1/√(2π) folded in: GELU_P = P/√(2π) (φ(a)·R(a) = e^(−a²/2)·GELU_P/Q) and
// GELU_N = (P − a·Q)/√(2π), the numerator of φ(a)·(R(a) − a) that the derivative needs near its zero at
// a ≈ 0.75 without the cancellation of forming R and then subtracting a.
{
  const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
  const mills = (a: number) => normalCdf(-a) / (INV_SQRT_2PI * Math.exp(-0.5 * a * a));
  const { p, q } = fitRational(mills, 0, 5, 3, 4);
  const gp = p.map((c) => f32(c * INV_SQRT_2PI));
  const gq = q.map(f32);
  const n = new Array<number>(q.length + 1).fill(0);
  p.forEach((c, i) => (n[i]! += c));
  q.forEach((c, i) => (n[i + 1]! -= c));
  const gn = n.map((c) => f32(c * INV_SQRT_2PI));
  let worstR = 0;
  let worstN = 0;
  for (let i = 0; i <= 50000; i++) {
    const a = f32((5 * i) / 50000);
    const exact = mills(a);
    const qa = hornerF32Exact(gq, a);
    worstR = Math.max(worstR, Math.abs(f32(hornerF32Exact(gp, a) / qa) / INV_SQRT_2PI - exact) / exact);
    // φ(a)·(R(a) − a): absolute error, the derivative's tolerance near its zero.
    const phi = INV_SQRT_2PI * Math.exp(-0.5 * a * a);
    worstN = Math.max(worstN, Math.abs(f32(hornerF32Exact(gn, a) / qa) * Math.exp(-0.5 * a * a) - phi * (exact - a)));
  }
  console.log('GELU_P / GELU_Q: φ(a)·R(a) = e^(−a²/2)·P(a)/Q(a), degrees 3/4 on [0, 5]');
  console.log(`  R relative error with float32 Horner and division: ${worstR.toExponential(2)}`);
  console.log(`  GELU_P ${gp.map((c) => c.toPrecision(9)).join(', ')}`);
  console.log(`  GELU_Q ${gq.map((c) => c.toPrecision(9)).join(', ')}`);
  console.log('GELU_N = (P − a·Q)/√(2π): φ(a)·(R(a) − a) = e^(−a²/2)·N(a)/Q(a)');
  console.log(`  absolute error of φ·(R − a), float32: ${worstN.toExponential(2)}`);
  console.log(`  GELU_N ${gn.map((c) => c.toPrecision(9)).join(', ')}`);
}

// 2^f for |f| <= ½ (the reduced argument of GELU's central e^(−a²/2) = 2^(n + f)), degree 5: a relative
// minimax polynomial by Lawson iterations of weighted least squares, in float64.
{
  const points = 2001;
  const fs = Array.from({ length: points }, (_, i) => -0.5 + i / (points - 1));
  let lawson = new Array<number>(points).fill(1 / points);
  let coeffs: number[] = [];
  for (let iter = 0; iter < 300; iter++) {
    const rows = fs.map((f, i) => Array.from({ length: 6 }, (_, j) => (Math.sqrt(lawson[i]!) * f ** j) / 2 ** f));
    coeffs = leastSquares(rows, fs.map((_, i) => Math.sqrt(lawson[i]!)));
    const errs = fs.map((f) => Math.abs(polyValue(coeffs, f) - 2 ** f) / 2 ** f);
    lawson = lawson.map((l, i) => l * errs[i]!);
    const total = lawson.reduce((s, l) => s + l, 0);
    lawson = lawson.map((l) => l / total);
  }
  const c32 = coeffs.map(f32);
  let worst = 0;
  for (let i = 0; i <= 20000; i++) {
    const f = f32(-0.5 + i / 20000);
    worst = Math.max(worst, Math.abs(hornerF32Exact(c32, f) - 2 ** f) / 2 ** f);
  }
  console.log('EXP2_C: 2^f for |f| <= 1/2, degree 5');
  console.log(`  relative error with float32 Horner: ${worst.toExponential(2)}`);
  console.log(`  ${c32.map((c) => c.toPrecision(9)).join(', ')}`);
}

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
