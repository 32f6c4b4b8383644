/**
 * The vector math of each activation in the table (src/activations/table.ts), four lanes at a time.
 * Each class is a set of inlined methods that the generic loops in elementwise.ts and the matmul
 * epilogue in gemm.ts are instantiated with; none has state.
 *
 *   forward(x, p0, p1)            f(x)
 *   backward(x, dy, p0, p1)       dy·f'(x), exactly 0 where f'(x) is exactly 0
 *   backwardFromY(y, dy, p0, p1)  the same from y = f(x), for rows whose backwardFrom is 'y'
 *
 * p0 and p1 are the parameters in the order of the row's `params`, splatted. NaN in gives NaN out in
 * both directions; comparisons are written so that NaN falls through to a branch that propagates it.
 */
import {
  GELU_CENTRAL, PHI_RANGE, centralSlopeTerm, centralTailTimesA, clamp, exp, expLow, expm1, expm1Low, gradTimes, isNaN, millsRatio, negAbs, normalDensity, sech2, sigmoid,
  sigmoidSlope, softplus, softplusCentral, SOFTPLUS_CENTRAL, splat, tanh,
} from './vmath';
import { FromX, forwardLoop, gradLoop } from './elementwise';

/**
 * dy where `pass` holds, 0 elsewhere, x's own NaN where x is NaN: the gradient of the piecewise-linear
 * rows. The NaN keeps x's bits (not the all-ones mask, one operation shorter) because the GEMM's fused
 * ReLU backward (gemm.ts) produces exactly these bits, and the two are tested to agree bit for bit.
 */
@inline function gatedGrad(x: v128, dy: v128, pass: v128): v128 {
  return v128.or(v128.and(dy, pass), v128.and(x, isNaN(x)));
}

/**
 * The lanes where 0 < v < bound (a positive constant), from integer compares of the bits, which take
 * any of the four vector pipes where float compares share two with add, min and max (see HardSwish):
 * positive floats order as their bits, negative ones (−0 included) are negative integers, and a NaN
 * is outside (above bound's bits, or negative).
 */
@inline function openFromZero(v: v128, bound: f32): v128 {
  return v128.and(i32x4.gt_s(v, i32x4.splat(0)), i32x4.lt_s(v, i32x4.splat(reinterpret<i32>(bound))));
}

/** x > 0 ? x : slope·x. NaN and −0 go to the slope branch, as in the reference. */
@inline function leakyForward(x: v128, slope: v128): v128 {
  return v128.bitselect(x, f32x4.mul(x, slope), f32x4.gt(x, splat(0)));
}

/** f'(x) = x > 0 ? 1 : slope, NaN for NaN x (or-ing NaN's bits into any value gives a NaN). */
@inline function leakyBackward(x: v128, dy: v128, slope: v128): v128 {
  const d = v128.bitselect(splat(1), slope, f32x4.gt(x, splat(0)));
  return gradTimes(dy, v128.or(d, v128.and(x, isNaN(x))));
}

@final export class Relu {
  // x <= 0 gives +0 (−0 included); NaN is not <= 0 and passes through.
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return v128.andnot(x, f32x4.le(x, splat(0)));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gatedGrad(x, dy, f32x4.gt(x, splat(0)));
  }
  @inline backwardFromY(y: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gatedGrad(y, dy, f32x4.gt(y, splat(0)));
  }
}

@final export class Relu6 {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return f32x4.pmin(v128.andnot(x, f32x4.le(x, splat(0))), splat(6));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gatedGrad(x, dy, openFromZero(x, 6));
  }
  @inline backwardFromY(y: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gatedGrad(y, dy, openFromZero(y, 6));
  }
}

const TWO_TO_100: f32 = 1.2676506002282294e30;

/**
 * Leaky ReLU for a slope 0 < α <= 1 (p0), which covers the defaults (leaky_relu 0.01, prelu 0.25, rrelu
 * 0.23), in as many vector operations as relu: the loops take it for such slopes (leakyForwardArray),
 * the general forms above for the others. Its forward gives the general form's bits in every lane, so
 * the GEMM epilogue, which keeps the general form, agrees with the separate kernel.
 */
