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

let other: { backend: Backend; name: string } | null | undefined;
/**
 * The build the default backend is not, as an extra contender on all threads: the plain-SIMD build when
 * the default uses relaxed SIMD (the engine has it: npm run bench passes Node 20 its flag), else the
 * relaxed build when it loads. The relaxed suite compares the two in Node and in a page.
 */
function otherBuild(defaultRelaxed: boolean): { backend: Backend; name: string } | null {
  if (other !== undefined) return other;
  try {
    const be = createWasmBackendSync({ relaxedSimd: !defaultRelaxed });
    other = be.info.relaxedSimd === !defaultRelaxed ? { backend: be, name: defaultRelaxed ? 'rectifier-wasm-plain' : 'rectifier-wasm-fma' } : null;
  } catch {
    other = null;
  }
  return other;
}

function relaxedOf(b: Backend | null): boolean {
  return (b as { info?: { relaxedSimd?: boolean } } | null)?.info?.relaxedSimd === true;
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
    const extra = otherBuild(relaxedOf(p.wasm));
    if (extra) {
      const be = extra.backend;
      const a = filled(be, n * n, 1);
      const b = filled(be, n * n, 2);
      const c = be.allocate(n * n, 'float32');
      contenders.push({ name: extra.name, run: () => be.matmul(a, b, c, { m: n, k: n, n }) });
      frees.push(() => [a, b, c].forEach((s) => be.release(s)));
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
    relaxedOf(p.wasm)
      ? 'rectifier-wasm uses relaxed SIMD (fused multiply-add), the default where the engine has it; rectifier-wasm-plain: the plain-SIMD build (RECTIFIER_RELAXED_SIMD=0), all threads.'
      : otherBuild(false) ? 'rectifier-wasm-fma: the relaxed-SIMD build, all threads.' : 'rectifier-wasm-fma not measured: this engine has no relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd).',
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
