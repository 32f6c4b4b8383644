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

/**
 * dy where `pass` holds, 0 elsewhere, x's own NaN where x is NaN: the gradient of the piecewise-linear
 * rows. The NaN keeps x's bits (not the all-ones mask, one operation shorter) because the GEMM's fused
 * ReLU backward (gemm.ts) produces exactly these bits, and the two are tested to agree bit for bit.
 */
@inline function gatedGrad(x: v128, dy: v128, pass: v128): v128 {
  return v128.or(v128.and(dy, pass), v128.and(x, isNaN(x)));
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
    return gatedGrad(x, dy, v128.and(f32x4.gt(x, splat(0)), f32x4.lt(x, splat(6))));
  }
  @inline backwardFromY(y: v128, dy: v128, p0: v128, p1: v128): v128 {
    return gatedGrad(y, dy, v128.and(f32x4.gt(y, splat(0)), f32x4.lt(y, splat(6))));
  }
}

/** p0 = alpha. */
@final export class LeakyRelu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return leakyForward(x, p0);
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return leakyBackward(x, dy, p0);
  }
}

/** A fixed slope p0 here; the prelu layer learns one per channel through preluChannels (prelu.ts). */
@final export class Prelu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return leakyForward(x, p0);
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return leakyBackward(x, dy, p0);
  }
}

/** p0 = lower, p1 = upper; in inference the slope is their mean, as in PyTorch. */
@final export class Rrelu {
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    return leakyForward(x, f32x4.mul(f32x4.add(p0, p1), splat(0.5)));
  }
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return leakyBackward(x, dy, f32x4.mul(f32x4.add(p0, p1), splat(0.5)));
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
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const inside = v128.and(f32x4.gt(x, splat(-3)), f32x4.lt(x, splat(3)));
    return gatedGrad(x, f32x4.mul(dy, splat(1.0 / 6.0)), inside);
  }
  @inline backwardFromY(y: v128, dy: v128, p0: v128, p1: v128): v128 {
    const inside = v128.and(f32x4.gt(y, splat(0)), f32x4.lt(y, splat(1)));
    return gatedGrad(y, f32x4.mul(dy, splat(1.0 / 6.0)), inside);
  }
}

@final export class HardSwish {
  // x·h with h = clamp(x + 3, 0, 6)·(1/6): min, max and multiplications, no select. h is exactly 1
  // above 3 (6·fround(1/6) rounds to 1), so x comes back unchanged there and x·6 never overflows; x + 3
  // is exact near −3. Where h is 0 the product is −0 (or NaN for −Inf), so those lanes are cleared to
  // +0; −0 itself keeps its sign (h = ½ there), and NaN passes through the clamp.
  @inline forward(x: v128, p0: v128, p1: v128): v128 {
    const h = f32x4.mul(clamp(f32x4.add(x, splat(3)), 0, 6), splat(1.0 / 6.0));
    return v128.and(f32x4.mul(x, h), f32x4.ne(h, splat(0)));
  }
  // (x + 1.5)/3 rather than x/3 + ½: exact where the derivative crosses 0 at x = −1.5.
  @inline backward(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    const middle = f32x4.mul(f32x4.add(x, splat(1.5)), splat(1.0 / 3.0));
    const d = v128.andnot(v128.bitselect(splat(1), middle, f32x4.gt(x, splat(3))), f32x4.lt(x, splat(-3)));
    return gradTimes(dy, d);
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
