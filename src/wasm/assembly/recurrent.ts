/**
 * The LSTM and GRU cells of one time step, forward and backward, four units at a time: every gate of a
 * step in one pass over its rows (the definition is src/backend/js-recurrent.ts). Instantiated for the
 * sigmoid gates with a tanh or a relu cell activation; units must be a multiple of 4 (the backend falls
 * back to the reference kernels otherwise). A null pointer (0) stands for a zero previous state.
 */
import { Relu, Sigmoid, Tanh } from './activations';

@inline function lstmForward<G, C>(gates: usize, cPrev: usize, c: usize, h: usize, rows: i32, units: i32): void {
  const g = changetype<G>(0);
  const a = changetype<C>(0);
  const z = f32x4.splat(0);
  const u4: usize = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const gr = gates + <usize>r * 4 * u4;
    const or = <usize>r * u4;
    for (let off: usize = 0; off < u4; off += 16) {
      const i = g.forward(v128.load(gr + off), z, z);
      const f = g.forward(v128.load(gr + u4 + off), z, z);
      const cand = a.forward(v128.load(gr + 2 * u4 + off), z, z);
      const o = g.forward(v128.load(gr + 3 * u4 + off), z, z);
      const prev = cPrev ? v128.load(cPrev + or + off) : z;
      const cv = f32x4.add(f32x4.mul(f, prev), f32x4.mul(i, cand));
      v128.store(c + or + off, cv);
      v128.store(h + or + off, f32x4.mul(o, a.forward(cv, z, z)));
    }
  }
}

@inline function lstmBackward<G, C>(gates: usize, cPrev: usize, c: usize, dh: usize, dc: usize, dGates: usize, rows: i32, units: i32): void {
  const g = changetype<G>(0);
  const a = changetype<C>(0);
  const z = f32x4.splat(0);
  const u4: usize = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const gr = gates + <usize>r * 4 * u4;
    const dgr = dGates + <usize>r * 4 * u4;
    const or = <usize>r * u4;
    for (let off: usize = 0; off < u4; off += 16) {
      const xi = v128.load(gr + off);
      const xf = v128.load(gr + u4 + off);
      const xg = v128.load(gr + 2 * u4 + off);
      const xo = v128.load(gr + 3 * u4 + off);
      const i = g.forward(xi, z, z);
      const f = g.forward(xf, z, z);
      const cand = a.forward(xg, z, z);
      const o = g.forward(xo, z, z);
      const cv = v128.load(c + or + off);
      const prev = cPrev ? v128.load(cPrev + or + off) : z;
      const d = v128.load(dh + or + off);
      const dcTotal = f32x4.add(v128.load(dc + or + off), a.backward(cv, f32x4.mul(d, o), z, z));
      v128.store(dgr + off, g.backward(xi, f32x4.mul(dcTotal, cand), z, z));
      v128.store(dgr + u4 + off, g.backward(xf, f32x4.mul(dcTotal, prev), z, z));
      v128.store(dgr + 2 * u4 + off, a.backward(xg, f32x4.mul(dcTotal, i), z, z));
      v128.store(dgr + 3 * u4 + off, g.backward(xo, f32x4.mul(d, a.forward(cv, z, z)), z, z));
      v128.store(dc + or + off, f32x4.mul(dcTotal, f));
    }
  }
}

@inline function gruForward<G, C>(x: usize, hr: usize, hPrev: usize, h: usize, rows: i32, units: i32): void {
  const g = changetype<G>(0);
  const a = changetype<C>(0);
  const z = f32x4.splat(0);
  const u4: usize = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * 3 * u4;
    const hrr = hr + <usize>r * 3 * u4;
    const or = <usize>r * u4;
    for (let off: usize = 0; off < u4; off += 16) {
      const zg = g.forward(f32x4.add(v128.load(xr + off), v128.load(hrr + off)), z, z);
      const rg = g.forward(f32x4.add(v128.load(xr + u4 + off), v128.load(hrr + u4 + off)), z, z);
      const n = a.forward(f32x4.add(v128.load(xr + 2 * u4 + off), f32x4.mul(rg, v128.load(hrr + 2 * u4 + off))), z, z);
      const prev = hPrev ? v128.load(hPrev + or + off) : z;
      v128.store(h + or + off, f32x4.add(f32x4.mul(f32x4.sub(f32x4.splat(1), zg), n), f32x4.mul(zg, prev)));
    }
  }
}

