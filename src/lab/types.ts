/**
 * The contract between the lab's runner and its experiments. An experiment is a claim from a paper, the
 * source it comes from, budgets saying how much to run, and `run`, which measures and returns a section of
 * results.json (src/report/schema.ts). The runner owns everything around it: progress, seeds, Ctrl-C,
 * timing, writing files.
 */
import type { ExperimentResult } from '../report/schema.js';

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

export interface ExperimentContext<B extends BudgetBase> {
  /** Which budget is running, and its settings. */
  readonly budgetName: BudgetName;
  readonly budget: B;
  /** The seeds, one per repetition of each configuration (1, 2, … N). */
  readonly seeds: readonly number[];
  readonly progress: ProgressReporter;
  /**
   * Aborted on Ctrl-C. Experiments check it between units of work (and stop training at the next step);
   * they then return what they have, which the runner marks `incomplete`.
   */
  readonly signal: AbortSignal;
  /** Saves an intermediate result, so a crash or Ctrl-C keeps what was measured so far. */
  checkpoint(partial: ExperimentResult): Promise<void>;
}

export interface Experiment<B extends BudgetBase = BudgetBase> {
  /** The key in results.json and the name on the command line. */
  readonly id: string;
  readonly title: string;
  readonly claim: string;
  readonly source: { readonly citation: string; readonly url: string };
  readonly budgets: Readonly<Record<BudgetName, B>>;
  /** Measures and returns the experiment's section; `status` and `seconds` are filled in by the runner. */
  run(ctx: ExperimentContext<B>): Promise<ExperimentResult>;
}

/** Any experiment, whatever its budget type (the registry holds several). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyExperiment = Experiment<any>;
