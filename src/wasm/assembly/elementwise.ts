/**
 * The one elementwise loop, instantiated per activation with the class whose
 * inlined methods supply the math: sixteen floats per iteration (four independent vectors, so the
 * latency of the longer kernels overlaps), then single vectors, then a last partial vector that is
 * loaded and stored lane by lane, so the tail runs the very same vector code. `out` may alias an input.
 */

/** The last n & 3 floats of x (1 to 3 of them) in the low lanes of a vector, 0 in the others. */
@inline function loadTail(ptr: usize, rest: i32): v128 {
  let v = v128.load32_zero(ptr);
  if (rest > 1) v = v128.load32_lane(ptr, v, 1, 4);
  if (rest > 2) v = v128.load32_lane(ptr, v, 2, 8);
  return v;
}

@inline function storeTail(ptr: usize, v: v128, rest: i32): void {
  v128.store32_lane(ptr, v, 0);
  if (rest > 1) v128.store32_lane(ptr, v, 1, 4);
  if (rest > 2) v128.store32_lane(ptr, v, 2, 8);
}

/**
 * An activation class may add central forms: central(x, p0, p1), the lanes where they hold, and
 * forwardCentral/backwardCentral, cheaper than forward/backward there (no clamps, no handling of the
 * far tails, Inf or NaN; see Gelu, Softplus, Celu). The loops then compute the central form of every vector of a block and store it, and
 * only when some lane is outside (rare for activations, and any NaN) store the general form over it.
 * Both are computed from the loaded registers, so `out` may still alias the input. The central form is
 * computed unconditionally, not in a branch, because V8 (TurboFan) hoists the constants of code that
 * runs on every iteration out of the loop, and rematerializes those of a conditional block on every
 * use (three instructions each); and it is used by the single-vector loop too, so that its constants
 * are live across both loops rather than rebuilt in one of them.
 */

/**
 * The exported forward of a table row (table.generated.ts): the class's forwardArray(x, out, n, p0, p1)
 * where it has one, to choose among loops once per call by its parameters (LeakyRelu), else
 * forwardLoop. backwardEntry is the same for backward and backwardArray.
 */
@inline export function forwardEntry<Op>(x: usize, out: usize, n: i32, a: f32, b: f32): void {
  const op = changetype<Op>(0);
  if (isDefined(op.forwardArray)) op.forwardArray(x, out, n, a, b);
  else forwardLoop<Op>(x, out, n, a, b);
}

@inline export function backwardEntry<Op>(x: usize, dy: usize, dx: usize, n: i32, a: f32, b: f32): void {
  const op = changetype<Op>(0);
  if (isDefined(op.backwardArray)) op.backwardArray(x, dy, dx, n, a, b);
  else gradLoop<FromX<Op>>(x, dy, dx, n, a, b);
}

/** out[i] = f(x[i]) for i < n. */
@inline export function forwardLoop<Op>(x: usize, out: usize, n: i32, a: f32, b: f32): void {
  const op = changetype<Op>(0);
  const p0 = f32x4.splat(a);
  const p1 = f32x4.splat(b);
  const blocks = (<usize>n & ~15) << 2;
  const vectors = (<usize>n & ~3) << 2;
  let i: usize = 0;
  for (; i < blocks; i += 64) {
    if (isDefined(op.forwardCentral)) {
      const v0 = v128.load(x + i);
      const v1 = v128.load(x + i, 16);
      const v2 = v128.load(x + i, 32);
      const v3 = v128.load(x + i, 48);
      const inside = v128.and(v128.and(op.central(v0, p0, p1), op.central(v1, p0, p1)), v128.and(op.central(v2, p0, p1), op.central(v3, p0, p1)));
      v128.store(out + i, op.forwardCentral(v0, p0, p1));
      v128.store(out + i, op.forwardCentral(v1, p0, p1), 16);
      v128.store(out + i, op.forwardCentral(v2, p0, p1), 32);
      v128.store(out + i, op.forwardCentral(v3, p0, p1), 48);
      if (i32x4.all_true(inside)) continue;
      v128.store(out + i, op.forward(v0, p0, p1));
      v128.store(out + i, op.forward(v1, p0, p1), 16);
      v128.store(out + i, op.forward(v2, p0, p1), 32);
      v128.store(out + i, op.forward(v3, p0, p1), 48);
    } else if (isDefined(op.streams)) {
      v128.store(out + i, op.forward(v128.load(x + i), p0, p1));
      v128.store(out + i, op.forward(v128.load(x + i, 16), p0, p1), 16);
      v128.store(out + i, op.forward(v128.load(x + i, 32), p0, p1), 32);
      v128.store(out + i, op.forward(v128.load(x + i, 48), p0, p1), 48);
    } else {
      const v0 = v128.load(x + i);
      const v1 = v128.load(x + i, 16);
      const v2 = v128.load(x + i, 32);
      const v3 = v128.load(x + i, 48);
      v128.store(out + i, op.forward(v0, p0, p1));
      v128.store(out + i, op.forward(v1, p0, p1), 16);
      v128.store(out + i, op.forward(v2, p0, p1), 32);
      v128.store(out + i, op.forward(v3, p0, p1), 48);
    }
  }
  for (; i < vectors; i += 16) {
    const v = v128.load(x + i);
    if (isDefined(op.forwardCentral)) {
      v128.store(out + i, op.forwardCentral(v, p0, p1));
      if (i32x4.all_true(op.central(v, p0, p1))) continue;
    }
    v128.store(out + i, op.forward(v, p0, p1));
  }
  const rest = n & 3;
  if (rest) storeTail(out + i, op.forward(loadTail(x + i, rest), p0, p1), rest);
}

