/**
 * Plain-text views of lab results for the terminal: one table for the whole run, and the tables of one
 * experiment.
 */
import { formatTable } from './table.js';
import { formatBasis, formatCell, formatMeasured, formatPublished, formatSeconds, VERDICT_TEXT, verdictFigures } from './format.js';
import { orderedExperimentIds, validateExperiment, validateResults, type ExperimentResult, type LabResults } from './schema.js';

/**
 * One row per experiment: title, verdict, the numbers the verdict rests on (each with what it was compared
 * with) and time, followed by a note when the run was interrupted or an experiment failed.
 */
export function summaryTable(results: LabResults): string {
  const checked = validateResults(results, 'results');
  const ids = orderedExperimentIds(checked);
  if (ids.length === 0) return 'No experiments in these results.';
  // The headline figures go one per line, so a row stays readable in an ordinary terminal.
  const rows = ids.flatMap((id) => {
    const e = checked.experiments[id]!;
    const title = e.status === 'complete' ? e.title : `${e.title} (${e.status})`;
    const figures = verdictFigures(e);
    if (figures.length === 0) return [[title, VERDICT_TEXT[e.verdict], '-', '-', formatSeconds(e.seconds)]];
    return figures.map((f, i) =>
      i === 0 ? [title, VERDICT_TEXT[e.verdict], f.label, formatBasis(f), formatSeconds(e.seconds)] : ['', '', f.label, formatBasis(f), ''],
    );
  });
  const lines = [formatTable(['experiment', 'verdict', 'verdict rests on', 'value', 'time'], rows)];
  if (!checked.complete) {
    const done = ids.filter((id) => checked.experiments[id]!.status === 'complete').length;
    lines.push('', `Incomplete run: ${done} of ${Math.max(ids.length, checked.settings.experiments.length)} experiments completed.`);
  }
  for (const id of ids) {
    const e = checked.experiments[id]!;
    if (e.status === 'failed') lines.push(`${id} failed: ${e.error ?? 'no error message recorded'}`);
  }
  return lines.join('\n');
}

/**
 * Everything about one experiment that reads well as text: claim and source, published against measured
 * figures, the verdict and summary, then each of its tables.
 */
export function experimentSummary(result: ExperimentResult): string {
  const e = validateExperiment(result, 'result');
  const out: string[] = [`${e.title} — ${VERDICT_TEXT[e.verdict]}${e.status === 'complete' ? '' : ` (${e.status})`}`];
  out.push(`Claim: ${e.claim}`, `Source: ${e.source.citation}${e.source.url ? ` <${e.source.url}>` : ''}`, `Setup: ${e.setup}`);
  const figures: Array<[string, string, string]> = [
    ...(e.published ?? []).map((f): [string, string, string] => [`published (${e.source.citation})`, f.note ? `${f.label} — ${f.note}` : f.label, formatPublished(f)]),
    ...e.measured.map((f): [string, string, string] => ['measured', f.label, formatMeasured(f)]),
  ];
  if (figures.length > 0) out.push('', formatTable(['', 'figure', 'value'], figures));
  if (e.basis && e.basis.length > 0) out.push('', `The verdict (${VERDICT_TEXT[e.verdict]}) rests on:`, ...e.basis.map((f) => `  ${f.label}: ${formatBasis(f)}`));
  if (e.summary) out.push('', e.summary);
  if (e.status === 'failed' && e.error) out.push('', `Error: ${e.error}`);
  for (const t of e.tables) {
    out.push('', t.title, formatTable(t.columns, t.rows.map((r) => r.map((c) => (typeof c === 'number' ? c : formatCell(c))))));
  }
  return out.join('\n');
}
