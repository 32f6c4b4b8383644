/** `rectifier report <results.json>`: renders a finished (or interrupted) lab run without rerunning anything. */
import { dirname, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { checkWritableDir, readResults, summaryTable, writeHtml } from '../../report/index.js';

/** What `runReport` produced; also the one-line JSON it prints with `--json`. */
export interface ReportOutcome {
  /** Absolute path of the written index.html. */
  html: string;
  /** Number of experiments in the results. */
  experiments: number;
  /** False when the run behind the results was interrupted. */
  complete: boolean;
}

/**
 * Reads and validates `resultsPath` (a results.json, or the folder holding one), writes index.html next to
 * it or into `opts.out`, then prints the terminal summary, or with `opts.json` a single JSON line
 * `{ html, experiments, complete }`.
 */
export async function runReport(resultsPath: string, opts: { out?: string; json?: boolean } = {}): Promise<ReportOutcome> {
  if (typeof resultsPath !== 'string' || resultsPath.trim() === '') {
    throw new TypeError(`report: expected a path to results.json, got ${resultsPath === '' ? 'an empty string' : typeof resultsPath}`);
  }
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(`report: expected options to be an object, got ${opts === null ? 'null' : typeof opts}`);
  }
  if (opts.out !== undefined && (typeof opts.out !== 'string' || opts.out.trim() === '')) {
    throw new TypeError(`report: expected --out to be a directory path, got ${JSON.stringify(opts.out)}`);
  }
  // --out is checked before reading, so a typo in it is reported at once.
  const out = opts.out !== undefined ? await checkWritableDir(opts.out, '--out') : undefined;
  const results = await readResults(resultsPath);
  const outDir = out ?? (await checkWritableDir(await resultsDir(resultsPath), 'results folder'));
  const { html } = await writeHtml(outDir, results);
  const outcome: ReportOutcome = { html, experiments: Object.keys(results.experiments).length, complete: results.complete };
  if (opts.json) {
    console.log(JSON.stringify(outcome));
  } else {
    console.log(summaryTable(results));
    console.log(`\nReport: ${html}`);
  }
  return outcome;
}

/** The folder the report goes into by default: the one holding results.json. */
async function resultsDir(resultsPath: string): Promise<string> {
  const absolute = resolve(resultsPath);
  try {
    if ((await stat(absolute)).isDirectory()) return absolute;
  } catch {
    // A missing file is reported by readResults with a clearer message.
  }
  return dirname(absolute);
}
