// A user's own table as a Dataset: one row per sample, numeric feature columns and one label
// column. Parsing (quotes, embedded delimiters and newlines, BOM) is csv-parse's job; this module
// turns cells into numbers and labels and reports every problem with its row and column.

// csv-parse's browser build: self-contained, and the same parser in Node and in a page (its Node build
// uses Node's Buffer at load).
import { parse } from 'csv-parse/browser/esm/sync';
import { readBytes, type BytesSource } from '../io/sources.js';
import { booleanValue, fail, optionsObject, positiveInt, show } from './check.js';
import { makeDataset, type Dataset } from './dataset.js';

export interface CsvOptions {
  /** Column of the class label: an index (negative counts from the end) or, with a header, a name. Default -1 (last). */
  labelColumn?: number | string;
  /**
   * Whether the first row names the columns. Default: detected; a first row whose feature cells
   * are all non-numeric is a header, all numeric is data, a mix is an error asking for the option.
   */
  header?: boolean;
  /** Default ','. */
  delimiter?: string;
  /**
   * Number of classes, at most MAX_CSV_CLASSES; default max id + 1 for integer labels (an error when that
   * leaves more than MAX_EMPTY_CLASSES ids without a sample), the number of distinct names otherwise.
   */
  numClasses?: number;
  /**
   * 'id': labels are integers 0..numClasses-1. 'name': every label is a class name, given ids in
   * order of first appearance. 'auto' (default): 'id' if every label is a non-negative integer,
   * 'name' if none looks numeric, otherwise an error (e.g. '-1'/'1' or '0.5' need a decision).
   */
  labels?: 'auto' | 'id' | 'name';
  /** Dataset name; default the file name without extension ('csv' for parseCsv). */
  name?: string;
}

/**
 * The most classes a table may have. A model trained on it ends in a layer with one unit per class, so a
 * stray id such as 3000000000 must not become the class count; real tables stay far below this.
 */
export const MAX_CSV_CLASSES = 65_536;
/**
 * Inferred from integer ids, the class count is max id + 1. More ids than this without a single sample
 * means a label is not a class id (a measurement in the wrong column, a typo), not that classes are missing.
 */
export const MAX_EMPTY_CLASSES = 1024;
/** Largest finite float32; features are stored as float32, so a larger cell would become Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

const OPTION_KEYS = ['labelColumn', 'header', 'delimiter', 'numClasses', 'labels', 'name'] as const;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const CLASS_ID = /^\d+$/;

/**
 * Reads a CSV table into a Dataset with sampleShape [number of feature columns]: from a path (Node), a
 * URL, a File or Blob (a page's file input), a Response, or its bytes.
 */
export async function loadCsv(source: BytesSource, options?: CsvOptions): Promise<Dataset> {
  const fn = 'loadCsv';
  if (source === '' || source === null || source === undefined) fail(fn, 'source', 'a path, URL, File, Blob or bytes', source);
  const opts = optionsObject(fn, options, OPTION_KEYS);
  const { bytes, name } = await readBytes(fn, source);
  const base = name.split(/[\\/]/).pop()!.replace(/\.[^.]*$/, '');
  return parseTable(fn, bytes, opts, base !== '' && !/ bytes$/.test(name) ? base : 'csv');
}

/** Like loadCsv, for CSV text already in memory. */
export function parseCsv(text: string | Uint8Array, options?: CsvOptions): Dataset {
  const fn = 'parseCsv';
  if (typeof text !== 'string' && !(text instanceof Uint8Array)) fail(fn, 'text', 'a string or Uint8Array', text);
  const opts = optionsObject(fn, options, OPTION_KEYS);
  return parseTable(fn, text, opts, 'csv');
}

interface RecordInfo {
  lines: number;
}

