/**
 * Leaky ReLU with one slope per channel, channels-last (channel = i % channels): the PReLU layer, and
 * RReLU in training, where every element has its own random slope (channels = n). Each row of
 * `channels` floats is processed four channels at a time against the matching slopes; one channel
 * broadcasts its slope over the whole array instead.
 */

@inline function offset(index: i32): usize {
  return <usize>index << 2;
}

/** out[i] = x[i] > 0 ? x[i] : x[i]·slopes[i % channels]. NaN and −0 take the slope branch. */
export function preluChannels(x: usize, slopes: usize, channels: i32, out: usize, n: i32): void {
  if (channels == 1) {
    const s = v128.load32_splat(slopes);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + offset(i));
      v128.store(out + offset(i), v128.bitselect(v, f32x4.mul(v, s), f32x4.gt(v, f32x4.splat(0))));
    }
    const slope = load<f32>(slopes);
    for (; i < n; i++) {
      const v = load<f32>(x + offset(i));
      store<f32>(out + offset(i), v > 0 ? v : v * slope);
    }
    return;
  }
  for (let row = 0; row < n; row += channels) {
    const length = min(channels, n - row);
    const xr = x + offset(row);
    const or = out + offset(row);
    let c = 0;
    for (; c + 4 <= length; c += 4) {
      const v = v128.load(xr + offset(c));
      const s = v128.load(slopes + offset(c));
      v128.store(or + offset(c), v128.bitselect(v, f32x4.mul(v, s), f32x4.gt(v, f32x4.splat(0))));
    }
    for (; c < length; c++) {
      const v = load<f32>(xr + offset(c));
      store<f32>(or + offset(c), v > 0 ? v : v * load<f32>(slopes + offset(c)));
    }
  }
}

/**
 * dx = x > 0 ? dy : dy·slope; when dSlopes is not 0, dSlopes[c] += Σ dy·x over the x <= 0 (or NaN)
 * elements of channel c, row by row in the order of the reference loop.
 */
export function preluChannelsGrad(
  x: usize, slopes: usize, channels: i32, dy: usize, dx: usize, dSlopes: usize, n: i32,
): void {
  if (channels == 1) {
    const s = v128.load32_splat(slopes);
    let sum = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + offset(i));
      const g = v128.load(dy + offset(i));
      const positive = f32x4.gt(v, f32x4.splat(0));
      v128.store(dx + offset(i), v128.bitselect(g, f32x4.mul(g, s), positive));
      sum = f32x4.add(sum, v128.andnot(f32x4.mul(g, v), positive));
    }
    let total = f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
    const slope = load<f32>(slopes);
    for (; i < n; i++) {
      const v = load<f32>(x + offset(i));
      const g = load<f32>(dy + offset(i));
      if (v > 0) {
        store<f32>(dx + offset(i), g);
      } else {
        store<f32>(dx + offset(i), g * slope);
        total += g * v;
      }
    }
    if (dSlopes) store<f32>(dSlopes, load<f32>(dSlopes) + total);
    return;
  }
  for (let row = 0; row < n; row += channels) {
    const length = min(channels, n - row);
    const xr = x + offset(row);
    const gr = dy + offset(row);
    const dr = dx + offset(row);
    let c = 0;
    for (; c + 4 <= length; c += 4) {
      const v = v128.load(xr + offset(c));
      const g = v128.load(gr + offset(c));
      const s = v128.load(slopes + offset(c));
      const positive = f32x4.gt(v, f32x4.splat(0));
      v128.store(dr + offset(c), v128.bitselect(g, f32x4.mul(g, s), positive));
      if (dSlopes) {
        const ds = dSlopes + offset(c);
        v128.store(ds, f32x4.add(v128.load(ds), v128.andnot(f32x4.mul(g, v), positive)));
      }
    }
    for (; c < length; c++) {
      const v = load<f32>(xr + offset(c));
      const g = load<f32>(gr + offset(c));
      if (v > 0) {
        store<f32>(dr + offset(c), g);
      } else {
        store<f32>(dr + offset(c), g * load<f32>(slopes + offset(c)));
        if (dSlopes) store<f32>(dSlopes + offset(c), load<f32>(dSlopes + offset(c)) + g * v);
      }
    }
  }
}