/**
 * dx for the four vectors at v, dy, dx + 0, 16, 32, 48 through the adapter G's grad, all eight loaded
 * before the first store (see FromX.grad4 for why).
 */
@inline function gradBlock<G>(v: usize, dy: usize, dx: usize, p0: v128, p1: v128): void {
  const g = changetype<G>(0);
  const v0 = v128.load(v);
  const v1 = v128.load(v, 16);
  const v2 = v128.load(v, 32);
  const v3 = v128.load(v, 48);
  const g0 = v128.load(dy);
  const g1 = v128.load(dy, 16);
  const g2 = v128.load(dy, 32);
  const g3 = v128.load(dy, 48);
  v128.store(dx, g.grad(v0, g0, p0, p1));
  v128.store(dx, g.grad(v1, g1, p0, p1), 16);
  v128.store(dx, g.grad(v2, g2, p0, p1), 32);
  v128.store(dx, g.grad(v3, g3, p0, p1), 48);
}

/** Adapts an activation's backward(x, …) to the gradient loop. */
@final export class FromX<Op> {
  @inline grad(x: v128, dy: v128, p0: v128, p1: v128): v128 {
    return changetype<Op>(0).backward(x, dy, p0, p1);
  }
  /**
   * Stores dx for the four vectors at x, dy, dx + 0, 16, 32, 48, by the central form where the class
   * has one. The eight vectors are loaded before the first store (out may alias an input), which lets
   * the CPU overlap the four chains of the exponential kernels (elu, sigmoid, silu, tanh: 1.3–1.5×
   * faster than one vector at a time, measured); a class with `streams` (HardSwish) is loaded, computed
   * and stored one vector at a time instead, where holding eight made V8 spill (3.2 → 3.7 el/ns).
   */
  @inline grad4(x: usize, dy: usize, dx: usize, p0: v128, p1: v128): void {
    const op = changetype<Op>(0);
    if (isDefined(op.backwardCentral)) {
      const x0 = v128.load(x);
      const x1 = v128.load(x, 16);
      const x2 = v128.load(x, 32);
      const x3 = v128.load(x, 48);
      const g0 = v128.load(dy);
      const g1 = v128.load(dy, 16);
      const g2 = v128.load(dy, 32);
      const g3 = v128.load(dy, 48);
      const inside = v128.and(v128.and(op.central(x0, p0, p1), op.central(x1, p0, p1)), v128.and(op.central(x2, p0, p1), op.central(x3, p0, p1)));
      v128.store(dx, op.backwardCentral(x0, g0, p0, p1));
      v128.store(dx, op.backwardCentral(x1, g1, p0, p1), 16);
      v128.store(dx, op.backwardCentral(x2, g2, p0, p1), 32);
      v128.store(dx, op.backwardCentral(x3, g3, p0, p1), 48);
      if (i32x4.all_true(inside)) return;
      v128.store(dx, op.backward(x0, g0, p0, p1));
      v128.store(dx, op.backward(x1, g1, p0, p1), 16);
      v128.store(dx, op.backward(x2, g2, p0, p1), 32);
      v128.store(dx, op.backward(x3, g3, p0, p1), 48);
    } else if (isDefined(op.streams)) {
      v128.store(dx, op.backward(v128.load(x), v128.load(dy), p0, p1));
      v128.store(dx, op.backward(v128.load(x, 16), v128.load(dy, 16), p0, p1), 16);
      v128.store(dx, op.backward(v128.load(x, 32), v128.load(dy, 32), p0, p1), 32);
      v128.store(dx, op.backward(v128.load(x, 48), v128.load(dy, 48), p0, p1), 48);
    } else {
      gradBlock<FromX<Op>>(x, dy, dx, p0, p1);
    }
  }
  @inline grad1(x: v128, dy: v128, dx: usize, p0: v128, p1: v128): void {
    const op = changetype<Op>(0);
    if (isDefined(op.backwardCentral)) {
      v128.store(dx, op.backwardCentral(x, dy, p0, p1));
      if (i32x4.all_true(op.central(x, p0, p1))) return;
    }
    v128.store(dx, op.backward(x, dy, p0, p1));
  }
}

/** Adapts an activation's backwardFromY(y, …) to the gradient loop. */
@final export class FromY<Op> {
  @inline grad(y: v128, dy: v128, p0: v128, p1: v128): v128 {
    return changetype<Op>(0).backwardFromY(y, dy, p0, p1);
  }
  @inline grad4(y: usize, dy: usize, dx: usize, p0: v128, p1: v128): void {
    gradBlock<FromY<Op>>(y, dy, dx, p0, p1);
  }
  @inline grad1(y: v128, dy: v128, dx: usize, p0: v128, p1: v128): void {
    v128.store(dx, changetype<Op>(0).backwardFromY(y, dy, p0, p1));
  }
}

/** dx[i] = dy[i]·f'(v[i]) for i < n, where v is x or y as the adapter G (FromX or FromY) says. */
@inline export function gradLoop<G>(v: usize, dy: usize, dx: usize, n: i32, a: f32, b: f32): void {
  const g = changetype<G>(0);
  const p0 = f32x4.splat(a);
  const p1 = f32x4.splat(b);
  const blocks = (<usize>n & ~15) << 2;
  const vectors = (<usize>n & ~3) << 2;
  let i: usize = 0;
  for (; i < blocks; i += 64) g.grad4(v + i, dy + i, dx + i, p0, p1);
  for (; i < vectors; i += 16) g.grad1(v128.load(v + i), v128.load(dy + i), dx + i, p0, p1);
  const rest = n & 3;
  if (rest) storeTail(dx + i, g.grad(loadTail(v + i, rest), loadTail(dy + i, rest), p0, p1), rest);
}
