/**
 * Optimizer updates, in float64 arithmetic with the operations in the order of the JS reference
 * (src/backend/js.ts sgdStep/adamStep), two lanes at a time: the same bits as the reference, faster.
 * Values are read as float32, widened, updated, and rounded once when stored.
 */

@inline function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

@inline function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** SGD with optional momentum (velocity != 0), Nesterov and L2 weight decay, over n floats. */
export function sgdUpdate(param: usize, grad: usize, velocity: usize, n: i32, lr: f64, momentum: f64, nesterov: bool, weightDecay: f64): void {
  const vlr = f64x2.splat(lr);
  const vmom = f64x2.splat(momentum);
  const vwd = f64x2.splat(weightDecay);
  const pairs = n & ~1;
  let i = 0;
  for (; i < pairs; i += 2) {
    const off = <usize>i << 2;
    const p = load2(param + off);
    let d = f64x2.add(load2(grad + off), f64x2.mul(vwd, p));
    if (velocity) {
      const vi = f64x2.add(f64x2.mul(vmom, load2(velocity + off)), d);
      store2(velocity + off, vi);
      d = nesterov ? f64x2.add(d, f64x2.mul(vmom, vi)) : vi;
    }
    store2(param + off, f64x2.sub(p, f64x2.mul(vlr, d)));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const p = <f64>load<f32>(param + off);
    let d = <f64>load<f32>(grad + off) + weightDecay * p;
    if (velocity) {
      const vi = momentum * <f64>load<f32>(velocity + off) + d;
      store<f32>(velocity + off, <f32>vi);
      d = nesterov ? d + momentum * vi : vi;
    }
    store<f32>(param + off, <f32>(p - lr * d));
  }
}

/**
 * Adam / AdamW over n floats; c1, c2 are the bias corrections 1 − β^step and omb1, omb2 are 1 − β1,
 * 1 − β2, all computed by the caller as the reference computes them.
 */
export function adamUpdate(
  param: usize, grad: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, omb1: f64, omb2: f64, eps: f64,
  weightDecay: f64, decoupled: bool, c1: f64, c2: f64,
): void {
  const lrwd = lr * weightDecay;
  let i = 0;
  const pairs = n & ~1;
  for (; i < pairs; i += 2) {
    const off = <usize>i << 2;
    let w = load2(param + off);
    let d = load2(grad + off);
    if (decoupled) w = f64x2.sub(w, f64x2.mul(f64x2.splat(lrwd), w));
    else d = f64x2.add(d, f64x2.mul(f64x2.splat(weightDecay), w));
    const mi = f64x2.add(f64x2.mul(f64x2.splat(beta1), load2(m + off)), f64x2.mul(f64x2.splat(omb1), d));
    const vi = f64x2.add(f64x2.mul(f64x2.splat(beta2), load2(v + off)), f64x2.mul(f64x2.mul(f64x2.splat(omb2), d), d));
    store2(m + off, mi);
    store2(v + off, vi);
    const step = f64x2.div(f64x2.mul(f64x2.splat(lr), f64x2.div(mi, f64x2.splat(c1))), f64x2.add(f64x2.sqrt(f64x2.div(vi, f64x2.splat(c2))), f64x2.splat(eps)));
    store2(param + off, f64x2.sub(w, step));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    let w = <f64>load<f32>(param + off);
    let d = <f64>load<f32>(grad + off);
    if (decoupled) w -= lrwd * w;
    else d += weightDecay * w;
    const mi = beta1 * <f64>load<f32>(m + off) + omb1 * d;
    const vi = beta2 * <f64>load<f32>(v + off) + omb2 * d * d;
    store<f32>(m + off, <f32>mi);
    store<f32>(v + off, <f32>vi);
    store<f32>(param + off, <f32>(w - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps)));
  }
}

/**
 * x viewed as [outer, n, inner]: out[o, i] = [out[o, i] +] Σ_j x[o, j, i], summed in float64 in j order
 * as the reference sumAxis (src/backend/js.ts) does, so the bits match; acc holds inner float64s.
 */
export function sumAxisF64(x: usize, out: usize, outer: i32, n: i32, inner: i32, accumulate: bool, acc: usize): void {
  const pairs = inner & ~1;
  const blocked = inner & ~7;
  const rowBytes = <usize>inner << 2;
  for (let p = 0; p < outer; p++) {
    memory.fill(acc, 0, <usize>inner << 3);
    // Eight columns at a time with the sums in registers (a bias gradient: rows of 16 or 32 channels);
    // each column is still summed in row order, so the bits are those of the loop below.
    for (let i = 0; i < blocked; i += 8) {
      let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let row = x + (<usize>(p * n * inner + i) << 2);
      for (let j = 0; j < n; j++, row += rowBytes) {
        s0 = f64x2.add(s0, load2(row));
        s1 = f64x2.add(s1, load2(row + 8));
        s2 = f64x2.add(s2, load2(row + 16));
        s3 = f64x2.add(s3, load2(row + 24));
      }
      const a = acc + (<usize>i << 3);
      v128.store(a, s0);
      v128.store(a, s1, 16);
      v128.store(a, s2, 32);
      v128.store(a, s3, 48);
    }
    for (let j = 0; j < n && blocked < inner; j++) {
      const row = x + (<usize>((p * n + j) * inner) << 2);
      let i = blocked;
      for (; i < pairs; i += 2) {
        const a = acc + (<usize>i << 3);
        v128.store(a, f64x2.add(v128.load(a), load2(row + (<usize>i << 2))));
      }
      if (i < inner) {
        const a = acc + (<usize>i << 3);
        store<f64>(a, load<f64>(a) + <f64>load<f32>(row + (<usize>i << 2)));
      }
    }
    const ob = out + (<usize>(p * inner) << 2);
    for (let i = 0; i < inner; i++) {
      const o = ob + (<usize>i << 2);
      const base: f64 = accumulate ? <f64>load<f32>(o) : 0;
      store<f32>(o, <f32>(base + load<f64>(acc + (<usize>i << 3))));
    }
  }
}
