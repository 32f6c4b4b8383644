/**
 * `rectifier report <results.json>`: renders a finished (or interrupted) lab run without rerunning anything.
 * `rectifier report merge <a/results.json> <b/results.json>… --out <dir>`: joins the shards of one lab run
 * (`rectifier lab --shard k/n`, run anywhere) into one results.json and index.html.
 */
import { dirname, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { mergeShards } from '../../lab/merge.js';
import { checkWritableDir, readResults, RESULTS_FILE, summaryTable, writeHtml, writeResults } from '../../report/index.js';

/** What `runReport` produced; also the one-line JSON it prints with `--json`. */
export interface ReportOutcome {
  /** Absolute path of the written index.html. */
  html: string;
  /** Number of experiments in the results. */
  experiments: number;
  /** False when the run behind the results was interrupted. */
  complete: boolean;
}

/** What `runMerge` produced; also the one-line JSON it prints with `--json`. */
export interface MergeOutcome extends ReportOutcome {
  /** Absolute path of the merged results.json. */
  results: string;
  /** The shards found in the inputs, as `k/n`. */
  shards: string[];
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

/**
 * Reads the results files of the shards of one lab run (files or the folders holding them), merges them
 * (src/lab/merge.ts) and writes results.json and index.html into `opts.out`, which must not hold one of
 * the inputs. Prints the summary, or with `opts.json` one JSON line.
 */
export async function runMerge(paths: readonly string[], opts: { out?: string; json?: boolean } = {}): Promise<MergeOutcome> {
  if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== 'string' || p.trim() === '')) {
    throw new TypeError('report merge: expected the results.json of each shard (files or their folders), e.g. report merge s1/results.json s2/results.json --out merged');
  }
  if (typeof opts.out !== 'string' || opts.out.trim() === '') {
    throw new TypeError(`report merge: expected --out <dir> for the merged results, got ${opts.out === undefined ? 'nothing' : JSON.stringify(opts.out)}`);
  }
  const inputs = await Promise.all(paths.map(async (p) => ({ path: p, file: (await isDir(p)) ? resolve(p, RESULTS_FILE) : resolve(p) })));
  const target = resolve(opts.out, RESULTS_FILE);
  const clash = inputs.find((i) => i.file === target);
  if (clash) throw new Error(`report merge: --out ${opts.out} holds ${clash.path}, one of the inputs; choose another folder so no shard is overwritten`);
  const out = await checkWritableDir(opts.out, '--out');
  const files = await Promise.all(inputs.map(async (i) => ({ source: i.path, results: await readResults(i.path) })));
  const merged = mergeShards(files, { command: `rectifier report merge ${paths.join(' ')} --out ${opts.out}`, out });
  const written = await writeResults(out, merged);
  const outcome: MergeOutcome = {
    results: written.json,
    html: written.html,
    experiments: Object.keys(merged.experiments).length,
    complete: merged.complete,
    shards: merged.settings.mergedShards as string[],
  };
  if (opts.json) {
    console.log(JSON.stringify(outcome));
  } else {
    console.log(summaryTable(merged));
    console.log(`\nMerged ${files.length} file${files.length === 1 ? '' : 's'} (shards ${outcome.shards.join(', ')}).\nResults: ${written.json}\nReport:  ${written.html}`);
  }
  return outcome;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(resolve(path))).isDirectory();
  } catch {
    return false;
  }
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
