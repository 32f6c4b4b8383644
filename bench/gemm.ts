/**
 * The gemm suite: C = A·B on square float32 matrices (256³ and 1024³, or --sizes), in GFLOP/s (2n³ FLOPs
 * per call), Rectifier's wasm kernel on one thread and on all threads against TF.js's wasm and cpu
 * matMul. Rectifier writes into a preallocated C; TF.js allocates its result each call (and it is
 * disposed inside the timing), as its API always does. rectifier-js (the reference GEMM) runs at 256 only.
 */
import type { Backend, Storage } from 'rectifier';
import { createWasmBackendSync } from '../src/wasm/index.js';
import { UNITS, measure, type Contender, type Measurement } from './harness.js';
import { NAMES, loadPeers, measurementData, rate, renderResults, resetThreads, tfContender, wasmContenders, type Target } from './peers.js';
import type { Suite, SuiteContext, SuiteResult } from './suite.js';

const DEFAULT_SIZES = [256, 1024];

let fma: Backend | null | undefined;
/**
 * The relaxed-SIMD build (fused multiply-add) as an extra contender on all threads, when this process
 * was started with the engine's flag (npm run bench passes --experimental-wasm-relaxed-simd); it is
 * opt-in for users because it rounds differently.
 */
function fmaBackend(): Backend | null {
  if (fma !== undefined) return fma;
  try {
    const be = createWasmBackendSync({ relaxedSimd: true }) as Backend & { info: { relaxedSimd: boolean } };
    fma = be.info.relaxedSimd ? be : null;
  } catch {
    fma = null;
  }
  return fma;
}

function filled(b: Backend, n: number, seed: number): Storage {
  const s = b.allocate(n, 'float32');
  const v = s.f32();
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    v[i] = (x / 2 ** 32) * 2 - 1;
  }
  return s;
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const p = await loadPeers(ctx);
  const sizes = ctx.options.sizes ?? DEFAULT_SIZES;
  const rows: { label: string; m: Measurement }[] = [];
  for (const n of sizes) {
    ctx.progress(`gemm ${n}³ …`);
    const contenders: Contender[] = [];
    const frees: (() => void)[] = [];
    for (const be of [p.wasm, n <= 256 ? p.js : null]) {
      if (!be) continue;
      const a = filled(be, n * n, 1);
      const b = filled(be, n * n, 2);
      const c = be.allocate(n * n, 'float32');
      const call = (): void => be.matmul(a, b, c, { m: n, k: n, n });
      if (be === p.wasm) contenders.push(...wasmContenders(p, call));
      else contenders.push({ name: NAMES.js, run: call });
      frees.push(() => [a, b, c].forEach((s) => be.release(s)));
    }
    const fma = fmaBackend();
    if (fma) {
      const a = filled(fma, n * n, 1);
      const b = filled(fma, n * n, 2);
      const c = fma.allocate(n * n, 'float32');
      contenders.push({ name: 'rectifier-wasm-fma', run: () => fma.matmul(a, b, c, { m: n, k: n, n }) });
      frees.push(() => [a, b, c].forEach((s) => fma.release(s)));
    }
    if (p.tf) {
      const tf = p.tf.tf;
      for (const backend of ['wasm', 'cpu'] as const) {
        if (backend === 'cpu' && n > 256 && ctx.options.quick) continue;
        let ta: ReturnType<Tf['randomUniform']> | null = null;
        let tb: ReturnType<Tf['randomUniform']> | null = null;
        const c = tfContender(p, backend, () => tf.matMul(ta!, tb!).dispose());
        if (!c) continue;
        await p.tf.use(backend);
        ta = tf.randomUniform([n, n], -1, 1, 'float32', 1);
        tb = tf.randomUniform([n, n], -1, 1, 'float32', 2);
        contenders.push(c);
        const [x, y] = [ta, tb];
        frees.push(() => { x.dispose(); y.dispose(); });
      }
    }
    const m = await measure(contenders, { work: 2 * n ** 3, unit: UNITS.gflops, timing: ctx.timing, baseline: contenders[0]!.name });
    rows.push({ label: `${n}³`, m });
    frees.forEach((f) => f());
  }
  resetThreads(p);
  ctx.progress('');
  const targets: Target[] = [];
  for (const { label, m } of rows) {
    targets.push({ label: `gemm ${label} 1 thread ≥ 1.3× tfjs-wasm`, value: rate(m, NAMES.wasm1) / rate(m, NAMES.tfWasm), threshold: 1.3 });
    if (p.allThreads > 1) {
      targets.push({ label: `gemm ${label} ${p.allThreads} threads ≥ 1.8× 1 thread`, value: rate(m, NAMES.wasmAll) / rate(m, NAMES.wasm1), threshold: 1.8 });
    }
  }
  const notes = [
    `rectifier-wasm runs on ${p.allThreads} threads, rectifier-wasm-1t on one; ${p.tf?.wasmInfo ?? 'tfjs-wasm not loaded'}.`,
    fmaBackend() ? 'rectifier-wasm-fma: the opt-in relaxed-SIMD build (RECTIFIER_RELAXED_SIMD=1), all threads.' : 'rectifier-wasm-fma not measured: start node with --experimental-wasm-relaxed-simd.',
    ...(ctx.options.quick ? ['--quick: tfjs-cpu skipped above 256³.'] : []),
  ];
  return {
    text: renderResults(`gemm — GFLOP/s, median of up to ${ctx.timing.rounds} alternating rounds (higher is better)`, notes, rows, targets),
    data: measurementData(rows, targets),
  };
}

type Tf = import('./tfjs.js').Tf;

export const gemmSuite: Suite = {
  name: 'gemm',
  description: 'square float32 matrix products, GFLOP/s, vs TF.js wasm/cpu',
  run,
};
