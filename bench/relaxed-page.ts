/**
 * The page side of the relaxed suite (bench/relaxed.ts): the plain and the relaxed-SIMD builds of the
 * wasm kernels side by side in Chromium, GEMM n³ on one thread and (the page being cross-origin
 * isolated) on all threads, timed in alternating rounds like bench/harness.ts does in Node. Bundled by
 * esbuild; the .wasm files are served from /wasm/.
 */
import { createWasmBackend, setWasmPaths, type WasmBackend } from '../src/wasm/index.js';

interface PageOptions {
  sizes: number[];
  rounds: number;
  roundMs: number;
}

interface PageRow {
  n: number;
  /** Contender name → GFLOP/s of each round. */
  samples: Record<string, number[]>;
}

function filled(b: WasmBackend, n: number, seed: number): ReturnType<WasmBackend['allocate']> {
  const s = b.allocate(n, 'float32');
  const v = s.f32();
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    v[i] = (x / 2 ** 32) * 2 - 1;
  }
  return s;
}

async function run(options: PageOptions): Promise<{ rows: PageRow[]; threads: number; info: Record<string, unknown> }> {
  setWasmPaths('/wasm/');
  const plain = await createWasmBackend(undefined, { relaxedSimd: false });
  const relaxed = await createWasmBackend(undefined, { relaxedSimd: true });
  const all = plain.maxThreads;
  for (const b of [plain, relaxed]) {
    b.setThreads(all);
    await b.threadsReady();
  }
  const rows: PageRow[] = [];
  for (const n of options.sizes) {
    const contenders: Array<{ name: string; threads: number; call: () => void }> = [];
    for (const [label, b] of [['plain', plain], ['relaxed', relaxed]] as const) {
      const a = filled(b, n * n, 1);
      const bb = filled(b, n * n, 2);
      const c = b.allocate(n * n, 'float32');
      for (const threads of all > 1 ? [1, all] : [1]) {
        contenders.push({ name: `${label}-${threads}t`, threads, call: () => { b.setThreads(threads); b.matmul(a, bb, c, { m: n, k: n, n }); } });
      }
    }
    // Calibrate calls per round on the first contender, then rotate the order each round.
    contenders[0]!.call();
    let reps = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) contenders[0]!.call();
      if (performance.now() - t0 >= options.roundMs || reps > 1 << 16) break;
      reps *= 2;
    }
    for (const c of contenders) c.call();
    const samples: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
    for (let r = 0; r < options.rounds; r++) {
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(k + r) % contenders.length]!;
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) c.call();
        const ms = performance.now() - t0;
        samples[c.name]!.push((2 * n ** 3 * reps) / (ms * 1e6));
      }
    }
    rows.push({ n, samples });
  }
  return { rows, threads: all, info: { plain: plain.info, relaxed: relaxed.info, userAgent: (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? null } };
}

(globalThis as unknown as { runBench: typeof run }).runBench = run;
