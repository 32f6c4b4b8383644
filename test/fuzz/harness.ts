/**
 * The fuzz harness: generates each target's malformed inputs from a seed, runs them on a pool of worker
 * processes with a time limit per case and a bound on each worker's resident memory, checks that no stray
 * file is left in the case's folder, and counts the verdicts. A failing case is saved (its input files and
 * case.json) under the failures folder, with the command that replays it.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from 'rectifier';
import { FAILURES, type FuzzCase, type FuzzTarget, type Verdict } from './target.js';
import type { CaseReply, CaseRequest, WatchdogMarker, WorkerInit } from './worker.js';

export interface PoolOptions {
  /** Worker processes (default: the number of cores, at most 4). */
  readonly workers?: number;
  /** A case that uses more CPU time than this is a hang; its worker is killed (default 5 s). */
  readonly cpuLimitMs?: number;
  /** A case that takes longer than this by the clock (a wait that uses no CPU) is a hang too (default 60 s). */
  readonly timeLimitMs?: number;
  /** A worker whose resident memory passes this is killed and the case fails (default 768 MB). */
  readonly memoryBoundMb?: number;
  /** Where failing cases are saved (default: fuzz-failures/ in the working directory). */
  readonly failuresDir?: string;
  /** Progress and failure lines (default: none). */
  readonly log?: (line: string) => void;
}

export interface Failure {
  readonly index: number;
  readonly verdict: Verdict;
  readonly message: string;
  readonly how: string;
  /** The folder holding the saved input and case.json. */
  readonly saved: string;
}

export interface TargetCounts {
  readonly target: string;
  readonly seed: number;
  readonly cases: number;
  /** Cases that ended in a clear error. */
  readonly errors: number;
  /** Cases that ended in a correct result. */
  readonly results: number;
  readonly failures: readonly Failure[];
  /** The highest resident memory of a worker during any case, in MB. */
  readonly peakMb: number;
  /** The longest run of a case that did not hang, in milliseconds, and its index. */
  readonly slowest: { readonly ms: number; readonly index: number };
  /** Mean time of a run, in milliseconds (hangs count as 0). */
  readonly meanMs: number;
  readonly seconds: number;
}

interface Slot {
  child: ChildProcess;
  marker: string;
  stderrTail: string;
  busy: boolean;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** A 32-bit hash of the case's identity: every case has its own stream, so any one replays alone. */
function caseSeed(target: string, seed: number, index: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${target}:${seed}:${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** The malformed input of case `index` of `target` for `seed` (the same on every machine). */
export function generateCase<C>(target: FuzzTarget<C>, corpus: C, seed: number, index: number): FuzzCase {
  return target.generate(new Rng(caseSeed(target.name, seed, index)), corpus);
}

/** A named pipe at `path`; falls back to an empty regular file where mkfifo is missing. */
function makeFifo(path: string): void {
  try {
    execFileSync('mkfifo', [path], { stdio: 'ignore' });
  } catch {
    writeFileSync(path, '');
  }
}

/** Files under `dir`, as paths relative to it. */
function listFiles(dir: string, base = dir): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? listFiles(p, base) : [relative(base, p)];
  });
}

export class FuzzPool {
  private readonly slots: (Slot | undefined)[] = [];
  private readonly scratch = mkdtempSync(join(tmpdir(), 'rectifier-fuzz-'));
  private readonly timeLimitMs: number;
  private readonly cpuLimitMs: number;
  private readonly boundBytes: number;
  private readonly failuresDir: string;
  private readonly log: (line: string) => void;
  private nextId = 0;

  constructor(private readonly options: PoolOptions = {}) {
    this.timeLimitMs = options.timeLimitMs ?? 60_000;
    this.cpuLimitMs = options.cpuLimitMs ?? 5_000;
    this.boundBytes = (options.memoryBoundMb ?? 768) * 2 ** 20;
    this.failuresDir = options.failuresDir ?? join(process.cwd(), 'fuzz-failures');
    this.log = options.log ?? (() => {});
  }

  get memoryBoundMb(): number {
    return this.boundBytes / 2 ** 20;
  }

  /** The limits of a case, as the report states them. */
  get limits(): string {
    return `${this.cpuLimitMs / 1000} s of CPU and ${this.timeLimitMs / 1000} s by the clock per case`;
  }

