/**
 * Assembling an experiment's section of results.json from what it measured: the experiment's own title,
 * claim and source, then setup, figures, verdict, paragraph, tables and charts.
 */
import type { Chart, MeasuredFigure, PublishedFigure, ResultTable, Verdict } from '../report/schema.js';
import type { BudgetBase, Experiment, ExperimentResult } from './types.js';

export interface Findings {
  readonly setup: string;
  readonly published?: PublishedFigure[];
  readonly measured: MeasuredFigure[];
  readonly verdict: Verdict;
  readonly summary: string;
  readonly tables: ResultTable[];
  readonly charts: Chart[];
}

/** The section for `experiment`; the runner sets `status` and `seconds`. */
export function resultOf<B extends BudgetBase>(experiment: Experiment<B>, findings: Findings): ExperimentResult {
  const result: ExperimentResult = {
    title: experiment.title,
    claim: experiment.claim,
    source: { citation: experiment.source.citation, url: experiment.source.url },
    setup: findings.setup,
    measured: findings.measured,
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

/** The sentence a summary ends with when the run was stopped before this experiment finished. */
export function partialNote(done: number, planned: number, what = 'runs'): string {
  return done < planned ? ` Only ${done} of ${planned} ${what} finished before the run was stopped, so these numbers are partial.` : '';
}
