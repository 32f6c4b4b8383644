/**
 * Runs experiments and writes what they measure. Everything that can be wrong with the request (an unknown
 * experiment, a bad seed count, an --out folder that cannot be written) fails before any work starts;
 * after each experiment results.json and index.html are rewritten atomically, so a crash leaves the last
 * complete pair. Ctrl-C stops the current experiment at its next safe point, writes what was gathered
 * with `complete: false` and that experiment marked `incomplete`; a second Ctrl-C exits at once.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { getBackend } from '../runtime/backend.js';
import { experimentSummary, summaryTable } from '../report/terminal.js';
import { checkWritableDir, HTML_FILE, RESULTS_FILE, writeResults } from '../report/write.js';
import { validateExperiment, type ExperimentResult, type LabResults, type Verdict } from '../report/schema.js';
import { LabProgress, type ProgressStream } from './progress.js';
import { EXPERIMENTS } from './registry.js';
import { sectionOf } from './result.js';
import { formatShard, parseShard, shardCells, type Shard } from './shard.js';
import { sweep } from './sweep.js';
import { BUDGET_NAMES, DEFAULT_SEEDS, type AnyExperiment, type BudgetName } from './types.js';

export interface LabOptions {
  /** Experiment ids to run, in the order given; empty or absent runs all eight in registry order. */
  readonly experiments?: readonly string[];
  /** The reduced budget (what `npm start` runs); ignored when `budget` is given. */
  readonly quick?: boolean;
  /** Seeds per configuration (default: 1 tiny, 2 quick, 3 full). */
  readonly seeds?: number;
  /** Folder for results.json and index.html (default `lab-results`). */
  readonly out?: string;
  /** Print one JSON line on stdout at the end instead of the tables. */
  readonly json?: boolean;
  /** Budget by name; overrides `quick`. `tiny` is what the tests run. */
  readonly budget?: BudgetName;
  /** Stops the run as Ctrl-C does (tests and embedders). */
  readonly signal?: AbortSignal;
  /** Handle SIGINT (default true): first Ctrl-C stops at a safe point, the second exits. */
  readonly handleSignals?: boolean;
  /** Where progress goes: a stream, or false for none (default process.stderr). */
  readonly progress?: ProgressStream | false;
  /** Where the tables go: a function receiving text, or false for none (default console.log). */
  readonly print?: ((text: string) => void) | false;
  /** The command line recorded in results.json. */
  readonly command?: string;
  /** The experiments to choose from (default: the registry); lets tests run stand-ins. */
  readonly registry?: readonly AnyExperiment[];
  /**
   * Runs only shard k of n of the grid (`"2/4"` or `{ index: 2, count: 4 }`): a deterministic 1/n of the
   * cells of all requested experiments (src/lab/shard.ts). `rectifier report merge` joins the shards.
   */
  readonly shard?: string | Shard;
}

export interface LabOutcome {
  readonly results: LabResults;
  readonly files: { readonly json: string; readonly html: string };
  /** True when the run was stopped by Ctrl-C or the signal. */
  readonly interrupted: boolean;
  /** Ids of the experiments that threw. */
  readonly failed: readonly string[];
  /** 130 when interrupted (as a shell reports SIGINT), 1 when an experiment failed, else 0. */
  readonly exitCode: number;
}

/** The one JSON line `--json` prints last. */
export interface LabJsonSummary {
  readonly results: string;
  readonly html: string;
  readonly complete: boolean;
  readonly budget: BudgetName;
  readonly seconds: number;
  readonly experiments: Record<string, { verdict: Verdict; status: ExperimentResult['status']; seconds: number }>;
}

export const DEFAULT_OUT = 'lab-results';
const MAX_SEEDS = 100;
/** Checkpoints render the whole report; more often than this would cost more than it saves. */
const CHECKPOINT_INTERVAL_MS = 10_000;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A `{ index, count }` shard given in code, written as `k/n` so it is checked like the option. */
function formatShardLike(value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    const { index, count } = value as { index?: unknown; count?: unknown };
    return `${String(index)}/${String(count)}`;
  }
  return value;
}

