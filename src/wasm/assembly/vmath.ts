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

// e^r = 1 + r + r²·Q(r), Q(r) = (Q0 + Q1·r) + r²·(Q2 + Q3·r), for |r| <= ln2/2: a weighted minimax fit
// (Lawson iterations in float64, rounded to float32) of the error relative to e^r − 1, the stricter of
// the two uses. Evaluated in float32: e^r within 2.7e−7 and e^r − 1 within 5.5e−7 of the exact values,
// relative. The degree is the lowest that keeps every kernel inside the tolerance of
// scripts/wasm-accuracy.ts with margin; Estrin's order keeps the dependency chain short, which is what
// limits these loops (the operations of one vector depend on each other, and only a few vectors fit
// in the scheduler at once).
const EXP_Q0: f32 = 0.49999401;
const EXP_Q1: f32 = 0.166668311;
const EXP_Q2: f32 = 0.0418726504;
const EXP_Q3: f32 = 0.00833807234;
// ROUND_MAGIC + bias: the rounded integer n sits in the low mantissa bits already biased, so shifting
// the bits left by 23 gives a power of two (exponent field n + bias) in one operation. The exponent
// field is 9 bits wide there, so n + bias must stay in [0, 255]; 0 gives +0.
const ROUND_MAGIC_BIAS_127: f32 = 12583039.0;
// expLow scales by 2^(n + 24) and then by 2^−24, so that subnormal results round once, correctly.
const ROUND_MAGIC_BIAS_151: f32 = 12583063.0;
const TWO_M24: f32 = 5.9604644775390625e-8;
/** Below this, e^x is under half the smallest subnormal: n + 151 = 0 makes the result +0. */
const EXP_LOW_CLAMP: f32 = -104.5;
/** Below this, e^x − 1 is −1 in float32; n + 127 = 0 makes the scale +0 and the result exactly −1. */
const EXPM1_LOW_CLAMP: f32 = -88.0;

// log1p(u) = 2s + 2s³·R(s²), s = u/(2 + u), for u in [0, 1]; R of degree 2 in s² ∈ [0, 1/9]
// (scripts/wasm-fit.ts): log1p within 6.4e−7 relative in float32. Degree 4 (2.5e−9) was far below what
// softplus, its only user, needs (4e−6); two fewer Horner steps are 12% of softplus's forward.
const LOG1P_R0: f32 = 0.333338827;
const LOG1P_R1: f32 = 0.199115351;
const LOG1P_R2: f32 = 0.163469747;

