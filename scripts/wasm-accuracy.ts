/**
 * Accuracy sweep of the WebAssembly activation kernels against the float64 reference of the table
 * (spec.f, spec.df, spec.dfFromY) evaluated at the same float32 inputs. Prints, per activation and
 * parameter set, the worst error relative to the tolerance (values: 4e−6 relative, 1e−7 absolute near 0;
 * derivatives: 2e−5 relative, 1e−7 absolute), the worst purely relative error where the reference is a
 * normal float32, and every special-value mismatch (NaN, ±Inf, sign of zero, the exact-zero gradient).
 *
 * Run: node --conditions=source --import tsx scripts/wasm-accuracy.ts [--build]
 */
import { execFileSync } from 'node:child_process';
import { ACTIVATIONS } from '../src/activations/table.js';
import { resolveParams } from '../src/activations/lookup.js';
import type { ActivationSpec, ParamValues } from '../src/activations/types.js';
import { Activation } from '../src/ops/activation.js';
import { createWasmBackendSync } from '../src/wasm/index.js';

if (process.argv.includes('--build')) execFileSync(process.execPath, ['scripts/build-wasm.mjs'], { stdio: 'inherit' });

const VALUE_REL = 4e-6;
const GRAD_REL = 2e-5;
const ABS = 1e-7;
const MIN_NORMAL = 2 ** -126;
const f32 = Math.fround;

function sweepPoints(spec: ActivationSpec, params: ParamValues): Float32Array {
  const points: number[] = [];
  // Logarithmic over the whole float32 range, both signs.
  for (let e = -45; e <= 38.53; e += 0.005) {
    const v = f32(10 ** e);
    if (Number.isFinite(v)) points.push(v, -v);
  }
  // Dense where the functions bend.
  for (let v = -40; v <= 40; v += 0.0007) points.push(f32(v));
  const specials = [0, -0, Infinity, -Infinity, NaN, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -1e-45,
    MIN_NORMAL, -MIN_NORMAL, 88.7, 89, -87.3, -103.9, -104, 20, -20, 15, -15, 6, 3, -3, -1.5, 1, -1];
  for (const kink of spec.kinks) {
    const k = f32(kink.x(params));
    specials.push(k, f32(k * (1 + 2 ** -23)), f32(k * (1 - 2 ** -23)));
  }
  return new Float32Array([...specials, ...points].map(f32));
}

interface Report {
  worst: number;
  worstAt: number;
  relative: number;
  relativeAt: number;
  special: string[];
}

function compare(name: string, xs: Float32Array, got: Float32Array, ref: (x: number) => number, rel: number): Report {
  const r: Report = { worst: 0, worstAt: NaN, relative: 0, relativeAt: NaN, special: [] };
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const g = got[i]!;
    const want = ref(x);
    const wantF32 = f32(want);
    if (Number.isNaN(want) || Number.isNaN(g) || !Number.isFinite(wantF32) || !Number.isFinite(g) || want === 0) {
      const same = Object.is(g, wantF32) || (Number.isNaN(g) && Number.isNaN(want)) || (want === 0 && g === 0);
      if (!same && r.special.length < 4) r.special.push(`${name}(${x}) = ${g}, reference ${want}`);
      if (want === 0 && g === 0 && !Object.is(g, want) && r.special.length < 4) r.special.push(`${name}(${x}) = ${Object.is(g, -0) ? '-0' : '+0'}, reference ${Object.is(want, -0) ? '-0' : '+0'}`);
      continue;
    }
    const err = Math.abs(g - want);
    const ratio = err / Math.max(rel * Math.abs(want), ABS);
    if (ratio > r.worst) [r.worst, r.worstAt] = [ratio, x];
    if (Math.abs(want) >= MIN_NORMAL) {
      const relErr = err / Math.abs(want);
      if (relErr > r.relative) [r.relative, r.relativeAt] = [relErr, x];
    }
  }
  return r;
}

