/**
 * Speed of the WebAssembly kernels as ratios to a copy of the same bytes (Float32Array.prototype.set
 * between two blocks of wasm memory), measured side by side: copy and kernel alternate, several rounds,
 * medians reported. Not a test: the machine is shared and timings vary.
 *
 * Run: node --conditions=source --import tsx scripts/wasm-speed.ts [activations|matmul|all]
 */
import { ACTIVATIONS } from '../src/activations/table.js';
import { resolveParams } from '../src/activations/lookup.js';
import type { Storage } from '../src/backend/types.js';
import { Activation } from '../src/ops/activation.js';
import { createWasmBackendSync } from '../src/wasm/index.js';

const backend = createWasmBackendSync();
const what = process.argv[2] ?? 'all';
const ROUNDS = 7;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Elements per nanosecond of `run` over n elements, repeated to fill about `budgetMs`. */
function rate(n: number, run: () => void, budgetMs = 40): number {
  run();
  const reps = Math.max(1, Math.round((budgetMs * 1e6) / Math.max(n, 1) / 2));
  const start = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) run();
  return (n * reps) / Number(process.hrtime.bigint() - start);
}

function random(s: Storage): void {
  const v = s.f32();
  for (let i = 0; i < v.length; i++) v[i] = (Math.random() - 0.5) * 8;
}

if (what === 'activations' || what === 'all') {
  const sizes = [4096, 65536, 1 << 20, 1 << 24];
  const ids = process.argv.slice(3);
  const specs = ids.length ? ACTIVATIONS.filter((s) => ids.includes(s.id)) : ACTIVATIONS;
  console.log('elements/ns (median of', ROUNDS, 'alternating rounds); ratio = kernel / copy of the same n floats');
  for (const n of sizes) {
    const x = backend.allocate(n, 'float32');
    const out = backend.allocate(n, 'float32');
    const dy = backend.allocate(n, 'float32');
    random(x);
    random(dy);
    const src = x.f32();
    const dst = out.f32();
    const line: string[] = [];
    // V8 first runs wasm from its baseline compiler and optimizes hot functions later: warm up first.
    for (const spec of specs) {
      const call = new Activation(spec, resolveParams(spec));
      for (let i = 0; i < 200; i++) {
        backend.unary(call, x, out);
        backend.unaryGrad(call, x, dy, out);
      }
    }
    for (const spec of specs) {
      if (n === 1 << 24 && !spec.piecewiseLinear) continue;
      const call = new Activation(spec, resolveParams(spec));
      const copies: number[] = [];
      const forwards: number[] = [];
      const backwards: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        copies.push(rate(n, () => dst.set(src)));
        forwards.push(rate(n, () => backend.unary(call, x, out)));
        backwards.push(rate(n, () => backend.unaryGrad(call, x, dy, out)));
      }
      const copy = median(copies);
      line.push(`${spec.id.padEnd(17)} copy ${copy.toFixed(2).padStart(6)}  fwd ${median(forwards).toFixed(2).padStart(6)} (${(median(forwards) / copy).toFixed(2)}x)  bwd ${median(backwards).toFixed(2).padStart(6)} (${(median(backwards) / copy).toFixed(2)}x)`);
    }
    console.log(`n = ${n}`);
    for (const l of line) console.log('  ' + l);
    for (const s of [x, out, dy]) backend.release(s);
  }
}

if (what === 'matmul' || what === 'all') {
  const shapes: Array<[number, number, number]> = [[256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [64, 784, 128]];
  for (const [m, k, n] of shapes) {
    const a = backend.allocate(m * k, 'float32');
    const b = backend.allocate(k * n, 'float32');
    const out = backend.allocate(m * n, 'float32');
    random(a);
    random(b);
    for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
      const times: number[] = [];
      const shape = { m, k, n, transposeA: ta, transposeB: tb };
      backend.matmul(a, b, out, shape);
      for (let r = 0; r < 5; r++) {
        const start = process.hrtime.bigint();
        backend.matmul(a, b, out, shape);
        times.push(Number(process.hrtime.bigint() - start));
      }
      console.log(`matmul ${m}x${k}x${n} ${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}: ${((2 * m * n * k) / median(times)).toFixed(2)} GFLOP/s`);
    }
    for (const s of [a, b, out]) backend.release(s);
  }
}