// Φ(−a) = φ(a)·R(a), R the Mills ratio, as R(a) = t·Q(t − ½) with t = 1/(1 + a/(2√2)) (the variable
// of Numerical Recipes' erfcc, §6.2): Q is a degree-8 weighted minimax fit of R/t on a ∈ [0, 15]
// (Lawson iterations in float64, rounded to float32), within 2.2e−7 of R in float32, relative. Keeping
// φ as a factor (rather than folding the polynomial into the exponent) lets GELU's derivative share
// the one exponential with its value: Φ(x) + x·φ(x) = φ(a)·(R(a) − a) for x = −a <= 0.
const PHI_T_SCALE: f32 = 0.353553391;
const MILLS_Q0: f32 = 0.640182078;
const MILLS_Q1: f32 = 0.861228526;
const MILLS_Q2: f32 = 0.700526357;
const MILLS_Q3: f32 = 0.182659954;
const MILLS_Q4: f32 = -0.215401798;
const MILLS_Q5: f32 = -0.129111603;
const MILLS_Q6: f32 = 0.119471736;
const MILLS_Q7: f32 = 0.0606938824;
const MILLS_Q8: f32 = -0.0742107704;
// GELU's central kernels, for |x| <= GELU_CENTRAL (elementwise.ts runs them on a block of sixteen floats
// when every one is in range, the general form above otherwise). R(a) = P(a)/Q(a) on [0, 5], degrees 3
// and 4 (scripts/wasm-fit.ts): every coefficient is positive, so the float32 evaluation loses nothing
// to cancellation, and R is within 2.9e−7 of the exact ratio, relative, with the rounding of Horner's
// rule and the division. 1/√(2π) is folded in: φ(a)·R(a) = e^(−a²/2)·GELU_P(a)/GELU_Q(a). GELU_N is
// (P − a·Q)/√(2π), so that φ(a)·(R(a) − a), the derivative's factor, is one rational too; its zero near
// a = 0.75 then comes from the polynomial directly, not from subtracting a from R after the rounding
// of the division (float32 error of φ·(R − a): 8e−8 absolute, about three times less than R − a).
export const GELU_CENTRAL: f32 = 5.0;
const GELU_P0: f32 = 0.499999970;
const GELU_P1: f32 = 0.327708513;
const GELU_P2: f32 = 0.100912541;
const GELU_P3: f32 = 0.0128677776;
const GELU_Q1: f32 = 1.45329952;
const GELU_Q2: f32 = 0.861411929;
const GELU_Q3: f32 = 0.252268374;
const GELU_Q4: f32 = 0.0322822779;
const GELU_N0: f32 = 0.499999970;
const GELU_N1: f32 = -0.0712337568;
const GELU_N2: f32 = -0.478870064;
const GELU_N3: f32 = -0.330785841;
const GELU_N4: f32 = -0.100640528;
const GELU_N5: f32 = -0.0128787663;
// e^(−a²/2) = 2^z, z = −a²·(log2 e)/2 = n + f with |f| <= ½, 2^f by a degree-5 relative minimax
// polynomial (scripts/wasm-fit.ts, EXP2_C: within 2.3e−7 in float32, Horner). Horner rather than
// Estrin's order here: the four vectors of a block already overlap, and measured on V8 the shorter
// chain cost more in spilled registers than it saved (0.55 against 0.67 elements/ns). The rounding of
// z costs 0.83e−7·|z| relative (z is a product of two rounded factors): 1.5e−6 at a = 5, where GELU is
// below 1.5e−6 and its tolerance absolute, and under 3e−7 for a <= 2.2, where the tolerance is relative.
const HALF_LOG2E_NEG: f32 = -0.721347511;
const EXP2_C0: f32 = 1.00000012;
const EXP2_C1: f32 = 0.693146944;
const EXP2_C2: f32 = 0.240221202;
const EXP2_C3: f32 = 0.0555071346;
const EXP2_C4: f32 = 0.00967554655;
const EXP2_C5: f32 = 0.00132764876;
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

/** Q(r) with e^r = 1 + r + r²·Q(r), given r and r². */
@inline function expQ(r: v128, r2: v128): v128 {
  const lo = f32x4.add(splat(EXP_Q0), f32x4.mul(splat(EXP_Q1), r));
  const hi = f32x4.add(splat(EXP_Q2), f32x4.mul(splat(EXP_Q3), r));
  return f32x4.add(lo, f32x4.mul(r2, hi));
}

/** e^r for |r| <= ln2/2. */
@inline function expReduced(r: v128): v128 {
  const r2 = f32x4.mul(r, r);
  return f32x4.add(f32x4.add(splat(1), r), f32x4.mul(r2, expQ(r, r2)));
}

/** e^r − 1 for |r| <= ln2/2, as r·(1 + r·Q): relative to the result, and −0 stays −0. */
@inline function expm1Reduced(r: v128): v128 {
  return f32x4.mul(r, f32x4.add(splat(1), f32x4.mul(r, expQ(r, f32x4.mul(r, r)))));
}