@final export class LeakyUnitSlope {
  // pmax(αx, x) = αx < x ? x : αx. For x > 0, αx <= x (α <= 1, and rounding is monotonic): x, or an αx
  // equal to it; for x <= 0 (−0 included) αx >= x: αx; NaN compares false: αx, NaN as in the general
  // form. α > 0 matters: with α = 0, x = +Inf would give 0·Inf = NaN.
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return f32x4.pmax(f32x4.mul(x, p0), x);
  }
  // f'(x) = pmax(pmin(x·2^100·2^100, 1), α). The product is >= 2^51 for every x > 0 (2^−149 included):
  // exactly 1; it is <= 0 for x <= 0: α, the kink at 0 included as in PyTorch; NaN is the first operand
  // of both and stays NaN. α > 0 means f' is never 0, so dy·f' needs no masking (gradTimes).
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const t = f32x4.mul(f32x4.mul(x, splat(TWO_TO_100)), splat(TWO_TO_100));
    return f32x4.mul(dy, f32x4.pmax(f32x4.pmin(t, splat(1)), p0));
  }
}

/** Any slope, as a parameter: the general forms, for the slopes LeakyUnitSlope does not take. */
@final export class LeakyAnySlope {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return leakyForward(x, p0);
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return leakyBackward(x, dy, p0);
  }
}

@inline function leakyForwardArray(x: usize, out: usize, n: i32, slope: f32): void {
  if (slope > 0 && slope <= 1) forwardLoop<LeakyUnitSlope>(x, out, n, slope, 0);
  else forwardLoop<LeakyAnySlope>(x, out, n, slope, 0);
}

@inline function leakyBackwardArray(x: usize, dy: usize, dx: usize, n: i32, slope: f32): void {
  if (slope > 0 && slope <= 1) gradLoop<FromX<LeakyUnitSlope>>(x, dy, dx, n, slope, 0);
  else gradLoop<FromX<LeakyAnySlope>>(x, dy, dx, n, slope, 0);
}

/** p0 = alpha. Prelu below has the same kernels. */
export class LeakyRelu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return leakyForward(x, p0);
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return leakyBackward(x, dy, p0);
  }
  @inline forwardArray(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
    leakyForwardArray(x, out, n, p0);
  }
  @inline backwardArray(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
    leakyBackwardArray(x, dy, dx, n, p0);
  }
}

/**
 * leaky_relu's kernels with the fixed slope p0; the prelu layer learns one slope per channel through
 * preluChannels (prelu.ts).
 */
@final export class Prelu extends LeakyRelu {}

/**
 * p0 = lower, p1 = upper; in inference the slope is their mean, as in PyTorch. The loops get it
 * computed once, in float32 as the lanes compute it.
 */
@final export class Rrelu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return leakyForward(x, f32x4.mul(f32x4.add(p0, p1), splat(0.5)));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return leakyBackward(x, dy, f32x4.mul(f32x4.add(p0, p1), splat(0.5)));
  }
  @inline forwardArray(x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
    leakyForwardArray(x, out, n, (p0 + p1) * <f32>0.5);
  }
  @inline backwardArray(x: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
    leakyBackwardArray(x, dy, dx, n, (p0 + p1) * <f32>0.5);
  }
}

/**
 * p0 = alpha. The exponentials are only kept for x <= 0, so the one-factor forms (valid up to x = 88)
 * serve: what they give for large positive x is discarded by the select.
 */
@final export class Elu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return v128.bitselect(x, f32x4.mul(p0, expm1Low(x)), f32x4.gt(x, splat(0)));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gradTimes(dy, v128.bitselect(splat(1), f32x4.mul(p0, expLow(x)), f32x4.gt(x, splat(0))));
  }
}

