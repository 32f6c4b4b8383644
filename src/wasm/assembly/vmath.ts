/**
 * Vector math on four float32 lanes, written for the whole float32 range: NaN propagates, results that
 * overflow or underflow do so once, at the last rounding, and no step forms 0·Inf or Inf/Inf where the
 * function itself is finite. Every function is inlined into the loop that uses it.
 *
 * Polynomial coefficients come from scripts/wasm-fit.ts, which prints them with their float32 error.
 */

const LOG2E: f32 = 1.44269504;
// Cody–Waite split of ln 2: LN2_HI has 9 trailing zero bits, so n·LN2_HI is exact for |n| < 512.
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.42860677e-6;
// Adding 1.5·2^23 rounds a float below 2^22 in magnitude to an integer, which then sits in the low
// mantissa bits: bits − 0x4b400000 is that integer.
const ROUND_MAGIC: f32 = 12582912.0;
const ROUND_MAGIC_BITS: i32 = 0x4b400000;

// e^r = 1 + r + r²·Q(r) for |r| <= 0.35.
const EXP_Q0: f32 = 0.5;
const EXP_Q1: f32 = 0.166666672;
const EXP_Q2: f32 = 0.0416664556;
const EXP_Q3: f32 = 0.00833331048;
const EXP_Q4: f32 = 0.00139345322;
const EXP_Q5: f32 = 0.000198919704;

// log1p(u) = 2s + 2s³·R(s²), s = u/(2 + u), for u in [0, 1].
const LOG1P_R0: f32 = 0.333333343;
const LOG1P_R1: f32 = 0.199998528;
const LOG1P_R2: f32 = 0.142961785;
const LOG1P_R3: f32 = 0.108532883;
const LOG1P_R4: f32 = 0.116121642;

// Φ(−a) = ½·t·exp(−a²/2 + P(t)), t = 1/(1 + a/(2√2)), P in powers of (t − ½): the form of Numerical
// Recipes' erfcc (§6.2), refitted for float32. The polynomial sits in the exponent, so the lower tail
// keeps its relative accuracy down to where Φ leaves the float32 range.
const PHI_T_SCALE: f32 = 0.353553391;
const PHI_P0: f32 = -0.671794057;
const PHI_P1: f32 = 1.3452853;
const PHI_P2: f32 = 0.189367846;
const PHI_P3: f32 = -0.375052124;
const PHI_P4: f32 = -0.157727107;
const PHI_P5: f32 = 0.279189289;
const PHI_P6: f32 = 0.109826446;
const PHI_P7: f32 = -0.262471586;
const PHI_P8: f32 = -0.0358983912;
const PHI_P9: f32 = 0.153114185;
/** Beyond this |x|, Φ(−|x|) and φ(x) are 0 in float32 (Φ(−15) ≈ 3.7e−51). */
export const PHI_RANGE: f32 = 15.0;
const INV_SQRT_2PI: f32 = 0.398942280;

@inline export function splat(value: f32): v128 {
  return f32x4.splat(value);
}

/** Clamp that keeps NaN: pmax/pmin return their first operand when the comparison is unordered. */
@inline export function clamp(x: v128, lo: f32, hi: f32): v128 {
  return f32x4.pmin(f32x4.pmax(x, f32x4.splat(lo)), f32x4.splat(hi));
}

/** Lanes where x is NaN, as an all-ones mask. */
@inline export function isNaN(x: v128): v128 {
  return f32x4.ne(x, x);
}

/** The magnitude of `magnitude` (assumed >= 0 or +0) with the sign of `sign`. */
@inline export function withSignOf(magnitude: v128, sign: v128): v128 {
  return v128.or(magnitude, v128.and(sign, i32x4.splat(0x80000000)));
}

/**
 * dy·d, and exactly 0 where d is exactly 0 whatever dy holds (Inf and NaN included), as the gradient
 * contract of the kernels asks (src/backend/types.ts, unaryGrad).
 */
@inline export function gradTimes(dy: v128, d: v128): v128 {
  return v128.and(f32x4.mul(dy, d), f32x4.ne(d, f32x4.splat(0)));
}