const backend = createWasmBackendSync();

const variants: Array<[string, Record<string, number>]> = [];
for (const spec of ACTIVATIONS) variants.push([spec.id, {}]);
variants.push(['leaky_relu', { alpha: 0.2 }], ['leaky_relu', { alpha: 0 }], ['leaky_relu', { alpha: 1 }], ['leaky_relu', { alpha: 1.5 }],
  ['leaky_relu', { alpha: -0.5 }], ['leaky_relu', { alpha: 2 ** -149 }], ['elu', { alpha: 0.5 }], ['celu', { alpha: 2 }],
  ['celu', { alpha: -1 }], ['softplus', { beta: 2, threshold: 10 }], ['thresholded_relu', { theta: 0.5 }], ['rrelu', { lower: 0.1, upper: 0.3 }]);

const rows: string[][] = [];
let failures = 0;
for (const [id, given] of variants) {
  const spec = ACTIVATIONS.find((s) => s.id === id)!;
  const params = resolveParams(spec, given);
  const call = new Activation(spec, params);
  const xs = sweepPoints(spec, params);
  const n = xs.length;
  const x = backend.allocate(n, 'float32');
  const y = backend.allocate(n, 'float32');
  const dy = backend.allocate(n, 'float32');
  const dx = backend.allocate(n, 'float32');
  x.f32().set(xs);
  dy.f32().fill(1);
  backend.unary(call, x, y);
  backend.unaryGrad(call, x, dy, dx);
  const label = `${id}${Object.keys(given).length ? JSON.stringify(given) : ''}`;
  const value = compare('f', xs, y.f32(), (v) => spec.f(v, params), VALUE_REL);
  const grad = compare("f'", xs, dx.f32(), (v) => spec.df(v, params), GRAD_REL);
  // Where f' is exactly 0 the gradient must be exactly 0 even for dy = Inf or NaN.
  const exactZero: string[] = [];
  for (const poison of [Infinity, NaN]) {
    dy.f32().fill(poison);
    backend.unaryGrad(call, x, dy, dx);
    const d = dx.f32();
    for (let i = 0; i < n; i++) {
      if (spec.df(xs[i]!, params) === 0 && d[i] !== 0 && exactZero.length < 2) exactZero.push(`dy=${poison}: f'(${xs[i]}) = 0 but dx = ${d[i]}`);
    }
  }
  let fromY: Report | null = null;
  if (spec.dfFromY) {
    dy.f32().fill(1);
    const ys = y.f32().slice();
    backend.unaryGradFromY(call, y, dy, dx);
    fromY = compare("f'(y)", ys, dx.f32(), (v) => spec.dfFromY!(v, params), GRAD_REL);
  }
  for (const s of [x, y, dy, dx]) backend.release(s);
  const problems = [...value.special, ...grad.special, ...exactZero, ...(fromY?.special ?? [])];
  const ok = value.worst <= 1 && grad.worst <= 1 && (fromY?.worst ?? 0) <= 1 && problems.length === 0;
  if (!ok) failures++;
  rows.push([
    label,
    String(n),
    value.worst.toFixed(3),
    value.relative.toExponential(1) + ` @ ${value.relativeAt.toPrecision(3)}`,
    grad.worst.toFixed(3),
    grad.relative.toExponential(1) + ` @ ${grad.relativeAt.toPrecision(3)}`,
    fromY ? fromY.worst.toFixed(3) : '-',
    ok ? 'ok' : 'FAIL',
  ]);
  for (const p of problems) console.log(`  ${label}: ${p}`);
}

const header = ['activation', 'points', 'f err/tol', 'f worst rel (normal range)', "f' err/tol", "f' worst rel (normal range)", "f'(y) err/tol", ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log(failures === 0 ? 'all within tolerance' : `${failures} activation(s) outside tolerance`);
process.exitCode = failures === 0 ? 0 : 1;
