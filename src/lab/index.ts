/**
 * lab/ — the published claims about ReLU as experiments anyone can rerun: each module in experiments/
 * states its claim, source, budgets (tiny for tests, quick for `npm start`, full) and verdict rule, and
 * measures on real data. `runLab` runs them with progress, Ctrl-C handling and atomic writes of
 * results.json and index.html (src/report).
 */
export { runLab, resolveExperiments, packageVersion, DEFAULT_OUT } from './runner.js';
export type { LabJsonSummary, LabOptions, LabOutcome } from './runner.js';
export { EXPERIMENTS, EXPERIMENT_IDS } from './registry.js';
export { BUDGET_NAMES, DEFAULT_SEEDS } from './types.js';
export type { AnyExperiment, BudgetBase, BudgetName, Experiment, ExperimentContext, ExperimentResult, ProgressReporter } from './types.js';
export { formatDuration, LabProgress } from './progress.js';