function parseTable(fn: string, input: string | Uint8Array, opts: CsvOptions, defaultName: string): Dataset {
  const delimiter = opts.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter === '' || /["\r\n]/.test(delimiter)) {
    fail(fn, 'delimiter', 'a non-empty string without quotes or newlines', delimiter);
  }
  const headerOpt = opts.header === undefined ? undefined : booleanValue(fn, 'header', opts.header);
  const labelMode = opts.labels ?? 'auto';
  if (labelMode !== 'auto' && labelMode !== 'id' && labelMode !== 'name') {
    fail(fn, 'labels', "'auto', 'id' or 'name'", labelMode);
  }
  if (opts.numClasses !== undefined) {
    positiveInt(fn, 'numClasses', opts.numClasses);
    if (opts.numClasses > MAX_CSV_CLASSES) fail(fn, 'numClasses', `at most ${MAX_CSV_CLASSES}`, opts.numClasses);
  }
  const name = opts.name ?? defaultName;
  if (typeof name !== 'string' || name === '') fail(fn, 'name', 'a non-empty string', name);
  const labelColumnOpt = opts.labelColumn ?? -1;
  if (typeof labelColumnOpt === 'string') {
    if (labelColumnOpt === '') fail(fn, 'labelColumn', 'a column index or a non-empty column name', labelColumnOpt);
    if (headerOpt === false) {
      throw new Error(`${fn}: labelColumn ${show(labelColumnOpt)} is a name, which needs header: true, got header: false`);
    }
  } else if (typeof labelColumnOpt !== 'number' || !Number.isSafeInteger(labelColumnOpt)) {
    fail(fn, 'labelColumn', 'an integer column index or a column name', labelColumnOpt);
  }

  let columns = -1;
  let labelCol = -1;
  let names: string[] | null = null;
  let rows = 0;
  let numFeatures = 0;
  let features = new Float32Array(0);
  const rawLabels: string[] = [];
  const labelRows: number[] = [];

  const columnName = (j: number): string => (names ? `${show(names[j])} (column ${j + 1})` : `column ${j + 1}`);

  const resolveLabelColumn = (count: number): number => {
    if (typeof labelColumnOpt === 'string') {
      const j = names!.indexOf(labelColumnOpt);
      if (j < 0) {
        const list = names!.slice(0, 12).map((s) => show(s)).join(', ') + (names!.length > 12 ? ', ...' : '');
        throw new Error(`${fn}: labelColumn ${show(labelColumnOpt)} is not a column; the header has ${list}`);
      }
      return j;
    }
    if (labelColumnOpt < -count || labelColumnOpt >= count) {
      throw new Error(`${fn}: labelColumn must be an index in [${-count}, ${count - 1}] for ${count} columns, got ${labelColumnOpt}`);
    }
    return labelColumnOpt < 0 ? count + labelColumnOpt : labelColumnOpt;
  };

  const onFirst = (cells: string[], row: number): boolean => {
    columns = cells.length;
    if (columns < 2) {
      throw new Error(`${fn}: row ${row} has ${columns} column, expected at least 2 (features and a label)`);
    }
    let isHeader: boolean;
    if (headerOpt !== undefined) {
      isHeader = headerOpt;
    } else if (typeof labelColumnOpt === 'string') {
      isHeader = true;
    } else {
      const lc = resolveLabelColumn(columns);
      const featureCells = cells.filter((_, j) => j !== lc);
      const numeric = featureCells.filter((s) => NUMBER.test(s)).length;
      if (numeric === featureCells.length) isHeader = false;
      else if (numeric === 0) isHeader = true;
      else {
        throw new Error(
          `${fn}: cannot tell whether row ${row} is a header (${numeric} of ${featureCells.length} feature cells are numbers); pass header: true or false`,
        );
      }
    }
    if (isHeader) names = cells.slice();
    labelCol = resolveLabelColumn(columns);
    numFeatures = columns - 1;
    features = new Float32Array(numFeatures * 1024);
    return isHeader;
  };

  const onRecord = (cells: string[], info: RecordInfo): null => {
    const row = info.lines;
    if (columns < 0 && onFirst(cells, row)) return null;
    if (cells.length !== columns) {
      throw new Error(`${fn}: row ${row} has ${cells.length} columns, expected ${columns}`);
    }
    if ((rows + 1) * numFeatures > features.length) {
      const grown = new Float32Array(features.length * 2);
      grown.set(features);
      features = grown;
    }
    let k = rows * numFeatures;
    for (let j = 0; j < columns; j++) {
      const cell = cells[j]!;
      if (j === labelCol) continue;
      const v = NUMBER.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(v)) {
        const what = cell === '' ? 'is empty' : `holds ${show(cell)}`;
        throw new Error(`${fn}: row ${row}, ${columnName(j)} ${what}; expected a finite number`);
      }
      if (Math.abs(v) > FLOAT32_MAX && !Number.isFinite(Math.fround(v))) {
        throw new Error(`${fn}: row ${row}, ${columnName(j)} holds ${show(cell)}, beyond the float32 range (±3.4028235e38) features are stored in`);
      }
      features[k++] = v;
    }
    const label = cells[labelCol]!;
    if (label === '') throw new Error(`${fn}: row ${row}, label ${columnName(labelCol)} is empty`);
    rawLabels.push(label);
    labelRows.push(row);
    rows++;
    return null;
  };

  try {
    // Decoded here (a leading byte-order mark is dropped), so the parser sees text in either environment.
    const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
    parse(text, {
      delimiter,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (record: string[], context: RecordInfo) => onRecord(record, context),
    });
  } catch (err) {
    if ((err as Error).message.startsWith(`${fn}:`)) throw err;
    // csv-parse quotes the offending field whole; a field of a megabyte is cut.
    const message = (err as Error).message;
    throw new Error(`${fn}: malformed CSV: ${message.length > 300 ? `${message.slice(0, 300)}… (${message.length} characters)` : message}`);
  }
  if (rows === 0) throw new Error(`${fn}: the table has no data rows`);

  const { y, numClasses, classNames } = toLabels(fn, rawLabels, labelRows, labelMode, opts.numClasses, columnName(labelCol));
  return makeDataset(name, features.slice(0, rows * numFeatures), y, [numFeatures], numClasses, classNames);
}

