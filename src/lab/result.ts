/**
 * Assembling an experiment's section of results.json from what `summarize` found: the experiment's own
 * title, claim and source, then setup, figures, the figures the verdict rests on, verdict, paragraph, tables
 * and charts.
 */
import type { ExperimentResult } from '../report/schema.js';
import { decodeRecords, encodeRecords } from './records.js';
import type { RunRecord } from './sweep.js';
import type { BudgetBase, Experiment, Findings, GridPlan } from './types.js';

export type { Findings } from './types.js';

/** What `resultOf` needs of an experiment: its identity. */
export interface ExperimentIdentity {
  readonly title: string;
  readonly claim: string;
  readonly source: { readonly citation: string; readonly url: string };
}

/** The section for `experiment`; the runner sets `status`, `seconds` and the run records. */
export function resultOf(experiment: ExperimentIdentity, findings: Findings): ExperimentResult {
  const result: ExperimentResult = {
    title: experiment.title,
    claim: experiment.claim,
    source: { citation: experiment.source.citation, url: experiment.source.url },
    setup: findings.setup,
    measured: findings.measured,
    basis: findings.basis,
    verdict: findings.verdict,
    summary: findings.summary,
    tables: findings.tables,
    charts: findings.charts,
    status: 'complete',
    seconds: 0,
  };
  if (findings.published && findings.published.length > 0) result.published = findings.published;
  return result;
}

/** The sentence a summary ends with when not every cell of the grid is in the records. */
export function partialNote(done: number, planned: number, what = 'runs'): string {
  return done < planned ? ` Only ${done} of ${planned} ${what} are in these results (the run was stopped or sharded), so these numbers are partial.` : '';
}

/**
 * An experiment's section from the records of the cells that ran (in grid order): summarized, with the
 * records and the grid's size kept beside the figures so shards can be merged and summarized again.
 */
export function sectionOf<B extends BudgetBase, C, R>(experiment: Experiment<B, C, R>, records: readonly RunRecord<R>[], plan: GridPlan<B>): ExperimentResult {
  const planned = experiment.grid(plan).length;
  const stored = encodeRecords(records);
  // Summarized as stored, so this section and one merged from files come from identical records.
  const runs = decodeRecords(stored).map((r) => r.run as R);
  const findings = experiment.summarize(runs, { budget: plan.budget, seeds: plan.seeds, planned });
  return { ...resultOf(experiment, findings), runs: stored, cells: planned };
}
