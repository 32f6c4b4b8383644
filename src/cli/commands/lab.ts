/**
 * `rectifier lab [experiment…] [--quick] [--seeds N] [--shard k/n] [--out dir] [--json]`: runs the lab's
 * experiments (src/lab), or shard k of n of their grid, shows progress on stderr, prints a summary per
 * experiment and for the run, and writes results.json and index.html. Exit code 130 after Ctrl-C, 1 when
 * an experiment failed.
 */
import { runLab, type LabOutcome } from '../../lab/runner.js';
import { BUDGET_NAMES, type BudgetName } from '../../lab/types.js';

export interface LabCommandOptions {
  quick?: boolean;
  seeds?: number;
  out?: string;
  json?: boolean;
  budget?: BudgetName;
  shard?: string;
  /** Stops the run as Ctrl-C does. */
  signal?: AbortSignal;
}

/** Parses `--seeds` as commander hands it over (a string), keeping the runner's error for bad values. */
function seedsOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return value as number;
}

export async function runLabCommand(names: string[], opts: LabCommandOptions = {}): Promise<LabOutcome> {
  if (!Array.isArray(names)) throw new TypeError(`lab: expected experiment names to be an array, got ${typeof names}`);
  if (opts === null || typeof opts !== 'object') throw new TypeError(`lab: expected options to be an object, got ${opts === null ? 'null' : typeof opts}`);
  if (opts.budget !== undefined && !BUDGET_NAMES.includes(opts.budget)) {
    throw new TypeError(`lab: expected --budget to be one of ${BUDGET_NAMES.join(', ')}, got ${JSON.stringify(opts.budget)}`);
  }
  const seeds = seedsOf(opts.seeds);
  const flags = [
    opts.budget ? `--budget ${opts.budget}` : opts.quick ? '--quick' : '',
    seeds !== undefined ? `--seeds ${seeds}` : '',
    opts.shard !== undefined ? `--shard ${opts.shard}` : '',
    opts.out !== undefined ? `--out ${opts.out}` : '',
    opts.json ? '--json' : '',
  ];
  const outcome = await runLab({
    experiments: names,
    ...(opts.quick !== undefined ? { quick: opts.quick } : {}),
    ...(seeds !== undefined ? { seeds } : {}),
    ...(opts.out !== undefined ? { out: opts.out } : {}),
    ...(opts.json !== undefined ? { json: opts.json } : {}),
    ...(opts.budget !== undefined ? { budget: opts.budget } : {}),
    ...(opts.shard !== undefined ? { shard: opts.shard } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    command: ['rectifier lab', ...names, ...flags].filter(Boolean).join(' '),
  });
  if (outcome.exitCode !== 0) process.exitCode = outcome.exitCode;
  return outcome;
}