const SELU_LAMBDA: f32 = 1.05070098735548;
const SELU_ALPHA: f32 = 1.67326324235437;
// λ·α rounded once (float64 product to float32), instead of two float32 multiplications per element.
const SELU_LAMBDA_ALPHA: f32 = <f32>(<f64>1.0507009873554804934 * <f64>1.6732632423543772848);

/** As ELU, the exponentials only matter for x <= 0. */
@final export class Selu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    const negative = f32x4.mul(splat(SELU_LAMBDA_ALPHA), expm1Low(x));
    return v128.bitselect(f32x4.mul(x, splat(SELU_LAMBDA)), negative, f32x4.gt(x, splat(0)));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const negative = f32x4.mul(splat(SELU_LAMBDA_ALPHA), expLow(x));
    return gradTimes(dy, v128.bitselect(splat(SELU_LAMBDA), negative, f32x4.gt(x, splat(0))));
  }
}

/**
 * p0 = alpha (any non-zero value; a negative alpha makes the exponent positive for x < 0). The central
 * forms take the exponentials of expm1Low and expLow, whose argument x/α must stay below their bounds:
 * always so for alpha > 0 (x/α <= 0 where the exponential is kept; the lanes x > 0 select x), and for a
 * negative alpha up to |x| = 64|α|, where CELU is already −α·6e27. Beyond, and for NaN, the full-range
 * forms; forward and backward select per lane, so that every path gives the same bits (elementwise.ts). The division stays (rather than a hoisted 1/α) because x/α rounds once, and its relative
 * error is multiplied by |x/α| in e^(x/α).
 */
@final export class Celu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    const full = v128.bitselect(x, f32x4.mul(p0, expm1(f32x4.div(x, p0))), f32x4.gt(x, splat(0)));
    return v128.bitselect(this.forwardCentral(x, p0, p1), full, this.central(x, p0, p1));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const full = gradTimes(dy, v128.bitselect(splat(1), exp(f32x4.div(x, p0)), f32x4.gt(x, splat(0))));
    return v128.bitselect(this.backwardCentral(x, dy, p0, p1), full, this.central(x, p0, p1));
  }
  @inline central(x: v128, p0: v128, p1: v128): v128 {
    return v128.or(f32x4.le(f32x4.div(x, p0), splat(64)), f32x4.gt(x, splat(0)));
  }
  @inline forwardCentral(x: v128, p0: v128, p1: v128): v128 {
    return v128.bitselect(x, f32x4.mul(p0, expm1Low(f32x4.div(x, p0))), f32x4.gt(x, splat(0)));
  }
  @inline backwardCentral(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gradTimes(dy, v128.bitselect(splat(1), expLow(f32x4.div(x, p0)), f32x4.gt(x, splat(0))));
  }
}

/**
 * gelu(x) = x·Φ(x), with a = min(|x|, PHI_RANGE), the tail T = Φ(−a) = φ(a)·R(a) (R the Mills ratio) and
 * Φ(x) = T below zero, 1 − T above (no cancellation: T <= ½ there). Below −PHI_RANGE Φ is 0, and the
 * clamped x keeps −Inf·0 from giving NaN.
 */