/** q(r) with e^r = 1 + r + r²·q(r). */
@inline function expQ(r: v128): v128 {
  let q = f32x4.add(f32x4.mul(splat(EXP_Q5), r), splat(EXP_Q4));
  q = f32x4.add(f32x4.mul(q, r), splat(EXP_Q3));
  q = f32x4.add(f32x4.mul(q, r), splat(EXP_Q2));
  q = f32x4.add(f32x4.mul(q, r), splat(EXP_Q1));
  return f32x4.add(f32x4.mul(q, r), splat(EXP_Q0));
}

/**
 * p·2^n for integer n in [−150, 129], as two power-of-two factors that are normal floats: the product
 * rounds once, at the last multiplication, into the subnormal range or to Inf.
 */
@inline function scaleByPow2(p: v128, n: v128): v128 {
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** e^x. Inputs are clamped to [−104, 89], outside which the float32 result is 0 or Inf. */
@inline export function exp(x: v128): v128 {
  const xc = clamp(x, -104.0, 89.0);
  const shifted = f32x4.add(f32x4.mul(xc, splat(LOG2E)), splat(ROUND_MAGIC));
  const n = f32x4.sub(shifted, splat(ROUND_MAGIC));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, splat(LN2_HI))), f32x4.mul(n, splat(LN2_LO)));
  const p = f32x4.add(splat(1), f32x4.add(r, f32x4.mul(f32x4.mul(r, r), expQ(r))));
  return scaleByPow2(p, i32x4.sub(shifted, i32x4.splat(ROUND_MAGIC_BITS)));
}

/**
 * e^(hi + lo) for hi <= 0 with |lo| small (< 2): the reduction subtracts n·ln2 from hi before lo is
 * added, so an exponent argument near −100 keeps the absolute accuracy of its two parts instead of
 * rounding to the 4e−6 spacing of floats near 100 (that spacing would be the relative error of the result).
 */
@inline export function expSum(hi: v128, lo: v128): v128 {
  const hc = f32x4.pmax(hi, splat(-110.0));
  const shifted = f32x4.add(f32x4.mul(f32x4.add(hc, lo), splat(LOG2E)), splat(ROUND_MAGIC));
  const n = f32x4.sub(shifted, splat(ROUND_MAGIC));
  const reduced = f32x4.sub(hc, f32x4.mul(n, splat(LN2_HI)));
  const r = f32x4.sub(f32x4.add(reduced, lo), f32x4.mul(n, splat(LN2_LO)));
  const p = f32x4.add(splat(1), f32x4.add(r, f32x4.mul(f32x4.mul(r, r), expQ(r))));
  const ni = i32x4.max_s(i32x4.sub(shifted, i32x4.splat(ROUND_MAGIC_BITS)), i32x4.splat(-152));
  return scaleByPow2(p, ni);
}

/**
 * e^x − 1, accurate relative to the result near 0 (ELU's negative part). |x| < 0.35 (n = 0) takes the
 * polynomial directly, keeping ±0 and subnormal inputs exact; elsewhere e^x − 1 loses at most a factor
 * 2.5 to cancellation.
 */
@inline export function expm1(x: v128): v128 {
  const xc = clamp(x, -30.0, 89.0);
  const shifted = f32x4.add(f32x4.mul(xc, splat(LOG2E)), splat(ROUND_MAGIC));
  const n = f32x4.sub(shifted, splat(ROUND_MAGIC));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, splat(LN2_HI))), f32x4.mul(n, splat(LN2_LO)));
  // r·(1 + r·q) rather than r + r²·q: the same to an ulp, and −0 stays −0.
  const small = f32x4.mul(r, f32x4.add(splat(1), f32x4.mul(r, expQ(r))));
  const large = f32x4.sub(
    scaleByPow2(f32x4.add(small, splat(1)), i32x4.sub(shifted, i32x4.splat(ROUND_MAGIC_BITS))),
    splat(1),
  );
  return v128.bitselect(small, large, f32x4.eq(n, splat(0)));
}

/** log(1 + u) for u in [0, 1] (NaN propagates), relative to the result even for subnormal u. */
@inline export function log1pUnit(u: v128): v128 {
  const s = f32x4.div(u, f32x4.add(u, splat(2)));
  const w = f32x4.mul(s, s);
  let r = f32x4.add(f32x4.mul(splat(LOG1P_R4), w), splat(LOG1P_R3));
  r = f32x4.add(f32x4.mul(r, w), splat(LOG1P_R2));
  r = f32x4.add(f32x4.mul(r, w), splat(LOG1P_R1));
  r = f32x4.add(f32x4.mul(r, w), splat(LOG1P_R0));
  const twoS = f32x4.add(s, s);
  return f32x4.add(twoS, f32x4.mul(f32x4.mul(twoS, w), r));
}