/** x − n·ln2 in two steps (Cody–Waite), exact enough for |n| < 512. */
@inline function reduce(x: v128, n: v128): v128 {
  return f32x4.sub(f32x4.sub(x, f32x4.mul(n, splat(LN2_HI))), f32x4.mul(n, splat(LN2_LO)));
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

/**
 * e^x over the whole range: inputs are clamped to [−104, 89], outside which the float32 result is 0 or
 * Inf, and the scale is split in two so that subnormal results and results near FLT_MAX are right.
 * For the hot kernels whose argument is <= 88 see expLow.
 */
@inline export function exp(x: v128): v128 {
  const xc = clamp(x, -104.0, 89.0);
  const shifted = f32x4.add(f32x4.mul(xc, splat(LOG2E)), splat(ROUND_MAGIC));
  const n = f32x4.sub(shifted, splat(ROUND_MAGIC));
  return scaleByPow2(expReduced(reduce(xc, n)), i32x4.sub(shifted, i32x4.splat(ROUND_MAGIC_BITS)));
}

/**
 * e^x for x <= 71, the exponential of the hot kernels (their arguments are −|z|, or clamped): the scale
 * is one shift and one multiplication instead of the two factors of exp, and −Inf gives +0. NaN
 * propagates; larger x gives garbage, so callers either guarantee the bound or discard those lanes.
 */
@inline export function expLow(x: v128): v128 {
  const xc = f32x4.pmax(x, splat(EXP_LOW_CLAMP));
  const shifted = f32x4.add(f32x4.mul(xc, splat(LOG2E)), splat(ROUND_MAGIC_BIAS_151));
  const n = f32x4.sub(shifted, splat(ROUND_MAGIC_BIAS_151));
  return f32x4.mul(f32x4.mul(expReduced(reduce(xc, n)), i32x4.shl(shifted, 23)), splat(TWO_M24));
}

/**
 * e^x − 1 for x <= 88, relative to the result near 0 (the negative part of ELU, and tanh). With
 * s = 2^n and e^r − 1 = m, e^x − 1 = s·m − (1 − s): for n = 0 that is m itself (±0 and subnormal
 * inputs come back exact), elsewhere 1 − s is exact. Larger x gives garbage, as for expLow.
 */
@inline export function expm1Low(x: v128): v128 {
  const xc = f32x4.pmax(x, splat(EXPM1_LOW_CLAMP));
  const shifted = f32x4.add(f32x4.mul(xc, splat(LOG2E)), splat(ROUND_MAGIC_BIAS_127));
  const n = f32x4.sub(shifted, splat(ROUND_MAGIC_BIAS_127));
  const s = i32x4.shl(shifted, 23);
  return f32x4.sub(f32x4.mul(s, expm1Reduced(reduce(xc, n))), f32x4.sub(splat(1), s));
}

/**
 * scale·e^(hi + lo) for hi <= 0 with |lo| < 0.5: the reduction subtracts n·ln2 from hi before lo is
 * added, so an exponent argument near −100 keeps the absolute accuracy of its two parts instead of
 * rounding to the 4e−6 spacing of floats near 100 (that spacing would be the relative error of the
 * result). The scale is as in expLow (2^(n + 24), then 2^−24 folded into `scale`, one rounding), so
 * subnormal results are right. hi is clamped so that n >= −151 (the +0 scale) with r still in range:
 * e^(hi + lo) below −104.4 is +0, never a negative zero from the polynomial far outside its interval.
 */
@inline export function expSum(hi: v128, lo: v128, scale: f32): v128 {
  const hc = f32x4.pmax(hi, splat(-104.4));
  const shifted = f32x4.add(f32x4.mul(f32x4.add(hc, lo), splat(LOG2E)), splat(ROUND_MAGIC_BIAS_151));
  const n = f32x4.sub(shifted, splat(ROUND_MAGIC_BIAS_151));
  const reduced = f32x4.sub(hc, f32x4.mul(n, splat(LN2_HI)));
  const r = f32x4.sub(f32x4.add(reduced, lo), f32x4.mul(n, splat(LN2_LO)));
  return f32x4.mul(f32x4.mul(expReduced(r), i32x4.shl(shifted, 23)), splat(scale * TWO_M24));
}

/**
 * e^x − 1 over the whole range (CELU with a negative alpha needs the positive side up to overflow):
 * the form of expm1Low with the two-factor scale of exp.
 */
@inline export function expm1(x: v128): v128 {
  const xc = clamp(x, -30.0, 89.0);
  const shifted = f32x4.add(f32x4.mul(xc, splat(LOG2E)), splat(ROUND_MAGIC));
  const n = f32x4.sub(shifted, splat(ROUND_MAGIC));
  const m = expm1Reduced(reduce(xc, n));
  const ni = i32x4.sub(shifted, i32x4.splat(ROUND_MAGIC_BITS));
  // n = 0 (|x| < ln2/2) takes m directly; elsewhere 2^n·(1 + m) − 1 loses at most a factor 2.5 to
  // cancellation.
  const large = f32x4.sub(scaleByPow2(f32x4.add(m, splat(1)), ni), splat(1));
  return v128.bitselect(m, large, f32x4.eq(n, splat(0)));
}

/** log(1 + u) for u in [0, 1] (NaN propagates), relative to the result even for subnormal u. */
@inline export function log1pUnit(u: v128): v128 {
  const s = f32x4.div(u, f32x4.add(u, splat(2)));
  const w = f32x4.mul(s, s);
  let r = f32x4.add(f32x4.mul(splat(LOG1P_R2), w), splat(LOG1P_R1));
  r = f32x4.add(f32x4.mul(r, w), splat(LOG1P_R0));
  const twoS = f32x4.add(s, s);
  return f32x4.add(twoS, f32x4.mul(f32x4.mul(twoS, w), r));
}

/** −|z|: or-ing in the sign bit is one operation where negating the absolute value is two. */
@inline export function negAbs(z: v128): v128 {
  return v128.or(z, i32x4.splat(0x80000000));
}

/** log(1 + e^z) without overflow: max(z, 0) + log1p(e^−|z|). */
@inline export function softplus(z: v128): v128 {
  return f32x4.add(f32x4.pmax(z, splat(0)), log1pUnit(expLow(negAbs(z))));
}

/** softplusCentral's bound: e^−87 is a normal float (the smallest is e^−87.34). */
export const SOFTPLUS_CENTRAL: f32 = 87.0;

/**
 * softplus for |z| <= SOFTPLUS_CENTRAL: e^−|z| with the one-factor scale 2^n (normal there), no clamp
 * and no second scaling for subnormal results, which expLow needs for the far tail.
 */
@inline export function softplusCentral(z: v128): v128 {
  const x = negAbs(z);
  const shifted = f32x4.add(f32x4.mul(x, splat(LOG2E)), splat(ROUND_MAGIC_BIAS_127));
  const n = f32x4.sub(shifted, splat(ROUND_MAGIC_BIAS_127));
  const e = f32x4.mul(expReduced(reduce(x, n)), i32x4.shl(shifted, 23));
  return f32x4.add(f32x4.pmax(z, splat(0)), log1pUnit(e));
}

/**
 * σ(z) = 1/(1 + e^−z), from e = e^−|z| so that the exponential never overflows: σ(|z|) = 1/(1 + e),
 * σ(−|z|) = e/(1 + e), both without cancellation. The numerator max(e, [z >= 0]) is 1 or e (e <= 1),
 * one operation shorter than a select; NaN stays in e, the first operand of pmax.
 */
@inline export function sigmoid(z: v128): v128 {
  const e = expLow(negAbs(z));
  const num = f32x4.pmax(e, v128.and(f32x4.ge(z, splat(0)), splat(1)));
  return f32x4.div(num, f32x4.add(splat(1), e));
}

/** σ(z)·σ(−z) = e/(1 + e)² with e = e^−|z|: σ's derivative without the cancellation of σ(1 − σ). */
@inline export function sigmoidSlope(z: v128): v128 {
  const e = expLow(negAbs(z));
  const onePlus = f32x4.add(splat(1), e);
  return f32x4.div(e, f32x4.mul(onePlus, onePlus));
}

/** tanh via e^(−2|x|) − 1, which is accurate near 0, with the sign put back: odd, exact at ±0. */
@inline export function tanh(x: v128): v128 {
  const m = expm1Low(f32x4.mul(negAbs(x), splat(2)));
  const magnitude = f32x4.div(f32x4.neg(m), f32x4.add(m, splat(2)));
  return withSignOf(magnitude, x);
}

/** sech²(x) = 4e/(1 + e)², e = e^(−2|x|): tanh' without the cancellation of 1 − tanh². */
@inline export function sech2(x: v128): v128 {
  const e = expLow(f32x4.mul(negAbs(x), splat(2)));
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

/** The Mills ratio R(a) = Φ(−a)/φ(a) for a = min(|x|, PHI_RANGE) >= 0 (Estrin's order, as expQ). */
@inline export function millsRatio(a: v128): v128 {
  const t = f32x4.div(splat(1), f32x4.add(splat(1), f32x4.mul(a, splat(PHI_T_SCALE))));
  const v = f32x4.sub(t, splat(0.5));
  const v2 = f32x4.mul(v, v);
  const v4 = f32x4.mul(v2, v2);
  const q01 = f32x4.add(splat(MILLS_Q0), f32x4.mul(splat(MILLS_Q1), v));
  const q23 = f32x4.add(splat(MILLS_Q2), f32x4.mul(splat(MILLS_Q3), v));
  const q45 = f32x4.add(splat(MILLS_Q4), f32x4.mul(splat(MILLS_Q5), v));
  const q67 = f32x4.add(splat(MILLS_Q6), f32x4.mul(splat(MILLS_Q7), v));
  const q03 = f32x4.add(q01, f32x4.mul(v2, q23));
  const q47 = f32x4.add(q45, f32x4.mul(v2, q67));
  const q48 = f32x4.add(q47, f32x4.mul(v4, splat(MILLS_Q8)));
  return f32x4.mul(t, f32x4.add(q03, f32x4.mul(v4, q48)));
}

/** The standard normal density φ(a) for a = min(|x|, PHI_RANGE), relative to the result into the tail. */
@inline export function normalDensity(a: v128): v128 {
  return expSum(halfSquareHi(a), halfSquareLo(a), INV_SQRT_2PI);
}

/**
 * e^(−a²/2)·top/bottom for 0 <= a <= GELU_CENTRAL, bottom > 0. No clamp: z >= −18.1, so 2^n is a
 * normal float and so is e^(−a²/2). The order of the last products is the fastest measured.
 */
@inline function gaussianTimes(a: v128, top: v128, bottom: v128): v128 {
  const z = f32x4.mul(f32x4.mul(a, a), splat(HALF_LOG2E_NEG));
  const shifted = f32x4.add(z, splat(ROUND_MAGIC_BIAS_127));
  const f = f32x4.sub(z, f32x4.sub(shifted, splat(ROUND_MAGIC_BIAS_127)));
  let c = f32x4.add(f32x4.mul(f, splat(EXP2_C5)), splat(EXP2_C4));
  c = f32x4.add(f32x4.mul(f, c), splat(EXP2_C3));
  c = f32x4.add(f32x4.mul(f, c), splat(EXP2_C2));
  c = f32x4.add(f32x4.mul(f, c), splat(EXP2_C1));
  c = f32x4.add(f32x4.mul(f, c), splat(EXP2_C0));
  return f32x4.div(f32x4.mul(f32x4.mul(c, i32x4.shl(shifted, 23)), top), bottom);
}

/** Q(a) of the central GELU rationals (Horner: the four vectors of a block give the parallelism). */
@inline function geluQ(a: v128): v128 {
  let q = f32x4.add(f32x4.mul(a, splat(GELU_Q4)), splat(GELU_Q3));
  q = f32x4.add(f32x4.mul(a, q), splat(GELU_Q2));
  q = f32x4.add(f32x4.mul(a, q), splat(GELU_Q1));
  return f32x4.add(f32x4.mul(a, q), splat(1));
}

/** a·Φ(−a) = a·φ(a)·R(a) for 0 <= a <= GELU_CENTRAL, relative to the result. */
@inline export function centralTailTimesA(a: v128): v128 {
  let p = f32x4.add(f32x4.mul(a, splat(GELU_P3)), splat(GELU_P2));
  p = f32x4.add(f32x4.mul(a, p), splat(GELU_P1));
  p = f32x4.add(f32x4.mul(a, p), splat(GELU_P0));
  return gaussianTimes(a, f32x4.mul(a, p), geluQ(a));
}

/** φ(a)·(R(a) − a) for 0 <= a <= GELU_CENTRAL (absolute error 8e−8 near its zero at a ≈ 0.75). */
@inline export function centralSlopeTerm(a: v128): v128 {
  let n = f32x4.add(f32x4.mul(a, splat(GELU_N5)), splat(GELU_N4));
  n = f32x4.add(f32x4.mul(a, n), splat(GELU_N3));
  n = f32x4.add(f32x4.mul(a, n), splat(GELU_N2));
  n = f32x4.add(f32x4.mul(a, n), splat(GELU_N1));
  n = f32x4.add(f32x4.mul(a, n), splat(GELU_N0));
  return gaussianTimes(a, n, geluQ(a));
}