@final export class Gelu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    const a = f32x4.pmin(f32x4.abs(x), splat(PHI_RANGE));
    const tail = f32x4.mul(normalDensity(a), millsRatio(a));
    const cdf = v128.bitselect(f32x4.sub(splat(1), tail), tail, f32x4.gt(x, splat(0)));
    const full = f32x4.mul(f32x4.pmax(x, splat(-PHI_RANGE)), cdf);
    return v128.bitselect(this.forwardCentral(x, p0, p1), full, this.central(x, p0, p1));
  }
  // Φ(x) + x·φ(x) is φ(a)·(R(a) − a) for x <= 0 and 1 − φ(a)·(R(a) − a) above: one exponential, and
  // the cancellation near x = −0.75, where the derivative crosses zero, happens in R − a, before the
  // factor φ, so the error there is absolute in R (2e−7) times φ.
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const a = f32x4.pmin(f32x4.abs(x), splat(PHI_RANGE));
    const u = f32x4.mul(normalDensity(a), f32x4.sub(millsRatio(a), a));
    const full = gradTimes(dy, v128.bitselect(f32x4.sub(splat(1), u), u, f32x4.gt(x, splat(0))));
    return v128.bitselect(this.backwardCentral(x, dy, p0, p1), full, this.central(x, p0, p1));
  }
  // The central forms (|x| <= GELU_CENTRAL: all lanes of typical data): rationals for the Mills ratio
  // times e^(−a²/2) without the tail's care (vmath.ts), and x·Φ(x) = max(x, 0) − a·Φ(−a), which is −a·T
  // below zero and x − a·T above, in two operations instead of a select. forward and backward above
  // take them for these lanes, so every path (the blocks of elementwise.ts, its tail, the GEMM
  // epilogue) gives the same bits.
  @inline central(x: v128, p0: v128, p1: v128): v128 {
    return f32x4.le(f32x4.abs(x), splat(GELU_CENTRAL));
  }
  @inline forwardCentral(x: v128, p0: v128, p1: v128): v128 {
    return f32x4.sub(f32x4.pmax(x, splat(0)), centralTailTimesA(f32x4.abs(x)));
  }
  @inline backwardCentral(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const u = centralSlopeTerm(f32x4.abs(x));
    return gradTimes(dy, v128.bitselect(f32x4.sub(splat(1), u), u, f32x4.gt(x, splat(0))));
  }
}

const SQRT_2_OVER_PI: f32 = 0.797884561;
const GELU_TANH_C: f32 = 0.044715;

/** 2u = 2√(2/π)(x + 0.044715x³): gelu_tanh(x) = x·σ(2u), the table's form of ½x(1 + tanh u). */
@inline function geluTanhArg(x: v128): v128 {
  const inner = f32x4.mul(x, f32x4.add(splat(1), f32x4.mul(splat(GELU_TANH_C), f32x4.mul(x, x))));
  return f32x4.mul(inner, splat(2 * SQRT_2_OVER_PI));
}

/** Beyond |x| = 20, σ(2u) is 0 or 1 in float32 and the derivative's second term is 0. */
@final export class GeluTanh {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return f32x4.mul(f32x4.pmax(x, splat(-20)), sigmoid(geluTanhArg(x)));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const xc = clamp(x, -20, 20);
    const z = geluTanhArg(xc);
    const du = f32x4.mul(
      splat(2 * SQRT_2_OVER_PI),
      f32x4.add(splat(1), f32x4.mul(splat(3 * GELU_TANH_C), f32x4.mul(xc, xc))),
    );
    const d = f32x4.add(sigmoid(z), f32x4.mul(f32x4.mul(xc, sigmoidSlope(z)), du));
    return gradTimes(dy, d);
  }
}

/** silu(x) = x·σ(x); below −120 σ is 0 in float32, and the clamp keeps −Inf·0 away. */
@final export class Silu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return f32x4.mul(f32x4.pmax(x, splat(-120)), sigmoid(x));
  }
  // σ(x) + x·σ(x)σ(−x), with both factors from one e^−|x|.
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const xc = clamp(x, -120, 120);
    const e = expLow(negAbs(xc));
    const inv = f32x4.div(splat(1), f32x4.add(splat(1), e));
    const s = f32x4.mul(v128.bitselect(splat(1), e, f32x4.ge(xc, splat(0))), inv);
    return gradTimes(dy, f32x4.add(s, f32x4.mul(xc, f32x4.mul(f32x4.mul(e, inv), inv))));
  }
}

/**
 * mish(x) = x·tanh(softplus(x)) = x·n/(n + 2) with e = e^x and n = e(e + 2): one exponential, no
 * logarithm, and relative accuracy in the negative tail. Above x = 20 the ratio is 1 in float32, so
 * e is taken of min(x, 20) and never overflows.
 */