  private async spawn(index: number): Promise<Slot> {
    const marker = join(this.scratch, `memory-${index}-${this.nextId}`);
    const child = fork(join(here, 'worker.ts'), [], {
      execArgv: ['--conditions=source', '--import', 'tsx', `--max-old-space-size=${Math.ceil((this.boundBytes * 2) / 2 ** 20)}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const slot: Slot = { child, marker, stderrTail: '', busy: false };
    child.stderr!.on('data', (d: Buffer) => {
      slot.stderrTail = (slot.stderrTail + d.toString('utf8')).slice(-2000);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new Error(`fuzz worker exited while starting (${signal ?? code}): ${slot.stderrTail}`)));
      child.send({ type: 'init', boundBytes: this.boundBytes, cpuLimitMs: this.cpuLimitMs, markerFile: marker } satisfies WorkerInit);
    });
    child.removeAllListeners('exit');
    return slot;
  }

  private async slot(i: number): Promise<Slot> {
    if (!this.slots[i]) this.slots[i] = await this.spawn(i);
    return this.slots[i]!;
  }

  /** Runs one case on worker slot `i`; kills and replaces the worker on a hang, a crash or too much memory. */
  private async runOn(i: number, targetName: string, dir: string, args: unknown): Promise<CaseReply> {
    const slot = await this.slot(i);
    const id = this.nextId++;
    slot.busy = true;
    const reply = await new Promise<CaseReply>((resolve) => {
      const finish = (r: CaseReply) => {
        clearTimeout(timer);
        slot.child.off('message', onMessage);
        slot.child.off('exit', onExit);
        resolve(r);
      };
      const onMessage = (m: CaseReply) => {
        if (m.type === 'verdict' && m.id === id) finish(m);
      };
      const onExit = (code: number | null, signal: string | null) => {
        this.slots[i] = undefined;
        if (existsSync(slot.marker)) {
          const seen = JSON.parse(readFileSync(slot.marker, 'utf8')) as WatchdogMarker;
          rmSync(slot.marker, { force: true });
          if (seen.kind === 'cpu') {
            finish({ type: 'verdict', id, verdict: 'hang', message: `the case used more than ${this.cpuLimitMs / 1000} s of CPU time`, outputs: [], peakBytes: seen.rss, ms: 0 });
          } else {
            finish({ type: 'verdict', id, verdict: 'memory', message: `the worker's resident memory reached ${(seen.rss / 2 ** 20).toFixed(0)} MB, beyond the ${this.memoryBoundMb} MB bound`, outputs: [], peakBytes: seen.rss, ms: 0 });
          }
        } else {
          finish({ type: 'verdict', id, verdict: 'crash', message: `the worker died (${signal ?? `exit code ${code}`}): ${slot.stderrTail.trim().slice(-1500)}`, outputs: [], peakBytes: 0, ms: 0 });
        }
      };
      const timer = setTimeout(() => {
        slot.child.off('exit', onExit);
        slot.child.kill('SIGKILL');
        this.slots[i] = undefined;
        finish({ type: 'verdict', id, verdict: 'hang', message: `no verdict within ${this.timeLimitMs / 1000} s by the clock`, outputs: [], peakBytes: 0, ms: 0 });
      }, this.timeLimitMs);
      slot.child.on('message', onMessage);
      slot.child.on('exit', onExit);
      slot.child.send({ type: 'case', id, target: targetName, dir, args } satisfies CaseRequest);
    });
    slot.busy = false;
    return reply;
  }

  /**
   * Runs `cases` generated cases of `target` (indices `from`…) and returns the counts. With `only`, runs just
   * that case index (a replay).
   */
  async run<C>(target: FuzzTarget<C>, options: { seed: number; cases: number; from?: number; only?: number }): Promise<TargetCounts> {
    const t0 = performance.now();
    const corpusDir = join(this.scratch, `${target.name}-corpus`);
    mkdirSync(corpusDir, { recursive: true });
    const corpus = await target.corpus(corpusDir);
    const indices = options.only !== undefined ? [options.only] : Array.from({ length: options.cases }, (_, k) => (options.from ?? 0) + k);
    const counts = { errors: 0, results: 0, peak: 0, slowMs: 0, slowIndex: -1, totalMs: 0 };
    const failures: Failure[] = [];
    let next = 0;
    const workers = Math.max(1, Math.min(this.options.workers ?? Math.min(4, availableParallelism()), indices.length));
    const lane = async (slotIndex: number) => {
      for (;;) {
        const k = next++;
        if (k >= indices.length) return;
        const index = indices[k]!;
        const c = generateCase(target, corpus, options.seed, index);
        const dir = join(this.scratch, target.name, String(index));
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        for (const [name, contents] of Object.entries(c.files)) {
          mkdirSync(join(dir, name, '..'), { recursive: true });
          writeFileSync(join(dir, name), contents);
        }
        for (const name of c.fifos ?? []) makeFifo(join(dir, name));
        let reply = await this.runOn(slotIndex, target.name, dir, c.args);
        counts.peak = Math.max(counts.peak, reply.peakBytes);
        counts.totalMs += reply.ms;
        if (reply.ms > counts.slowMs) {
          counts.slowMs = reply.ms;
          counts.slowIndex = index;
        }
        if (reply.verdict === 'error' || reply.verdict === 'result') {
          const allowed = new Set([...Object.keys(c.files), ...(c.fifos ?? []), ...reply.outputs, ...(reply.verdict === 'error' ? (c.mayLeave ?? []) : [])]);
          const stray = listFiles(dir).filter((f) => !allowed.has(f) && !reply.outputs.some((o) => f.startsWith(`${o}/`)));
          if (stray.length > 0) {
            reply = { ...reply, verdict: 'leftover', message: `left ${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ` and ${stray.length - 5} more` : ''} after ${reply.verdict === 'error' ? `the error: ${reply.message}` : 'a correct result'}` };
          }
        }
        if (reply.verdict === 'error') counts.errors++;
        else if (reply.verdict === 'result') counts.results++;
        else failures.push(this.saveFailure(target.name, options.seed, index, c, reply));
        rmSync(dir, { recursive: true, force: true });
        if ((k + 1) % 250 === 0) this.log(`  ${target.name}: ${k + 1}/${indices.length}`);
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, s) => lane(s)));
    rmSync(corpusDir, { recursive: true, force: true });
    return {
      target: target.name,
      seed: options.seed,
      cases: indices.length,
      errors: counts.errors,
      results: counts.results,
      failures: failures.sort((a, b) => a.index - b.index),
      peakMb: Math.round(counts.peak / 2 ** 20),
      slowest: { ms: Math.round(counts.slowMs), index: counts.slowIndex },
      meanMs: Math.round((counts.totalMs / Math.max(1, indices.length)) * 10) / 10,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
    };
  }

  private saveFailure(target: string, seed: number, index: number, c: FuzzCase, reply: CaseReply): Failure {
    const saved = join(this.failuresDir, `${target}-seed${seed}-case${index}`);
    rmSync(saved, { recursive: true, force: true });
    mkdirSync(join(saved, 'input'), { recursive: true });
    for (const [name, contents] of Object.entries(c.files)) {
      mkdirSync(join(saved, 'input', name, '..'), { recursive: true });
      writeFileSync(join(saved, 'input', name), contents);
    }
    const replay = `npm run fuzz -- --target ${target} --seed ${seed} --case ${index}`;
    writeFileSync(join(saved, 'case.json'), `${JSON.stringify({ target, seed, index, verdict: reply.verdict, message: reply.message, how: c.how, args: c.args, replay }, null, 2)}\n`);
    this.log(`  ${target} case ${index}: ${reply.verdict}: ${reply.message.slice(0, 400)}\n    input: ${c.how.slice(0, 300)}\n    saved in ${saved}; replay: ${replay}`);
    return { index, verdict: reply.verdict, message: reply.message, how: c.how, saved };
  }

  /** Stops the workers and removes the scratch folder. */
  async close(): Promise<void> {
    for (const s of this.slots) {
      if (!s) continue;
      s.child.removeAllListeners('exit');
      s.child.kill('SIGKILL');
    }
    this.slots.length = 0;
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** The per-target table the suite prints. */
export function formatCounts(all: readonly TargetCounts[], pool: FuzzPool): string {
  const rows = [['target', 'cases', 'clear errors', 'correct results', 'failures', 'peak MB', 'mean run', 'slowest run', 'seconds']];
  for (const c of all) {
    rows.push([c.target, String(c.cases), String(c.errors), String(c.results), String(c.failures.length), String(c.peakMb), `${c.meanMs} ms`, `${c.slowest.ms} ms (#${c.slowest.index})`, c.seconds.toFixed(1)]);
  }
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const line = (r: string[]) => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ');
  const kinds = FAILURES.map((v) => [v, all.reduce((s, c) => s + c.failures.filter((f) => f.verdict === v).length, 0)] as const).filter(([, n]) => n > 0);
  return [
    line(rows[0]!),
    ...rows.slice(1).map(line),
    `(seed ${all[0]?.seed ?? '-'}; at most ${pool.limits}; memory bound ${pool.memoryBoundMb} MB resident per worker${kinds.length ? `; failures: ${kinds.map(([v, n]) => `${n} ${v}`).join(', ')}` : ''})`,
  ].join('\n');
}