function toLabels(
  fn: string,
  raw: string[],
  rows: number[],
  mode: 'auto' | 'id' | 'name',
  numClassesOpt: number | undefined,
  column: string,
): { y: Int32Array; numClasses: number; classNames: string[] } {
  let useIds: boolean;
  if (mode === 'auto') {
    const looksNumeric = (s: string): boolean => NUMBER.test(s) || /^[+-]?(inf(inity)?|nan)$/i.test(s);
    const firstName = raw.findIndex((s) => !looksNumeric(s));
    const firstId = raw.findIndex((s) => CLASS_ID.test(s));
    const badNumber = raw.findIndex((s) => looksNumeric(s) && !CLASS_ID.test(s));
    if (badNumber >= 0) {
      throw new Error(
        `${fn}: label ${column} at row ${rows[badNumber]} must be a class id (an integer >= 0), got ` +
          `${show(raw[badNumber])}; pass labels: 'name' to treat every label as a class name`,
      );
    }
    if (firstName >= 0 && firstId >= 0) {
      throw new Error(
        `${fn}: label ${column} mixes class ids (${show(raw[firstId])} at row ${rows[firstId]}) and names ` +
          `(${show(raw[firstName])} at row ${rows[firstName]}); pass labels: 'name' to treat every label as a class name`,
      );
    }
    useIds = firstName < 0;
  } else {
    useIds = mode === 'id';
  }

  const y = new Int32Array(raw.length);
  if (useIds) {
    const limit = numClassesOpt ?? MAX_CSV_CLASSES;
    const present = new Set<number>();
    let max = 0;
    let maxAt = 0;
    for (let i = 0; i < raw.length; i++) {
      if (!CLASS_ID.test(raw[i]!)) {
        throw new Error(`${fn}: label ${column} at row ${rows[i]} must be a class id (an integer >= 0), got ${show(raw[i])}`);
      }
      // Checked on the number before it is stored, so that 4294967296 cannot wrap to 0 in the Int32Array.
      const v = Number(raw[i]);
      if (v >= limit) {
        if (numClassesOpt !== undefined) {
          throw new Error(`${fn}: label ${column} at row ${rows[i]} must be in [0, ${numClassesOpt - 1}] (numClasses ${numClassesOpt}), got ${raw[i]}`);
        }
        throw new Error(
          `${fn}: label ${column} at row ${rows[i]} is ${show(raw[i])}, beyond the largest class id ${MAX_CSV_CLASSES - 1} ` +
            `(at most ${MAX_CSV_CLASSES} classes); pass labels: 'name' if the labels are names rather than ids`,
        );
      }
      y[i] = v;
      present.add(v);
      if (v > max) {
        max = v;
        maxAt = i;
      }
    }
    if (numClassesOpt === undefined && max + 1 - present.size > MAX_EMPTY_CLASSES) {
      throw new Error(
        `${fn}: label ${column} at row ${rows[maxAt]} is ${max}, which would make ${max + 1} classes for the ${present.size} distinct ` +
          `label${present.size === 1 ? '' : 's'} in ${raw.length} rows (class ids run from 0 to the number of classes - 1); ` +
          `pass numClasses if the ids are right, or labels: 'name' to treat the labels as names`,
      );
    }
    const numClasses = numClassesOpt ?? max + 1;
    return { y, numClasses, classNames: Array.from({ length: numClasses }, (_, c) => String(c)) };
  }

  const ids = new Map<string, number>();
  for (let i = 0; i < raw.length; i++) {
    let id = ids.get(raw[i]!);
    if (id === undefined) {
      id = ids.size;
      ids.set(raw[i]!, id);
    }
    y[i] = id;
  }
  const classNames = [...ids.keys()];
  if (numClassesOpt !== undefined && numClassesOpt < classNames.length) {
    throw new Error(`${fn}: numClasses must be at least the ${classNames.length} distinct labels found, got ${numClassesOpt}`);
  }
  const numClasses = numClassesOpt ?? classNames.length;
  for (let c = classNames.length; c < numClasses; c++) classNames.push(`class ${c}`);
  return { y, numClasses, classNames };
}