@final export class Mish {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    const e = expLow(f32x4.pmin(x, splat(20)));
    const n = f32x4.mul(e, f32x4.add(e, splat(2)));
    return f32x4.mul(f32x4.pmax(x, splat(-120)), f32x4.div(n, f32x4.add(n, splat(2))));
  }
  // tanh(sp) + x·σ(x)·sech²(sp) = n/(n + 2) + 4x·e(e + 1)/(n + 2)².
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const xc = clamp(x, -120, 20);
    const e = expLow(xc);
    const n = f32x4.mul(e, f32x4.add(e, splat(2)));
    const inv = f32x4.div(splat(1), f32x4.add(n, splat(2)));
    const second = f32x4.mul(f32x4.mul(f32x4.mul(splat(4), xc), f32x4.mul(e, f32x4.add(e, splat(1)))), f32x4.mul(inv, inv));
    const d = f32x4.add(f32x4.mul(n, inv), second);
    return gradTimes(dy, v128.bitselect(splat(1), d, f32x4.gt(x, splat(20))));
  }
}

/** p0 = beta, p1 = threshold: softplus(βx)/β, and x itself once βx > threshold (PyTorch). */
@final export class Softplus {
  // 1/β is loop-invariant (hoisted with the splat): a multiplication instead of a division per element.
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    const bx = f32x4.mul(x, p0);
    const invBeta = splat(1 / f32x4.extract_lane(p0, 0));
    const full = v128.bitselect(x, f32x4.mul(softplus(bx), invBeta), f32x4.gt(bx, p1));
    return v128.bitselect(this.forwardCentral(x, p0, p1), full, this.central(x, p0, p1));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const bx = f32x4.mul(x, p0);
    return gradTimes(dy, v128.bitselect(splat(1), sigmoid(bx), f32x4.gt(bx, p1)));
  }
  // The central form, for −SOFTPLUS_CENTRAL <= βx <= min(threshold, SOFTPLUS_CENTRAL): no threshold
  // select, and e^−|βx| a normal float (softplusCentral). NaN fails both comparisons. forward takes it
  // for these lanes, so that every path gives the same bits (elementwise.ts).
  @inline central(x: v128, p0: v128, p1: v128): v128 {
    const bx = f32x4.mul(x, p0);
    const upper = f32x4.pmin(p1, splat(SOFTPLUS_CENTRAL));
    return v128.and(f32x4.le(bx, upper), f32x4.ge(bx, splat(-SOFTPLUS_CENTRAL)));
  }
  @inline forwardCentral(x: v128, p0: v128, p1: v128): v128 {
    return f32x4.mul(softplusCentral(f32x4.mul(x, p0)), splat(1 / f32x4.extract_lane(p0, 0)));
  }
}

@final export class Sigmoid {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return sigmoid(x);
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gradTimes(dy, sigmoidSlope(x));
  }
  @inline backwardFromY(y: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gradTimes(dy, f32x4.mul(y, f32x4.sub(splat(1), y)));
  }
}

@final export class Tanh {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return tanh(x);
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gradTimes(dy, sech2(x));
  }
  // (1 − y)(1 + y) rather than 1 − y²: exact to an ulp when y is near ±1.
  @inline backwardFromY(y: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gradTimes(dy, f32x4.mul(f32x4.sub(splat(1), y), f32x4.add(splat(1), y)));
  }
}

@final export class HardSigmoid {
  // (x + 3)/6 clamped to [0, 1]: x + 3 is exact near −3, so small values keep their relative accuracy.
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return clamp(f32x4.mul(f32x4.add(x, splat(3)), splat(1.0 / 6.0)), 0, 1);
  }
  // −3 < x < 3 as |x| < 3 on the bits (integer operations, see openFromZero): a NaN's magnitude is
  // above 3's bits.
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const inside = i32x4.lt_s(v128.and(x, i32x4.splat(0x7fffffff)), i32x4.splat(reinterpret<i32>(<f32>3)));
    return gatedGrad(x, f32x4.mul(dy, splat(1.0 / 6.0)), inside);
  }
  @inline backwardFromY(y: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gatedGrad(y, f32x4.mul(dy, splat(1.0 / 6.0)), openFromZero(y, 1));
  }
}

