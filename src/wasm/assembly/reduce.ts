/**
 * Whole-array reductions for norms and diagnostics (gradient clipping, the training monitor): float64
 * sums of float32 products, two lanes at a time. Each f32 square is exact in f64 (24 + 24 bits < 53),
 * so the sums differ from the reference's sequential f64 loop (src/backend/js.ts) only in summation
 * order: four interleaved partial sums here, combined at the end.
 */

@inline function widenLow(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

@inline function widenHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}

/** Σ x[i]² in float64. */
export function sumSquaresF64(x: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = x + (<usize>i << 2);
    const a = v128.load(p), b = v128.load(p, 16);
    const a0 = widenLow(a), a1 = widenHigh(a), b0 = widenLow(b), b1 = widenHigh(b);
    s0 = f64x2.add(s0, f64x2.mul(a0, a0));
    s1 = f64x2.add(s1, f64x2.mul(a1, a1));
    s2 = f64x2.add(s2, f64x2.mul(b0, b0));
    s3 = f64x2.add(s3, f64x2.mul(b1, b1));
  }
  const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    total += v * v;
  }
  return total;
}

/** Σ (a[i] − b[i])² in float64 (the difference taken in float64, so exact). */
export function squaredDistanceF64(a: usize, b: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = s0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const va = v128.load(a + (<usize>i << 2)), vb = v128.load(b + (<usize>i << 2));
    const d0 = f64x2.sub(widenLow(va), widenLow(vb)), d1 = f64x2.sub(widenHigh(va), widenHigh(vb));
    s0 = f64x2.add(s0, f64x2.mul(d0, d0));
    s1 = f64x2.add(s1, f64x2.mul(d1, d1));
  }
  const s = f64x2.add(s0, s1);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const d = <f64>load<f32>(a + (<usize>i << 2)) - <f64>load<f32>(b + (<usize>i << 2));
    total += d * d;
  }
  return total;
}

/**
 * max |x[i]|: NaN when some x[i] is NaN, otherwise the largest magnitude (Inf when some value is
 * infinite), 0 for n = 0.
 */
export function absMaxF32(x: usize, n: i32): f64 {
  let m0 = f32x4.splat(0), m1 = m0;
  let nan = i32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = x + (<usize>i << 2);
    const a = v128.load(p), b = v128.load(p, 16);
    nan = v128.or(nan, v128.or(f32x4.ne(a, a), f32x4.ne(b, b)));
    // pmax(m, |v|) keeps m when |v| is NaN (the comparison is false); NaN is counted above instead.
    m0 = f32x4.pmax(m0, f32x4.abs(a));
    m1 = f32x4.pmax(m1, f32x4.abs(b));
  }
  const m = f32x4.pmax(m0, m1);
  let best: f32 = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  let sawNaN = v128.any_true(nan);
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v != v) sawNaN = true;
    else best = max(best, abs(v));
  }
  return sawNaN ? NaN : <f64>best;
}
