/**
 * What the engine suites (gemm, mlp, cnn) share: Rectifier's wasm backend at one thread and at all
 * threads as two contenders, TF.js loaded once with its failures turned into notes, and the rendering
 * of a results table with ratios and targets.
 */
import { availableParallelism } from 'node:os';
import type { Backend } from 'rectifier';
import { rectifierBackends } from './backends.js';
import { formatRate, formatRatio, renderTable } from './format.js';
import type { Contender, Measurement } from './harness.js';
import type { SuiteContext } from './suite.js';
import { loadTfjs, type TfBackendName, type TfjsPeer } from './tfjs.js';

/** The part of WasmBackend the suites switch between contenders. */
export interface Threaded {
  setThreads(n: number): void;
  readonly threads: number;
  readonly maxThreads: number;
}

export function threaded(b: Backend | null): Threaded | null {
  const t = b as unknown as Partial<Threaded> | null;
  return t && typeof t.setThreads === 'function' ? (t as Threaded) : null;
}

export const CORES = availableParallelism();

export interface Peers {
  readonly wasm: Backend | null;
  readonly js: Backend;
  readonly tf: TfjsPeer | null;
  /** Threads the "all threads" contender runs on. */
  readonly allThreads: number;
}

let peers: Promise<Peers> | null = null;

/** Loads Rectifier's backends and TF.js once per run, noting what did not load. */
export function loadPeers(ctx: SuiteContext): Promise<Peers> {
  return (peers ??= (async () => {
    const r = await rectifierBackends();
    if (!r.wasm) ctx.note(`rectifier wasm backend did not load: ${r.wasmFailure}`);
    let tf: TfjsPeer | null = null;
    try {
      tf = await loadTfjs();
      for (const [name, why] of Object.entries(tf.failures)) ctx.note(`tfjs-${name} did not load: ${why}`);
    } catch (e) {
      ctx.note(`TF.js not loaded: ${e instanceof Error ? e.message : String(e)}`);
    }
    const t = threaded(r.wasm);
    return { wasm: r.wasm, js: r.js, tf, allThreads: t ? t.maxThreads : 1 };
  })());
}

export const NAMES = {
  wasm1: 'rectifier-wasm-1t',
  wasmAll: 'rectifier-wasm',
  js: 'rectifier-js',
  tfWasm: 'tfjs-wasm',
  tfCpu: 'tfjs-cpu',
  ort: 'onnxruntime',
} as const;

/** A Rectifier wasm contender pinned to `threads` before each of its timed blocks. */
export function wasmContender(p: Peers, threads: number, run: () => unknown): Contender {
  const t = threaded(p.wasm);
  return {
    name: threads === 1 ? NAMES.wasm1 : NAMES.wasmAll,
    enter: () => t?.setThreads(threads),
    run,
  };
}

/** Both wasm contenders (one thread; all threads, when the machine has more than one core). */
export function wasmContenders(p: Peers, run: () => unknown): Contender[] {
  if (!p.wasm) return [];
  const list = [wasmContender(p, 1, run)];
  if (p.allThreads > 1) list.push(wasmContender(p, p.allThreads, run));
  return list;
}

/** A TF.js contender on `backend`, switched to it before each block; null when that backend did not load. */
export function tfContender(p: Peers, backend: TfBackendName, run: () => unknown): Contender | null {
  if (!p.tf || !p.tf.backends.includes(backend)) return null;
  const tf = p.tf;
  return { name: backend === 'wasm' ? NAMES.tfWasm : NAMES.tfCpu, enter: () => tf.use(backend), run };
}

/** Restores the default thread count after a suite. */
export function resetThreads(p: Peers): void {
  threaded(p.wasm)?.setThreads(p.allThreads);
}

export interface Target {
  readonly label: string;
  readonly value: number;
  readonly threshold: number;
}

export function cell(m: Measurement | undefined, name: string): string {
  const r = m?.results.find((x) => x.name === name);
  if (!r) return '—';
  if (r.error !== undefined) return 'fails';
  return formatRate(r.median) + (Number.isFinite(r.median) && r.samples.length < 3 ? '~' : '');
}

export function rate(m: Measurement | undefined, name: string): number {
  const r = m?.results.find((x) => x.name === name);
  return r && r.error === undefined ? r.median : NaN;
}

/** The table of one suite: a row per case, a column per contender, then ratios against the peers. */
export function renderResults(
  title: string,
  notes: readonly string[],
  rows: readonly { label: string; m: Measurement }[],
  targets: readonly Target[],
): string {
  const names = [NAMES.wasm1, NAMES.wasmAll, 'rectifier-wasm-fma', NAMES.js, NAMES.tfWasm, NAMES.tfCpu, NAMES.ort].filter((n) =>
    rows.some((r) => r.m.results.some((x) => x.name === n)),
  );
  const ratioCols: [string, string, string][] = [
    [NAMES.wasmAll, NAMES.wasm1, 'all/1t'],
    ['rectifier-wasm-fma', NAMES.tfWasm, 'fma/tf-wasm'],
    [NAMES.wasm1, NAMES.tfWasm, '1t/tf-wasm'],
    [NAMES.wasmAll, NAMES.tfWasm, 'all/tf-wasm'],
    [NAMES.wasmAll, NAMES.tfCpu, 'all/tf-cpu'],
    [NAMES.wasmAll, NAMES.ort, 'all/ort'],
  ];
  const usedRatios = ratioCols.filter(([a, b]) => names.includes(a as never) && names.includes(b as never));
  const head = ['case', ...names.map((n) => n.replace('rectifier-', '')), ...usedRatios.map((r) => r[2])];
  const body = rows.map(({ label, m }) => [
    label,
    ...names.map((n) => cell(m, n)),
    ...usedRatios.map(([a, b]) => formatRatio(rate(m, a) / rate(m, b))),
  ]);
  const lines = [title, ...notes.map((n) => `  ${n}`), '', renderTable(head, body, 1)];
  if (targets.length) {
    lines.push('', 'targets (information, not a test):');
    for (const t of targets) {
      const ok = t.value >= t.threshold;
      lines.push(`  ${Number.isNaN(t.value) ? 'N/A ' : ok ? 'PASS' : 'MISS'}  ${t.label}: ${formatRatio(t.value)}`);
    }
  }
  return lines.join('\n');
}

export function measurementData(rows: readonly { label: string; m: Measurement }[], targets: readonly Target[]): unknown {
  return {
    cases: rows.map(({ label, m }) => ({ label, unit: m.unit, results: m.results.map(({ name, median, samples, ratio, error }) => ({ name, median, samples, ratio, error })) })),
    targets: targets.map((t) => ({ ...t, met: t.value >= t.threshold })),
  };
}