/**
 * The loops here run at about one vector per cycle when stores bound them (relu), and the x64 code of
 * f32x4 add, min, max and comparisons shares two of the four vector pipes (four of them in a row run
 * at half relu's speed, with two multiplications and two additions 0.73), while integer compares,
 * integer min/max and bitwise operations take any pipe. So HardSwish counts operations, and moves
 * what it can to integer ones where the bits allow.
 */
@final export class HardSwish {
  /** Marks the class for the one-vector-at-a-time block loop (elementwise.ts, FromX.grad4). */
  @inline streams(): void {}
  // min(x·u, max(x, 0)) with u = (x + 3)/6 unclamped: x·u <= x for 0 <= x < 3 (u < 1) and >= x above
  // (u >= 1: 6·fround(1/6) rounds to 1), so the min gives x·(x + 3)/6 or x; for x < 0 the bound is 0,
  // which only x <= −3 reaches (x·u >= 0 there), and x·u overflowing to Inf is bounded the same way.
  // u is computed as (−3 − x)·(−1/6), the same value as (x + 3)·(1/6) but −0 at x = −3, so x·u is +0
  // there, as the reference's 0 (pmin keeps its first operand on a tie of zeros); x + 3 is exact near
  // −3. −0 gives −0·½ = −0, kept. max(x, 0) is an integer max on the bits (negative floats are
  // negative integers): it turns a NaN with the sign bit into 0, but x·u is NaN then, the first operand
  // of pmin, which keeps it. The middle values are the same x·u as before, so the bits are unchanged.
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    const u = f32x4.mul(f32x4.sub(splat(-3), x), splat(-1.0 / 6.0));
    return f32x4.pmin(f32x4.mul(x, u), i32x4.max_s(x, i32x4.splat(0)));
  }
  // m = (x + 1.5)/3 rather than x/3 + ½: exact where the derivative crosses 0 at x = −1.5. Above 3 the
  // derivative is 1: min(m, t), where t is 1 for x > 3 (m >= 1.5 there) and all ones (a NaN, which min
  // passes over) for x <= 3, from an integer compare of the bits (x <= 3 is bits < bits(3) + 1 for
  // x >= +0, and every negative x, −NaN included, is a negative integer; +NaN gives t = 1 and min keeps
  // m, NaN). Then dy·d, cleared where x < −3 and where m is exactly 0 (x = −1.5; an integer compare:
  // m is never −0, and a NaN m is not 0): exactly 0 there whatever dy holds, NaN kept.
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const m = f32x4.mul(f32x4.add(x, splat(1.5)), splat(1.0 / 3.0));
    const upTo3 = i32x4.lt_s(x, i32x4.splat(0x40400001));
    const d = f32x4.pmin(m, v128.or(upTo3, splat(1)));
    const zero = v128.or(i32x4.eq(m, i32x4.splat(0)), f32x4.lt(x, splat(-3)));
    return v128.andnot(f32x4.mul(dy, d), zero);
  }
}

/** x/(1 + |x|); beyond |x| = 2^26 the quotient is ±1 in float32, and the clamp keeps Inf/Inf away. */
@final export class Softsign {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    const xc = clamp(x, -67108864.0, 67108864.0);
    return f32x4.div(xc, f32x4.add(splat(1), f32x4.abs(xc)));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const denominator = f32x4.add(splat(1), f32x4.abs(x));
    return gradTimes(dy, f32x4.div(splat(1), f32x4.mul(denominator, denominator)));
  }
}

/** p0 = theta. */
@final export class ThresholdedRelu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return v128.andnot(x, f32x4.le(x, p0));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gatedGrad(x, dy, f32x4.gt(x, p0));
  }
}

@final export class Linear {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return x;
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return v128.or(dy, v128.and(x, isNaN(x)));
  }
  @inline backwardFromY(y: v128, dy: v128, p0: v128, p1: v128): v128 {
    return v128.or(dy, v128.and(y, isNaN(y)));
  }
}
