/**
 * Joining shards: the results files of `rectifier lab --shard k/n` runs (on any machines) become one results
 * file, as if the lab had run unsharded. Each experiment's records from all shards are put back in grid
 * order and summarized again by the experiment's own `summarize`, so every figure, table, chart and verdict
 * is the one the unsharded run computes from the same records; only numbers that measure time differ, as
 * they would between two runs.
 */
import type { ExperimentResult, LabResults } from '../report/schema.js';
import { decodeRecords } from './records.js';
import { EXPERIMENTS } from './registry.js';
import { sectionOf } from './result.js';
import { formatShard, parseShard, type Shard } from './shard.js';
import type { RunRecord } from './sweep.js';
import { BUDGET_NAMES, type AnyExperiment, type BudgetName } from './types.js';

/** One results file to merge and where it came from (for messages). */
export interface ShardFile {
  readonly source: string;
  readonly results: LabResults;
}

export interface MergeOptions {
  /** The command line recorded in the merged file. */
  readonly command?: string;
  /** The folder the merged file goes to, recorded in its settings. */
  readonly out?: string;
  /** The experiments to look ids up in (default: the registry); lets tests merge stand-ins. */
  readonly registry?: readonly AnyExperiment[];
}

/** The settings every shard of one run must agree on. */
interface RunIdentity {
  readonly budget: BudgetName;
  readonly seedValues: readonly number[];
  readonly experiments: readonly string[];
  readonly count: number;
}

function identityOf(file: ShardFile): RunIdentity & { shard: Shard } {
  const s = file.results.settings;
  const where = `${file.source}: settings`;
  if (typeof s.budget !== 'string' || !BUDGET_NAMES.includes(s.budget as BudgetName)) {
    throw new Error(`${where}.budget: expected one of ${BUDGET_NAMES.join(', ')}, got ${JSON.stringify(s.budget)} (was the file written by rectifier lab?)`);
  }
  if (!Array.isArray(s.seedValues) || !s.seedValues.every((v) => Number.isInteger(v))) {
    throw new Error(`${where}.seedValues: expected the list of seeds the run used, got ${JSON.stringify(s.seedValues)}`);
  }
  const shard = s.shard === undefined ? { index: 1, count: 1 } : parseShard(s.shard, `${where}.shard`);
  return { budget: s.budget as BudgetName, seedValues: s.seedValues as number[], experiments: s.experiments, count: shard.count, shard };
}

const same = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Merges the results of the shards of one lab run. Throws, naming the file, when the files do not belong
 * to one run (budget, seeds, experiments, shard count or version differ), when a shard is given twice, or
 * when two files hold the same cell. Missing shards are allowed: the merged file is then marked incomplete
 * and says how many cells each experiment is missing.
 */
export function mergeShards(files: readonly ShardFile[], options: MergeOptions = {}): LabResults {
  if (!Array.isArray(files) || files.length === 0) throw new TypeError('merge: expected at least one results file');
  const registry = options.registry ?? EXPERIMENTS;
  const identities = files.map(identityOf);
  const first = identities[0]!;
  const firstFile = files[0]!;
  const byShard = new Map<number, string>();
  identities.forEach((id, i) => {
    const file = files[i]!;
    const differs = (what: string, a: unknown, b: unknown) =>
      new Error(`merge: ${file.source} is not a shard of the same run as ${firstFile.source}: ${what} ${JSON.stringify(b)} against ${JSON.stringify(a)}`);
    if (id.budget !== first.budget) throw differs('budget', first.budget, id.budget);
    if (!same(id.seedValues, first.seedValues)) throw differs('seeds', first.seedValues, id.seedValues);
    if (!same(id.experiments, first.experiments)) throw differs('experiments', first.experiments, id.experiments);
    if (id.count !== first.count) throw differs('shard count', first.count, id.count);
    if (file.results.version !== firstFile.results.version) throw differs('rectifier version', firstFile.results.version, file.results.version);
    const earlier = byShard.get(id.shard.index);
    if (earlier !== undefined) throw new Error(`merge: shard ${formatShard(id.shard)} is given twice (${earlier} and ${file.source})`);
    byShard.set(id.shard.index, file.source);
  });

  const seeds = first.seedValues;
  const experiments: Record<string, ExperimentResult> = {};
  let allCells = true;
  for (const id of first.experiments) {
    const experiment = registry.find((e) => e.id === id);
    if (!experiment) throw new Error(`merge: ${firstFile.source} holds experiment "${id}", which this version of rectifier does not know`);
    const parts = files.flatMap((f) => (f.results.experiments[id] ? [{ source: f.source, section: f.results.experiments[id]! }] : []));
    const plan = { budget: experiment.budgets[first.budget], seeds };
    const size = experiment.grid(plan).length;
    const owner = new Map<number, string>();
    const records: RunRecord[] = [];
    for (const { source, section } of parts) {
      if (section.runs === undefined) {
        throw new Error(`merge: ${source}: experiments.${id} has no run records (written by an older rectifier?), so it cannot be merged`);
      }
      if (section.cells !== undefined && section.cells !== size) {
        throw new Error(`merge: ${source}: experiments.${id} has a grid of ${section.cells} cells where this version of rectifier plans ${size}`);
      }
      for (const record of section.runs) {
        const earlier = owner.get(record.cell);
        if (earlier !== undefined) throw new Error(`merge: cell ${record.cell} of ${id} is in both ${earlier} and ${source}`);
        owner.set(record.cell, source);
        records.push(record);
      }
    }
    if (parts.length === 0) {
      allCells = false;
      continue;
    }
    records.sort((a, b) => a.cell - b.cell);
    const failed = parts.filter((p) => p.section.status === 'failed');
    const complete = records.length === size && parts.every((p) => p.section.status === 'complete');
    if (!complete) allCells = false;
    const section = sectionOf(experiment, decodeRecords(records), plan);
    // Shards ran side by side, so the experiment's time is the sum of theirs: what one machine would spend.
    const seconds = Math.round(parts.reduce((s, p) => s + p.section.seconds, 0) * 10) / 10;
    experiments[id] = {
      ...section,
      status: failed.length > 0 ? 'failed' : complete ? 'complete' : 'incomplete',
      ...(failed.length > 0 ? { error: failed.map((p) => `${p.source}: ${p.section.error ?? 'failed'}`).join('; ') } : {}),
      seconds,
    };
  }

  const shards = [...byShard.keys()].sort((a, b) => a - b);
  const earliest = files.map((f) => f.results.createdAt).sort()[0]!;
  const { shard: _shard, ...settings } = firstFile.results.settings;
  return {
    version: firstFile.results.version,
    createdAt: earliest,
    complete: allCells && shards.length === first.count && files.every((f) => f.results.complete),
    command: options.command ?? `rectifier report merge ${files.map((f) => f.source).join(' ')}`,
    settings: {
      ...settings,
      ...(options.out !== undefined ? { out: options.out } : {}),
      mergedShards: shards.map((k) => `${k}/${first.count}`),
      machines: [...new Set(files.map((f) => describeMachine(f.results.machine)))],
    },
    machine: firstFile.results.machine,
    experiments,
  };
}

function describeMachine(m: LabResults['machine']): string {
  return `${m.cpuModel} · ${m.cpus} cores · ${m.backend}`;
}
