/**
 * lab/ — the published claims about ReLU as experiments anyone can rerun: each module in experiments/
 * states its claim, source, budgets (tiny for tests, quick for `npm start`, full), its grid of cells, how
 * one cell is measured, and a pure `summarize` holding its verdict rule. `runLab` runs them through one
 * `sweep` (progress, Ctrl-C, disposal, checkpoints), optionally as one shard of n, and writes results.json
 * and index.html (src/report); `mergeShards` joins the results of shards into one.
 */
export { runLab, resolveExperiments, packageVersion, DEFAULT_OUT } from './runner.js';
export type { LabJsonSummary, LabOptions, LabOutcome } from './runner.js';
export { EXPERIMENTS, EXPERIMENT_IDS } from './registry.js';
export { BUDGET_NAMES, DEFAULT_SEEDS } from './types.js';
export type {
  AnyExperiment, BudgetBase, BudgetName, CellContext, Disposable, Experiment, ExperimentResult, Findings, GridPlan, ProgressReporter, SummaryPlan,
} from './types.js';
export { sweep, disposing } from './sweep.js';
export type { RunRecord, SweepOptions, SweepOutcome } from './sweep.js';
export { formatShard, parseShard, shardCells } from './shard.js';
export type { Shard } from './shard.js';
export { decodeRecords, encodeRecords } from './records.js';
export { formatDuration, LabProgress } from './progress.js';
export { mergeShards } from './merge.js';
export type { MergeOptions, ShardFile } from './merge.js';
