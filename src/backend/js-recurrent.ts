/**
 * The reference kernels of recurrent networks: the LSTM and GRU cells forward and backward, one time step
 * on a block of rows, and the axis swap between batch-major and time-major sequences. Scalar float64
 * arithmetic from the activations' own f and f' (any row of the table works as a gate or cell
 * activation); the definition the WebAssembly versions are tested against.
 */
import type { KernelActivation } from './types.js';

/** out[j, i, :] = x[i, j, :] for x of shape [a, b, inner]. */
export function swapLeadingAxes(x: Float32Array, out: Float32Array, a: number, b: number, inner: number): void {
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      const src = (i * b + j) * inner;
      const dst = (j * a + i) * inner;
      for (let k = 0; k < inner; k++) out[dst + k] = x[src + k]!;
    }
  }
}

export function lstmCellForward(
  gates: Float32Array, cPrev: Float32Array | null, c: Float32Array, h: Float32Array, rows: number, units: number,
  gate: KernelActivation, cell: KernelActivation,
): void {
  const sg = gate.f;
  const sp = gate.params;
  const ac = cell.f;
  const cp = cell.params;
  for (let r = 0; r < rows; r++) {
    const g0 = r * 4 * units;
    const o0 = r * units;
    for (let u = 0; u < units; u++) {
      const i = sg(gates[g0 + u]!, sp);
      const f = sg(gates[g0 + units + u]!, sp);
      const g = ac(gates[g0 + 2 * units + u]!, cp);
      const o = sg(gates[g0 + 3 * units + u]!, sp);
      const prev = cPrev ? cPrev[o0 + u]! : 0;
      const cv = Math.fround(f * prev + i * g);
      c[o0 + u] = cv;
      h[o0 + u] = o * ac(cv, cp);
    }
  }
}

export function lstmCellBackward(
  gates: Float32Array, cPrev: Float32Array | null, c: Float32Array, dh: Float32Array, dc: Float32Array, dGates: Float32Array, rows: number, units: number,
  gate: KernelActivation, cell: KernelActivation,
): void {
  const { f: sg, df: dsg, params: sp } = gate;
  const { f: ac, df: dac, params: cp } = cell;
  for (let r = 0; r < rows; r++) {
    const g0 = r * 4 * units;
    const o0 = r * units;
    for (let u = 0; u < units; u++) {
      const xi = gates[g0 + u]!;
      const xf = gates[g0 + units + u]!;
      const xg = gates[g0 + 2 * units + u]!;
      const xo = gates[g0 + 3 * units + u]!;
      const i = sg(xi, sp);
      const f = sg(xf, sp);
      const g = ac(xg, cp);
      const o = sg(xo, sp);
      const cv = c[o0 + u]!;
      const prev = cPrev ? cPrev[o0 + u]! : 0;
      const d = dh[o0 + u]!;
      const dcTotal = dc[o0 + u]! + d * o * dac(cv, cp);
      dGates[g0 + u] = dcTotal * g * dsg(xi, sp);
      dGates[g0 + units + u] = dcTotal * prev * dsg(xf, sp);
      dGates[g0 + 2 * units + u] = dcTotal * i * dac(xg, cp);
      dGates[g0 + 3 * units + u] = d * ac(cv, cp) * dsg(xo, sp);
      dc[o0 + u] = dcTotal * f;
    }
  }
}

export function gruCellForward(
  x: Float32Array, hr: Float32Array, hPrev: Float32Array | null, h: Float32Array, rows: number, units: number,
  gate: KernelActivation, cell: KernelActivation,
): void {
  const sg = gate.f;
  const sp = gate.params;
  const ac = cell.f;
  const cp = cell.params;
  for (let r = 0; r < rows; r++) {
    const g0 = r * 3 * units;
    const o0 = r * units;
    for (let u = 0; u < units; u++) {
      const z = sg(x[g0 + u]! + hr[g0 + u]!, sp);
      const rr = sg(x[g0 + units + u]! + hr[g0 + units + u]!, sp);
      const n = ac(x[g0 + 2 * units + u]! + rr * hr[g0 + 2 * units + u]!, cp);
      const prev = hPrev ? hPrev[o0 + u]! : 0;
      h[o0 + u] = (1 - z) * n + z * prev;
    }
  }
}

export function gruCellBackward(
  x: Float32Array, hr: Float32Array, hPrev: Float32Array | null, dh: Float32Array, dX: Float32Array, dHr: Float32Array, dhPrev: Float32Array | null,
  rows: number, units: number, gate: KernelActivation, cell: KernelActivation,
): void {
  const { f: sg, df: dsg, params: sp } = gate;
  const { f: ac, df: dac, params: cp } = cell;
  for (let r = 0; r < rows; r++) {
    const g0 = r * 3 * units;
    const o0 = r * units;
    for (let u = 0; u < units; u++) {
      const az = x[g0 + u]! + hr[g0 + u]!;
      const ar = x[g0 + units + u]! + hr[g0 + units + u]!;
      const z = sg(az, sp);
      const rr = sg(ar, sp);
      const hn = hr[g0 + 2 * units + u]!;
      const an = x[g0 + 2 * units + u]! + rr * hn;
      const n = ac(an, cp);
      const prev = hPrev ? hPrev[o0 + u]! : 0;
      const d = dh[o0 + u]!;
      const dzPre = d * (prev - n) * dsg(az, sp);
      const dnPre = d * (1 - z) * dac(an, cp);
      const drPre = dnPre * hn * dsg(ar, sp);
      dX[g0 + u] = dzPre;
      dHr[g0 + u] = dzPre;
      dX[g0 + units + u] = drPre;
      dHr[g0 + units + u] = drPre;
      dX[g0 + 2 * units + u] = dnPre;
      dHr[g0 + 2 * units + u] = dnPre * rr;
      if (dhPrev) dhPrev[o0 + u] = d * z;
    }
  }
}