/** log(1 + e^z) without overflow: max(z, 0) + log1p(e^−|z|). */
@inline export function softplus(z: v128): v128 {
  return f32x4.add(f32x4.pmax(z, splat(0)), log1pUnit(exp(f32x4.neg(f32x4.abs(z)))));
}

/**
 * σ(z) = 1/(1 + e^−z), from e = e^−|z| so that the exponential never overflows: σ(|z|) = 1/(1 + e),
 * σ(−|z|) = e/(1 + e), both without cancellation.
 */
@inline export function sigmoid(z: v128): v128 {
  const e = exp(f32x4.neg(f32x4.abs(z)));
  const num = v128.bitselect(splat(1), e, f32x4.ge(z, splat(0)));
  return f32x4.div(num, f32x4.add(splat(1), e));
}

/** σ(z)·σ(−z) = e/(1 + e)² with e = e^−|z|: σ's derivative without the cancellation of σ(1 − σ). */
@inline export function sigmoidSlope(z: v128): v128 {
  const e = exp(f32x4.neg(f32x4.abs(z)));
  const inv = f32x4.div(splat(1), f32x4.add(splat(1), e));
  return f32x4.mul(f32x4.mul(e, inv), inv);
}

/** tanh via e^(−2|x|) − 1, which is accurate near 0, with the sign put back: odd, exact at ±0. */
@inline export function tanh(x: v128): v128 {
  const m = expm1(f32x4.mul(f32x4.abs(x), splat(-2)));
  const magnitude = f32x4.div(f32x4.neg(m), f32x4.add(m, splat(2)));
  return withSignOf(magnitude, x);
}

/** sech²(x) = 4e/(1 + e)², e = e^(−2|x|): tanh' without the cancellation of 1 − tanh². */
@inline export function sech2(x: v128): v128 {
  const e = exp(f32x4.mul(f32x4.abs(x), splat(-2)));
  const onePlus = f32x4.add(splat(1), e);
  return f32x4.div(f32x4.mul(splat(4), e), f32x4.mul(onePlus, onePlus));
}

/** −x²/2 as hi + lo with hi exact: x split into 12 high bits (whose square is exact) and the rest. */
@inline function halfSquareHi(ax: v128): v128 {
  const high = v128.and(ax, i32x4.splat(0xfffff000));
  return f32x4.mul(f32x4.mul(high, high), splat(-0.5));
}

@inline function halfSquareLo(ax: v128): v128 {
  const high = v128.and(ax, i32x4.splat(0xfffff000));
  return f32x4.mul(f32x4.mul(f32x4.sub(ax, high), f32x4.add(ax, high)), splat(-0.5));
}

/** Φ(−a) for a = min(|x|, PHI_RANGE) >= 0, relative to the result through the whole tail. */
@inline export function normalTail(a: v128): v128 {
  const t = f32x4.div(splat(1), f32x4.add(splat(1), f32x4.mul(a, splat(PHI_T_SCALE))));
  const v = f32x4.sub(t, splat(0.5));
  let p = f32x4.add(f32x4.mul(splat(PHI_P9), v), splat(PHI_P8));
  p = f32x4.add(f32x4.mul(p, v), splat(PHI_P7));
  p = f32x4.add(f32x4.mul(p, v), splat(PHI_P6));
  p = f32x4.add(f32x4.mul(p, v), splat(PHI_P5));
  p = f32x4.add(f32x4.mul(p, v), splat(PHI_P4));
  p = f32x4.add(f32x4.mul(p, v), splat(PHI_P3));
  p = f32x4.add(f32x4.mul(p, v), splat(PHI_P2));
  p = f32x4.add(f32x4.mul(p, v), splat(PHI_P1));
  p = f32x4.add(f32x4.mul(p, v), splat(PHI_P0));
  const e = expSum(halfSquareHi(a), f32x4.add(halfSquareLo(a), p));
  return f32x4.mul(f32x4.mul(t, splat(0.5)), e);
}

/** The standard normal density φ(a) for a = min(|x|, PHI_RANGE). */
@inline export function normalDensity(a: v128): v128 {
  return f32x4.mul(expSum(halfSquareHi(a), halfSquareLo(a)), splat(INV_SQRT_2PI));
}
