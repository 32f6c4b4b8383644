/**
 * The contract between the lab's runner and its experiments. An experiment is a claim from a paper, the
 * source it comes from, budgets saying how much to run, and three functions:
 *
 * - `grid` lists the cells of work (configurations × seeds) in a fixed order;
 * - `run` measures one cell and returns its run record (plain JSON data);
 * - `summarize` turns the run records into figures, a verdict, tables and charts — a pure function, so a
 *   verdict rule can be tested on hand-made records, and shards run on different machines can be merged
 *   by summarizing the union of their records.
 *
 * The runner and `sweep` (src/lab/sweep.ts) own everything around them: progress, seeds, Ctrl-C, disposing
 * models, checkpoints, timing, sharding, writing files.
 */
import type { Chart, MeasuredFigure, PublishedFigure, ResultTable, Verdict } from '../report/schema.js';

export type { ExperimentResult } from '../report/schema.js';

/**
 * How much an experiment runs. `tiny` is what the tests run (seconds), `quick` what `npm start` runs (all
 * eight experiments within five minutes on two cores), `full` the real thing (within an hour).
 */
export type BudgetName = 'tiny' | 'quick' | 'full';
export const BUDGET_NAMES: readonly BudgetName[] = ['tiny', 'quick', 'full'];

/** Seeds per configuration when `--seeds` is not given. */
export const DEFAULT_SEEDS: Readonly<Record<BudgetName, number>> = { tiny: 1, quick: 2, full: 3 };

/** Progress of one experiment: units of work done out of a total, with a label for the current one. */
export interface ProgressReporter {
  /** Declares (or re-declares) how many units the experiment will run. */
  setTotal(units: number): void;
  /** Marks `units` (default 1) done; `label` says what runs next or what just finished. */
  advance(label?: string, units?: number): void;
  /** Shows what is running without counting a unit (e.g. "loading Fashion-MNIST"). */
  status(label: string): void;
}

/** What every budget states, whatever else it holds. */
export interface BudgetBase {
  /** Roughly how long the budget takes on two cores, in seconds: the basis of the lab's ETA. */
  readonly expectedSeconds: number;
}

/** What an experiment's grid depends on: the budget and the seeds. */
export interface GridPlan<B extends BudgetBase> {
  readonly budget: B;
  /** The seeds, one per repetition of each configuration (1, 2, … N). */
  readonly seeds: readonly number[];
}

/** What `summarize` is told besides the run records. */
export interface SummaryPlan<B extends BudgetBase> extends GridPlan<B> {
  /** Cells in the whole grid; fewer records than this means the numbers are partial. */
  readonly planned: number;
}

/** Something holding memory outside the JS heap (a model, a tensor). */
export interface Disposable {
  dispose(): void;
}

/** What `run` gets for one cell. */
export interface CellContext<B extends BudgetBase> extends GridPlan<B> {
  /**
   * Aborted on Ctrl-C. A cell checks it between steps (and stops training at the next step); a cell that
   * stops before it finished returns null, and the runner marks the experiment `incomplete`.
   */
  readonly signal: AbortSignal;
  /** Shows what the cell is doing now, without counting a unit of progress. */
  status(label: string): void;
  /**
   * What the cells of one experiment share (a data set, a probe batch): made by `make` the first time
   * `label` is asked for in this experiment, shown as the status while it is made, and reused after.
   */
  shared<T>(label: string, make: () => T | Promise<T>): Promise<T>;
  /** Disposes `resource` when the cell ends, whether it finished, stopped or threw. */
  track<T extends Disposable>(resource: T): T;
}

export interface Experiment<B extends BudgetBase = BudgetBase, C = unknown, R = unknown> {
  /** The key in results.json and the name on the command line. */
  readonly id: string;
  readonly title: string;
  readonly claim: string;
  readonly source: { readonly citation: string; readonly url: string };
  readonly budgets: Readonly<Record<BudgetName, B>>;
  /** Every cell of work, in the order they run; the same plan always gives the same list. */
  grid(plan: GridPlan<B>): readonly C[];
  /** A few words naming the cell for the progress line ("relu · 6 hidden layers · seed 2"). */
  label(cell: C): string;
  /** Measures one cell; null when the signal stopped it before it finished. The record must be plain JSON data. */
  run(cell: C, ctx: CellContext<B>): Promise<R | null>;
  /** Figures, verdict, tables and charts from the records of the cells that ran, in grid order. Pure. */
  summarize(runs: readonly R[], plan: SummaryPlan<B>): Findings;
}

/** Any experiment, whatever its budget, cell and record types (the registry holds several). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyExperiment = Experiment<any, any, any>;

/** What `summarize` finds in the records: everything of an experiment's section but its identity and status. */
export interface Findings {
  readonly setup: string;
  readonly published?: PublishedFigure[];
  readonly measured: MeasuredFigure[];
  /**
   * The numbers the verdict rule compares, each labelled with what it is compared against (the rule's
   * threshold or the published figure): what the report shows beside the verdict in its contents.
   */
  readonly basis: MeasuredFigure[];
  readonly verdict: Verdict;
  readonly summary: string;
  readonly tables: ResultTable[];
  readonly charts: Chart[];
}

