/**
 * Checkpoints for `rectifier train`: `--checkpoint <dir> [--every N | Nsteps]` writes them, `--resume
 * <dir>` continues a run with the options it began with (stored in each checkpoint's metadata), and
 * Ctrl-C finishes the step, writes one and says how to resume. The format is fit's (src/nn/model/checkpoint.ts).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { makeDirectory } from '../../io/index.js';
import { resolve } from 'node:path';
import { latestCheckpoint, readCheckpointState, type CheckpointEvery, type CheckpointOptions } from '../../nn/index.js';

/** What `train` was asked, as commander hands it over (undefined where an option was not given). */
export interface CheckpointCommandOptions {
  dataset?: string;
  model?: string;
  activation?: string;
  epochs?: number;
  batchSize?: number;
  optimizer?: string;
  lr?: number;
  init?: string;
  seed?: number;
  samples?: number;
  backend?: string;
  save?: string;
  monitor?: boolean;
  monitorJsonl?: string;
  json?: boolean;
  checkpoint?: string;
  every?: string;
  resume?: string;
}

/**
 * The options that decide the weights: a resumed run keeps the checkpoint's, and giving another value
 * is an error. The others (--save, --monitor, --monitor-jsonl, --every, --json) only say what is shown
 * or written, and may be given anew.
 */
export const TRAINING_OPTIONS = ['dataset', 'model', 'activation', 'init', 'seed', 'epochs', 'batchSize', 'optimizer', 'lr', 'samples', 'backend'] as const;
type TrainingKey = (typeof TRAINING_OPTIONS)[number];

/** The options a checkpoint of `train` stores: the training options resolved (defaults filled in) and the outputs. */
export type StoredTrainOptions = { [K in TrainingKey]: string | number | null } & { save: string | null; monitor: boolean; monitorJsonl: string | null; every: string | null };

const METADATA_COMMAND = 'rectifier train';

/** How an option is written on the command line, for messages (batchSize → --batch-size). */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A dataset name as stored: a CSV path made absolute, so that a run resumed from another directory finds it. */
export function datasetKey(name: string): string {
  return name.toLowerCase().endsWith('.csv') ? resolve(name) : name;
}

/** `--every`: "3" (epochs), "3epochs", "500steps". */
export function parseEvery(text: string | undefined): CheckpointEvery {
  if (text === undefined) return { epochs: 1 };
  const m = /^\s*(\d+)\s*(epochs?|steps?)?\s*$/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!m || !Number.isSafeInteger(n) || n <= 0) throw new Error(`--every must be a positive number of epochs (3, 3epochs) or of steps (500steps), got ${JSON.stringify(text)}`);
  return m[2]?.startsWith('step') ? { steps: n } : { epochs: n };
}

/**
 * A resumed run's options: the checkpoint's training options, checked against those given (a different
 * value is an error naming the option), with the output options given now taking the place of the
 * stored ones.
 */
export function resumedOptions(opts: CheckpointCommandOptions): { options: CheckpointCommandOptions; position: { epoch: number; step: number; complete: boolean } } {
  const dir = opts.resume!;
  const { dir: generation, state } = readCheckpointState(dir, '--resume');
  const meta = state.metadata as { command?: unknown; options?: StoredTrainOptions };
  if (meta.command !== METADATA_COMMAND || !meta.options || typeof meta.options !== 'object') {
    throw new Error(`--resume ${dir}: the checkpoint in ${generation} was not written by rectifier train (it has no train options); continue it with fit(x, y, { resume }) in code`);
  }
  const stored = meta.options;
  for (const key of TRAINING_OPTIONS) {
    const given = opts[key];
    if (given === undefined) continue;
    const was = stored[key];
    const same = key === 'dataset' ? datasetKey(String(given)) === was : given === was;
    if (!same) {
      throw new Error(`${flagOf(key)} ${given} conflicts with the checkpoint's ${was === null ? `run, which had no ${flagOf(key)}` : `${flagOf(key)} ${was}`}; a resumed run keeps the options it began with: leave ${flagOf(key)} out`);
    }
  }
  const options: CheckpointCommandOptions = {};
  for (const key of TRAINING_OPTIONS) {
    const v = stored[key];
    if (v !== null) (options as Record<string, unknown>)[key] = v;
  }
  const output = {
    save: opts.save ?? stored.save ?? undefined,
    monitor: opts.monitor ?? stored.monitor,
    monitorJsonl: opts.monitorJsonl ?? stored.monitorJsonl ?? undefined,
    every: opts.every ?? stored.every ?? undefined,
    json: opts.json,
    checkpoint: opts.checkpoint,
    resume: dir,
  };
  for (const [k, v] of Object.entries(output)) if (v !== undefined) (options as Record<string, unknown>)[k] = v;
  return { options, position: { epoch: state.position.epoch, step: state.position.step, complete: state.position.complete } };
}

/** What a checkpoint of this run stores about the command. */
export function storedOptions(resolved: { [K in TrainingKey]: string | number | undefined }, opts: CheckpointCommandOptions): { command: string; options: StoredTrainOptions } {
  const options = {} as Record<string, unknown>;
  for (const key of TRAINING_OPTIONS) options[key] = resolved[key] ?? null;
  options.dataset = datasetKey(String(resolved.dataset));
  options.save = opts.save === undefined ? null : resolve(opts.save);
  options.monitor = Boolean(opts.monitor);
  options.monitorJsonl = opts.monitorJsonl === undefined ? null : resolve(opts.monitorJsonl);
  options.every = opts.every ?? null;
  return { command: METADATA_COMMAND, options: options as StoredTrainOptions };
}

/**
 * fit's checkpoint option for this run: into --checkpoint (or the resumed directory) as --every says;
 * without either, only on Ctrl-C, into a new directory named by the time (so that an interrupted run
 * is never lost).
 */
export function checkpointFor(opts: CheckpointCommandOptions, metadata: Record<string, unknown>): CheckpointOptions {
  if (opts.every !== undefined && opts.checkpoint === undefined && opts.resume === undefined) {
    throw new Error('--every needs --checkpoint <dir> (where to write the checkpoints)');
  }
  const every = parseEvery(opts.every);
  const dir = opts.checkpoint ?? opts.resume;
  if (dir !== undefined) return { path: dir, every, metadata };
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return { path: `rectifier-checkpoint-${stamp}`, every: 'interrupt', metadata };
}

/**
 * Checks --checkpoint before any data is loaded: the directory is made if missing and must be writable,
 * and a new run may not write into one that holds another run's checkpoint (it would replace it).
 */
export function prepareCheckpointDir(dir: string, resuming: boolean): void {
  try {
    makeDirectory(dir);
    if (!statSync(dir).isDirectory()) throw new Error('it is not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new Error(`--checkpoint ${dir}: cannot write checkpoints there (${(e as Error).message})`);
  }
  if (!resuming && latestCheckpoint(dir) !== null) {
    throw new Error(`--checkpoint ${dir} already holds a checkpoint; continue that run with rectifier train --resume ${dir}, or choose another directory`);
  }
}

/**
 * Runs `train` with Ctrl-C handled: the first finishes the step in progress and writes a checkpoint
 * (fit's signal), a second quits at once (the checkpoint written before it stays whole).
 */
export async function withInterrupt<T>(notify: () => void, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let count = 0;
  const onSigint = () => {
    count++;
    if (count === 1) {
      notify();
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
