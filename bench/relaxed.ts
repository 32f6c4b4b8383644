/**
 * The relaxed suite: what relaxed SIMD (the fused multiply-add of the relaxed builds' GEMM) buys, in Node
 * and in a Chromium page, GEMM n³ in GFLOP/s with the plain and the relaxed build side by side on one
 * thread and on all threads (medians of alternating rounds). Node 20 needs the engine flag, which
 * `npm run bench` passes; the page half needs Debian's Chromium (or CHROMIUM_PATH) and is skipped with
 * a note without it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Storage } from 'rectifier';
import { createWasmBackendSync, type WasmBackend } from '../src/wasm/index.js';
import { formatRate, formatRatio, renderTable } from './format.js';
import { UNITS, measure, median, type Contender, type Measurement } from './harness.js';
import type { Suite, SuiteContext, SuiteResult } from './suite.js';

const DEFAULT_SIZES = [256, 1024];
const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function filled(b: WasmBackend, n: number, seed: number): Storage {
  const s = b.allocate(n, 'float32');
  const v = s.f32();
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    v[i] = (x / 2 ** 32) * 2 - 1;
  }
  return s;
}

interface Row {
  readonly where: string;
  readonly n: number;
  /** Contender → median GFLOP/s. */
  readonly medians: Record<string, number>;
}

async function inNode(ctx: SuiteContext, sizes: readonly number[]): Promise<{ rows: Row[]; note: string | null }> {
  const plain = createWasmBackendSync({ relaxedSimd: false });
  const relaxed = createWasmBackendSync({ relaxedSimd: true });
  if (!relaxed.info.relaxedSimd) return { rows: [], note: `Node: relaxed SIMD not measured (${relaxed.info.relaxedSimdFailure})` };
  const all = availableParallelism();
  const rows: Row[] = [];
  for (const n of sizes) {
    ctx.progress(`relaxed: node gemm ${n}³ …`);
    const contenders: Contender[] = [];
    const frees: Array<() => void> = [];
    for (const [label, b] of [['plain', plain], ['relaxed', relaxed]] as const) {
      const a = filled(b, n * n, 1);
      const bb = filled(b, n * n, 2);
      const c = b.allocate(n * n, 'float32');
      for (const threads of all > 1 ? [1, all] : [1]) {
        contenders.push({ name: `${label}-${threads}t`, enter: () => b.setThreads(threads), run: () => b.matmul(a, bb, c, { m: n, k: n, n }) });
      }
      frees.push(() => [a, bb, c].forEach((s) => b.release(s)));
    }
    const m: Measurement = await measure(contenders, { work: 2 * n ** 3, unit: UNITS.gflops, timing: ctx.timing });
    rows.push({ where: 'node', n, medians: Object.fromEntries(m.results.map((r) => [r.name, r.median])) });
    frees.forEach((f) => f());
  }
  return { rows, note: null };
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

async function inPage(ctx: SuiteContext, sizes: readonly number[]): Promise<{ rows: Row[]; note: string | null }> {
  if (!existsSync(CHROMIUM)) return { rows: [], note: `page: not measured, no Chromium at ${CHROMIUM} (apt-get install -y chromium)` };
  ctx.progress('relaxed: bundling the page …');
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-bench-relaxed-'));
  try {
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: [join(root, 'bench', 'relaxed-page.ts')], bundle: true, platform: 'browser', format: 'esm', outfile: join(dir, 'page.js'), logLevel: 'error' });
    mkdirSync(join(dir, 'wasm'));
    for (const f of ['rectifier-mt.wasm', 'rectifier-mt-relaxed.wasm', 'rectifier.wasm', 'rectifier-relaxed.wasm']) copyFileSync(join(root, 'build', f), join(dir, 'wasm', f));
    const html = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>';
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
      if (path === '/') return void res.writeHead(200, { ...headers, 'content-type': 'text/html' }).end(html);
      const file = join(dir, path);
      if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => (globalThis as unknown as { runBench?: unknown }).runBench !== undefined);
      ctx.progress('relaxed: timing in the page …');
      const options = { sizes: [...sizes], rounds: ctx.timing.rounds, roundMs: Math.max(ctx.timing.roundMs, 30) };
      const out = await page.evaluate(
        (o) => (globalThis as unknown as { runBench: (o: unknown) => Promise<{ rows: Array<{ n: number; samples: Record<string, number[]> }>; info: { userAgent: string | null } }> }).runBench(o),
        options,
      );
      const version = browser.version();
      return {
        rows: out.rows.map((r) => ({ where: `chromium ${version}`, n: r.n, medians: Object.fromEntries(Object.entries(r.samples).map(([k, v]) => [k, median(v)])) })),
        note: null,
      };
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const sizes = ctx.options.sizes ?? DEFAULT_SIZES;
  const node = await inNode(ctx, sizes);
  const page = await inPage(ctx, sizes);
  ctx.progress('');
  const rows = [...node.rows, ...page.rows];
  const threadCounts = [...new Set(rows.flatMap((r) => Object.keys(r.medians).map((k) => k.replace(/^(plain|relaxed)-/, ''))))];
  const head = ['where', 'gemm', ...threadCounts.flatMap((t) => [`plain ${t}`, `relaxed ${t}`, `× ${t}`])];
  const table = rows.map((r) => [
    r.where, `${r.n}³`,
    ...threadCounts.flatMap((t) => {
      const p = r.medians[`plain-${t}`] ?? NaN;
      const x = r.medians[`relaxed-${t}`] ?? NaN;
      return [formatRate(p), formatRate(x), formatRatio(x / p)];
    }),
  ]);
  const notes = [node.note, page.note].filter((n): n is string => n !== null);
  const text = [
    `relaxed — GEMM GFLOP/s, plain SIMD against relaxed SIMD (fused multiply-add), medians of ${ctx.timing.rounds} alternating rounds (× = relaxed / plain)`,
    renderTable(head, table, 2),
    ...notes,
  ].join('\n');
  return { text, data: { rows, notes } };
}

export const relaxedSuite: Suite = {
  name: 'relaxed',
  description: 'relaxed SIMD (fused multiply-add) against plain SIMD, GEMM in Node and in a Chromium page',
  run,
};