@inline function gruBackward<G, C>(x: usize, hr: usize, hPrev: usize, dh: usize, dX: usize, dHr: usize, dhPrev: usize, rows: i32, units: i32): void {
  const g = changetype<G>(0);
  const a = changetype<C>(0);
  const z = f32x4.splat(0);
  const u4: usize = <usize>units << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * 3 * u4;
    const hrr = hr + <usize>r * 3 * u4;
    const dxr = dX + <usize>r * 3 * u4;
    const dhrr = dHr + <usize>r * 3 * u4;
    const or = <usize>r * u4;
    for (let off: usize = 0; off < u4; off += 16) {
      const az = f32x4.add(v128.load(xr + off), v128.load(hrr + off));
      const ar = f32x4.add(v128.load(xr + u4 + off), v128.load(hrr + u4 + off));
      const zg = g.forward(az, z, z);
      const rg = g.forward(ar, z, z);
      const hn = v128.load(hrr + 2 * u4 + off);
      const an = f32x4.add(v128.load(xr + 2 * u4 + off), f32x4.mul(rg, hn));
      const n = a.forward(an, z, z);
      const prev = hPrev ? v128.load(hPrev + or + off) : z;
      const d = v128.load(dh + or + off);
      const dzPre = g.backward(az, f32x4.mul(d, f32x4.sub(prev, n)), z, z);
      const dnPre = a.backward(an, f32x4.mul(d, f32x4.sub(f32x4.splat(1), zg)), z, z);
      const drPre = g.backward(ar, f32x4.mul(dnPre, hn), z, z);
      v128.store(dxr + off, dzPre);
      v128.store(dhrr + off, dzPre);
      v128.store(dxr + u4 + off, drPre);
      v128.store(dhrr + u4 + off, drPre);
      v128.store(dxr + 2 * u4 + off, dnPre);
      v128.store(dhrr + 2 * u4 + off, f32x4.mul(dnPre, rg));
      if (dhPrev) v128.store(dhPrev + or + off, f32x4.mul(d, zg));
    }
  }
}

export function lstmCellSigmoidTanh(gates: usize, cPrev: usize, c: usize, h: usize, rows: i32, units: i32): void {
  lstmForward<Sigmoid, Tanh>(gates, cPrev, c, h, rows, units);
}
export function lstmCellSigmoidRelu(gates: usize, cPrev: usize, c: usize, h: usize, rows: i32, units: i32): void {
  lstmForward<Sigmoid, Relu>(gates, cPrev, c, h, rows, units);
}
export function lstmCellGradSigmoidTanh(gates: usize, cPrev: usize, c: usize, dh: usize, dc: usize, dGates: usize, rows: i32, units: i32): void {
  lstmBackward<Sigmoid, Tanh>(gates, cPrev, c, dh, dc, dGates, rows, units);
}
export function lstmCellGradSigmoidRelu(gates: usize, cPrev: usize, c: usize, dh: usize, dc: usize, dGates: usize, rows: i32, units: i32): void {
  lstmBackward<Sigmoid, Relu>(gates, cPrev, c, dh, dc, dGates, rows, units);
}
export function gruCellSigmoidTanh(x: usize, hr: usize, hPrev: usize, h: usize, rows: i32, units: i32): void {
  gruForward<Sigmoid, Tanh>(x, hr, hPrev, h, rows, units);
}
export function gruCellSigmoidRelu(x: usize, hr: usize, hPrev: usize, h: usize, rows: i32, units: i32): void {
  gruForward<Sigmoid, Relu>(x, hr, hPrev, h, rows, units);
}
export function gruCellGradSigmoidTanh(x: usize, hr: usize, hPrev: usize, dh: usize, dX: usize, dHr: usize, dhPrev: usize, rows: i32, units: i32): void {
  gruBackward<Sigmoid, Tanh>(x, hr, hPrev, dh, dX, dHr, dhPrev, rows, units);
}
export function gruCellGradSigmoidRelu(x: usize, hr: usize, hPrev: usize, dh: usize, dX: usize, dHr: usize, dhPrev: usize, rows: i32, units: i32): void {
  gruBackward<Sigmoid, Relu>(x, hr, hPrev, dh, dX, dHr, dhPrev, rows, units);
}

/** out[j, i, :] = x[i, j, :] for x [a, b, inner]: one memory.copy per row. */
export function swapLeadingAxes(x: usize, out: usize, a: i32, b: i32, inner: i32): void {
  const rowBytes: usize = <usize>inner << 2;
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      memory.copy(out + (<usize>j * a + i) * rowBytes, x + (<usize>i * b + j) * rowBytes, rowBytes);
    }
  }
}
