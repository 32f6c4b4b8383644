/**
 * Fuzz target: `loadCsv(file, options)`, the user's own table. Inputs are valid tables damaged cell by cell
 * and row by row (non-numbers, NaN/Inf, values beyond float32, huge class ids, ragged rows, other
 * delimiters, very long cells, many rows), options of the wrong type, undecodable bytes, and paths that are
 * not regular files. A table that loads must hold finite features, labels in range, a class count bounded
 * by the labels present, and — for plain comma-separated text — the numbers the cells say.
 */
import { readFileSync } from 'node:fs';
import { loadCsv, Rng } from 'rectifier';
import { badValue, chance, describeShort, mutateBytes, mutateTable, pick } from '../mutate.js';
import { WrongResult, type FuzzCase, type FuzzTarget } from '../target.js';

/** The most classes a table may leave without a sample before an inferred class count is an error. */
const MAX_EMPTY_CLASSES = 1024;

type CsvOptions = NonNullable<Parameters<typeof loadCsv>[1]>;

interface Corpus {
  tables: { rows: string[][]; options?: CsvOptions }[];
}

interface Args {
  file: string;
  options?: unknown;
}

function numericTable(rng: Rng, rows: number, features: number, classes: number, header: boolean): string[][] {
  const out: string[][] = header ? [[...Array.from({ length: features }, (_, j) => `x${j + 1}`), 'label']] : [];
  for (let i = 0; i < rows; i++) {
    out.push([...Array.from({ length: features }, () => rng.normal(0, 3).toPrecision(1 + rng.int(8))), String(rng.int(classes))]);
  }
  return out;
}

export const target: FuzzTarget<Corpus> = {
  name: 'csv',

  async corpus() {
    const rng = new Rng(7);
    const names = ['setosa', 'versicolor', 'virginica'];
    const named = numericTable(rng, 30, 4, 3, true).map((r, i) => (i === 0 ? r : [...r.slice(0, -1), names[Number(r[r.length - 1])]!]));
    const middle = numericTable(rng, 25, 3, 4, true).map((r) => [r[0]!, r[3]!, r[1]!, r[2]!]);
    return {
      tables: [
        { rows: numericTable(rng, 40, 3, 3, true) },
        { rows: numericTable(rng, 20, 2, 2, false) },
        { rows: named },
        { rows: middle, options: { labelColumn: 1 } },
        { rows: middle, options: { labelColumn: 'label', header: true } },
      ],
    };
  },

  generate(rng, corpus): FuzzCase {
    const base = pick(rng, corpus.tables);
    const kind = rng.int(20);
    if (kind === 0) {
      // Paths that are not a readable regular file.
      const file = pick(rng, ['missing.csv', '.', 'dir.csv', '/dev/null', '/dev/zero', 'pipe.csv', 'nodir/x.csv']);
      return {
        files: file === 'dir.csv' ? { 'dir.csv/inner': 'a,b\n1,0\n' } : {},
        fifos: file === 'pipe.csv' ? ['pipe.csv'] : [],
        args: { file, options: base.options } satisfies Args,
        how: `path ${file}`,
      };
    }
    if (kind <= 2) {
      // Options of the wrong type or out of range, on a valid table.
      const options: Record<string, unknown> = { ...base.options };
      const key = pick(rng, ['labelColumn', 'header', 'delimiter', 'numClasses', 'labels', 'name', 'extra']);
      const value = chance(rng, 0.3) ? pick(rng, [3e9, 2 ** 32, 99999999, 1e6, 65537, 0.5, -1, 'id', 'name']) : badValue(rng);
      options[key] = value;
      const whole = chance(rng, 0.1) ? badValue(rng) : options;
      return {
        files: { 'data.csv': base.rows.map((r) => r.join(',')).join('\n') },
        args: { file: 'data.csv', options: whole } satisfies Args,
        how: `options.${key} = ${describeShort(value)}`,
      };
    }
    if (kind === 3) {
      const text = new TextEncoder().encode(base.rows.map((r) => r.join(',')).join('\n'));
      const m = mutateBytes(rng, text);
      return { files: { 'data.csv': m.bytes }, args: { file: 'data.csv', options: base.options } satisfies Args, how: m.how };
    }
    const m = mutateTable(rng, base.rows);
    return { files: { 'data.csv': m.text }, args: { file: 'data.csv', options: base.options } satisfies Args, how: m.how };
  },

  async run(raw) {
    const args = raw as Args;
    const ds = await loadCsv(args.file, args.options as CsvOptions);
    const features = ds.sampleShape.reduce((a, b) => a * b, 1);
    if (!(ds.x instanceof Float32Array) || ds.x.length !== ds.length * features) throw new WrongResult(`x holds ${ds.x.length} values for ${ds.length} samples of ${features}`);
    const bad = ds.x.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new WrongResult(`x holds ${ds.x[bad]} at sample ${Math.floor(bad / features)}, feature ${bad % features}`);
    if (!(ds.y instanceof Int32Array) || ds.y.length !== ds.length) throw new WrongResult(`y holds ${ds.y.length} labels for ${ds.length} samples`);
    const present = new Set<number>();
    for (const c of ds.y) {
      if (c < 0 || c >= ds.numClasses) throw new WrongResult(`label ${c} outside [0, ${ds.numClasses})`);
      present.add(c);
    }
    const givenClasses = (args.options as { numClasses?: unknown } | undefined)?.numClasses;
    if (givenClasses === undefined && ds.numClasses - present.size > MAX_EMPTY_CLASSES) {
      throw new WrongResult(`${ds.numClasses} classes inferred from ${present.size} distinct labels in ${ds.length} rows`);
    }
    if (ds.classNames.length !== ds.numClasses) throw new WrongResult(`${ds.classNames.length} class names for ${ds.numClasses} classes`);
    checkAgainstPlainParse(args, ds.x, features);
    return {};
  },

  hasContext(message, raw) {
    return message.includes('loadCsv') || message.includes((raw as Args).file);
  },
};

/**
 * For plain comma-separated numbers (no quotes, one kind of newline, default options, a detectable
 * header), the features must be exactly the cells read as float32.
 */
function checkAgainstPlainParse(args: Args, x: Float32Array, features: number): void {
  if (args.options !== undefined || args.file !== 'data.csv') return;
  // The run's working directory is the case folder.
  const text = readText(args.file);
  if (text === null || /["\r\uFEFF\u2028]/.test(text) || /\s,|,\s/.test(text)) return;
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const rows = lines.map((l) => l.split(','));
  const numeric = (s: string) => /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s.trim());
  const body = rows[0]!.slice(0, -1).every(numeric) ? rows : rows.slice(1);
  if (body.length * features !== x.length) return;
  let k = 0;
  for (const r of body) {
    for (const cell of r.slice(0, -1)) {
      const want = Math.fround(Number(cell));
      if (!Object.is(want, x[k])) throw new WrongResult(`cell ${JSON.stringify(cell)} was read as ${x[k]}, expected ${want}`);
      k++;
    }
  }
}

function readText(file: string): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch {
    return null;
  }
}
