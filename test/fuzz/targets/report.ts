/**
 * Fuzz target: `rectifier report <results.json>`, run in process through the CLI's entry. Inputs are small
 * valid results files (one or two experiments, every chart kind) damaged as JSON (wrong types, NaN/Inf,
 * missing and extra keys, deep nesting, very long strings), as text and as bytes. A report that renders must
 * say how many experiments it holds and whether the run was complete, exactly as the file does, and leave
 * index.html where it said; a failure is one `rectifier: …` message naming the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/program.js';
import type { LabResults } from '../../../src/report/schema.js';
import { exampleResults } from '../../helpers/report-example.js';
import { captured } from '../capture.js';
import { chance, mutateBytes, mutateJson, mutateText, pick, stringifyWithSpecials } from '../mutate.js';
import { ReportedError, WrongResult, type FuzzCase, type FuzzTarget } from '../target.js';

interface Corpus {
  readonly files: readonly LabResults[];
}

interface Args {
  readonly argv: readonly string[];
  /** Where index.html goes when the report renders, relative to the case folder. */
  readonly html: string;
}

function subset(all: LabResults, ids: readonly string[]): LabResults {
  return { ...all, experiments: Object.fromEntries(ids.map((id) => [id, all.experiments[id]!])) };
}

export const target: FuzzTarget<Corpus> = {
  name: 'report',

  async corpus() {
    const all = exampleResults({ interrupted: true, withFailure: true });
    const complete = exampleResults();
    // Small files: a valid one is rendered in full (charts included), which is most of a case's time. The
    // heatmap and the line chart with bands come up less often than the cheap bar and table sections.
    return {
      files: [
        subset(all, ['dying', 'cost']),
        subset(complete, ['variants']),
        subset(all, ['cost']),
        subset(complete, ['variants', 'cost']),
        subset(complete, ['depth']),
      ],
    };
  },

  generate(rng, corpus): FuzzCase {
    const base = pick(rng, corpus.files);
    const out = chance(rng, 0.3) ? pick(rng, ['rep', 'results.json', 'nodir/../rep2', '/proc/fuzz-report', 'index.html']) : null;
    const where = chance(rng, 0.1) ? '.' : 'results.json';
    const argv = ['report', where, ...(out ? ['--out', out] : []), ...(chance(rng, 0.7) ? ['--json'] : [])];
    const html = out && !out.startsWith('/') ? join(out, 'index.html') : 'index.html';
    const kind = rng.int(10);
    let contents: string | Uint8Array;
    let how: string;
    if (kind <= 6) {
      // Arrays grow to 100 items at most: each chart is rendered, and a thousand take most of a minute.
      const m = mutateJson(rng, base, undefined, { maxItems: 100 });
      contents = stringifyWithSpecials(rng, m.value);
      how = m.how;
    } else if (kind <= 8) {
      const m = mutateText(rng, JSON.stringify(base, null, 2));
      contents = m.text;
      how = m.how;
    } else {
      const m = mutateBytes(rng, new TextEncoder().encode(JSON.stringify(base)));
      contents = m.bytes;
      how = m.how;
    }
    return { files: { 'results.json': contents }, args: { argv, html } satisfies Args, how: `${how}; ${argv.join(' ')}` };
  },

  async run(raw) {
    const args = raw as Args;
    const code = await runCli(args.argv);
    const { stdout, stderr } = captured();
    if (code !== 0) throw new ReportedError(stderr.trim() || `exit code ${code} and nothing on stderr`);
    const given = JSON.parse(readFileSync('results.json', 'utf8')) as LabResults;
    if (!existsSync(args.html)) throw new WrongResult(`exit 0 but no ${args.html}`);
    if (args.argv.includes('--json')) {
      const lines = stdout.trim().split('\n');
      const summary = JSON.parse(lines[lines.length - 1]!) as { experiments: number; complete: boolean; html: string };
      if (summary.experiments !== Object.keys(given.experiments).length) throw new WrongResult(`reported ${summary.experiments} experiments, the file has ${Object.keys(given.experiments).length}`);
      if (summary.complete !== given.complete) throw new WrongResult(`reported complete: ${summary.complete}, the file says ${given.complete}`);
    }
    const page = readFileSync(args.html, 'utf8');
    for (const id of Object.keys(given.experiments)) {
      if (!page.includes(`id="${id}"`)) throw new WrongResult(`index.html has no section for ${id}`);
    }
    return { outputs: [args.html] };
  },

  hasContext(message, raw) {
    const args = raw as Args;
    return /results|--out|report/.test(message) || args.argv.some((a) => a.length > 1 && message.includes(a));
  },
};