/** The package version, read from package.json beside src/ (and beside dist/ when built). */
export function packageVersion(): string {
  try {
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Resolves and checks the requested experiment ids; an unknown id names the valid ones. */
export function resolveExperiments(names: readonly string[] | undefined, registry: readonly AnyExperiment[] = EXPERIMENTS): AnyExperiment[] {
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) {
    throw new TypeError(`lab: expected experiments to be an array of ids, got ${describe(names)}`);
  }
  if (!names || names.length === 0) return [...registry];
  const valid = registry.map((e) => e.id);
  const unknown = names.filter((n) => !valid.includes(n));
  if (unknown.length > 0) {
    const which = unknown.map((n) => `"${n}"`).join(', ');
    throw new Error(`lab: unknown experiment${unknown.length > 1 ? 's' : ''} ${which}; valid experiments: ${valid.join(', ')}`);
  }
  return [...new Set(names)].map((n) => registry.find((e) => e.id === n)!);
}

function resolveBudget(options: LabOptions): BudgetName {
  if (options.budget !== undefined) {
    if (!BUDGET_NAMES.includes(options.budget)) {
      throw new TypeError(`lab: expected budget to be one of ${BUDGET_NAMES.join(', ')}, got ${describe(options.budget)}`);
    }
    return options.budget;
  }
  if (options.quick !== undefined && typeof options.quick !== 'boolean') throw new TypeError(`lab: expected quick to be true or false, got ${describe(options.quick)}`);
  return options.quick ? 'quick' : 'full';
}

function resolveSeeds(seeds: unknown, budget: BudgetName): number {
  if (seeds === undefined) return DEFAULT_SEEDS[budget];
  if (!(Number.isInteger(seeds) && (seeds as number) >= 1 && (seeds as number) <= MAX_SEEDS)) {
    throw new RangeError(`lab: expected --seeds to be a whole number from 1 to ${MAX_SEEDS}, got ${describe(seeds)}`);
  }
  return seeds as number;
}

function machine(): LabResults['machine'] {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model?.trim() || 'unknown',
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    backend: getBackend(),
  };
}

/** The section of an experiment that threw: its identity, the error, nothing measured. */
function failedResult(experiment: AnyExperiment, error: unknown, seconds: number): ExperimentResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    title: experiment.title,
    claim: experiment.claim,
    source: { citation: experiment.source.citation, url: experiment.source.url },
    setup: 'The experiment failed before it produced results.',
    measured: [],
    verdict: 'inconclusive',
    summary: `The experiment stopped with an error: ${message}`,
    tables: [],
    charts: [],
    status: 'failed',
    error: message,
    seconds: Math.round(seconds * 10) / 10,
  };
}

/**
 * Runs the lab: checks the request, then each experiment in turn, writing results.json and index.html into
 * `out` after each one. Resolves with the results and an exit code (0, 1 on a failed experiment, 130 when
 * interrupted); it never calls process.exit.
 */
export async function runLab(options: LabOptions = {}): Promise<LabOutcome> {
  if (options === null || typeof options !== 'object') throw new TypeError(`lab: expected options to be an object, got ${describe(options)}`);
  const registry = options.registry ?? EXPERIMENTS;
  const experiments = resolveExperiments(options.experiments, registry);
  const budget = resolveBudget(options);
  const seedCount = resolveSeeds(options.seeds, budget);
  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  if (options.out !== undefined && (typeof options.out !== 'string' || options.out.trim() === '')) {
    throw new TypeError(`lab: expected --out to be a folder path, got ${describe(options.out)}`);
  }
  if (options.json !== undefined && typeof options.json !== 'boolean') throw new TypeError(`lab: expected json to be true or false, got ${describe(options.json)}`);
  for (const e of experiments) {
    if (!e.budgets?.[budget]) throw new Error(`lab: experiment "${e.id}" has no "${budget}" budget`);
  }
  const shard = options.shard === undefined ? undefined : parseShard(formatShardLike(options.shard));
  const grids = experiments.map((e) => e.grid({ budget: e.budgets[budget], seeds }) as readonly unknown[]);
  const chosen = shardCells(grids.map((g) => g.length), shard);
  // A shard runs only the experiments it has cells of.
  const planned = experiments.map((e, i) => ({ experiment: e, grid: grids[i]!, cells: chosen[i]! })).filter((p) => !shard || p.cells.length > 0);
  // Before any work: a typo in --out should cost nothing.
  const out = await checkWritableDir(options.out ?? DEFAULT_OUT, '--out');

  const print = options.print === false ? () => {} : (options.print ?? ((text: string) => console.log(text)));
  const tables = options.json ? () => {} : print;
  const stream = options.progress === false ? null : (options.progress ?? process.stderr);
  const progress = new LabProgress(stream, {
    experiments: planned.map((p) => ({
      id: p.experiment.id,
      expectedSeconds: (Math.max(0, Number(p.experiment.budgets[budget].expectedSeconds) || 0) * p.cells.length) / Math.max(1, p.grid.length),
    })),
  });

  const controller = new AbortController();
  const onExternalAbort = () => controller.abort();
  if (options.signal?.aborted) controller.abort();
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });
  let sigints = 0;
  const onSigint = () => {
    sigints++;
    if (sigints === 1) {
      progress.message('Stopping at the next safe point and saving what was measured (Ctrl-C again to quit at once)…');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  const handleSignals = options.handleSignals ?? true;
  if (handleSignals) process.on('SIGINT', onSigint);

  const startedAt = new Date();
  const results: LabResults = {
    version: packageVersion(),
    createdAt: startedAt.toISOString(),
    complete: false,
    command:
      options.command ??
      `rectifier lab ${experiments.map((e) => e.id).join(' ')}${budget === 'quick' ? ' --quick' : ''} --seeds ${seedCount}${shard ? ` --shard ${formatShard(shard)}` : ''}`.replace(/\s+/g, ' '),
    settings: {
      quick: budget !== 'full',
      seeds: seedCount,
      experiments: experiments.map((e) => e.id),
      budget,
      seedValues: seeds,
      out,
      ...(shard ? { shard: formatShard(shard) } : {}),
    },
    machine: machine(),
    experiments: {},
  };

  // The previous run's files stay until this run has something to replace them with.
  let files: { json: string; html: string } = { json: join(out, RESULTS_FILE), html: join(out, HTML_FILE) };
  const failed: string[] = [];
  const started = performance.now();
  try {
    for (const { experiment, grid, cells } of planned) {
      if (controller.signal.aborted) break;
      const t0 = performance.now();
      const elapsed = () => Math.round(((performance.now() - t0) / 1000) * 10) / 10;
      const plan = { budget: experiment.budgets[budget], seeds };
      let lastCheckpoint = 0;
      const reporter = progress.begin(experiment.id);
      let result: ExperimentResult;
      try {
        const { records, stopped } = await sweep({
          ...plan,
          cells: cells.map((index) => ({ index, cell: grid[index] })),
          label: (cell) => experiment.label(cell),
          run: (cell, ctx) => experiment.run(cell, ctx),
          signal: controller.signal,
          progress: reporter,
          checkpoint: async (records) => {
            const now = performance.now();
            if (now - lastCheckpoint < CHECKPOINT_INTERVAL_MS) return;
            lastCheckpoint = now;
            try {
              const partial = sectionOf(experiment, records, plan);
              const checked = validateExperiment({ ...partial, status: 'incomplete', seconds: elapsed() }, `results.experiments.${experiment.id}`);
              results.experiments[experiment.id] = checked;
              files = await writeResults(out, results);
            } catch (error) {
              // A checkpoint is a convenience: the run goes on, and the final write reports real problems.
              progress.message(`${experiment.id}: checkpoint not saved: ${error instanceof Error ? error.message : String(error)}`);
            }
          },
        });
        result = validateExperiment(
          { ...sectionOf(experiment, records, plan), status: stopped || controller.signal.aborted ? 'incomplete' : 'complete', seconds: elapsed() },
          `results.experiments.${experiment.id}`,
        );
      } catch (error) {
        result = failedResult(experiment, error, elapsed());
        failed.push(experiment.id);
      }
      results.experiments[experiment.id] = result;
      files = await writeResults(out, results);
      progress.end(result.status === 'complete' ? result.verdict : result.status);
      tables(`\n${experimentSummary(result)}\n`);
    }
  } finally {
    if (handleSignals) process.off('SIGINT', onSigint);
    options.signal?.removeEventListener('abort', onExternalAbort);
    progress.finish();
  }

  const interrupted = controller.signal.aborted;
  results.complete = !interrupted && failed.length === 0 && planned.every((p) => results.experiments[p.experiment.id]?.status === 'complete');
  files = await writeResults(out, results);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  tables(`\n${summaryTable(results)}\n\nTotal time: ${seconds} s (budget ${budget}, ${seedCount} seed${seedCount > 1 ? 's' : ''}, ${results.machine.backend} backend${shard ? `, shard ${formatShard(shard)}` : ''})\nResults: ${files.json}\nReport:  ${files.html}`);
  if (options.json) {
    const summary: LabJsonSummary = {
      results: files.json,
      html: files.html,
      complete: results.complete,
      budget,
      seconds,
      experiments: Object.fromEntries(
        Object.entries(results.experiments).map(([id, e]) => [id, { verdict: e.verdict, status: e.status, seconds: e.seconds }]),
      ),
    };
    print(JSON.stringify(summary));
  }
  return { results, files, interrupted, failed, exitCode: interrupted ? 130 : failed.length > 0 ? 1 : 0 };
}
