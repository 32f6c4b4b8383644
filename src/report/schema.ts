/**
 * The shape of `results.json`: what the lab writes and the report reads. The report renders from this file
 * alone, so everything a reader needs (the claim, its source, the setup, the numbers, the charts) is in it.
 *
 * `validateResults` checks a parsed file at run time and names the JSON path of every problem, so a
 * hand-edited or truncated file fails with a message that says where to look.
 */

/** The experiments the lab knows, in the order the report presents them. Other keys are allowed and follow. */
export const EXPERIMENT_ORDER = [
  'convergence',
  'depth',
  'init',
  'sparsity',
  'dying',
  'cost',
  'variants',
  'nonlinearity',
] as const;

export type Verdict = 'agrees' | 'partly' | 'disagrees' | 'inconclusive';
export const VERDICTS: readonly Verdict[] = ['agrees', 'partly', 'disagrees', 'inconclusive'];

export type ExperimentStatus = 'complete' | 'incomplete' | 'failed';
export const EXPERIMENT_STATUSES: readonly ExperimentStatus[] = ['complete', 'incomplete', 'failed'];

/** One run of the lab. */
export interface LabResults {
  /** Version of the `rectifier` package that produced the file. */
  version: string;
  /** When the run started, as an ISO 8601 timestamp. */
  createdAt: string;
  /** False when the run was interrupted (Ctrl-C, a failure): the report then shows a banner saying so. */
  complete: boolean;
  /** The command line that reproduces the run, shown in the report header when present. */
  command?: string;
  /** Options of the run; keys beyond the three required ones are shown as they are. */
  settings: LabSettings;
  /** The machine the numbers come from: timings only mean something next to it. */
  machine: MachineInfo;
  /**
   * One entry per experiment, keyed by a short id (`convergence`, `depth`, `init`, `sparsity`, `dying`,
   * `cost`, `variants`, `nonlinearity`, or another lower-case id). The key is also the section's anchor in
   * the HTML report.
   */
  experiments: Record<string, ExperimentResult>;
}

export interface LabSettings {
  /** True for the reduced budget (fewer epochs, smaller subsets) meant for a quick look or CI. */
  quick: boolean;
  /** How many seeds each configuration was run with; means and spreads are over these. */
  seeds: number;
  /** The experiment ids that were requested, in run order. */
  experiments: string[];
  [key: string]: unknown;
}

export interface MachineInfo {
  /** `process.version`, e.g. `v20.19.0`. */
  node: string;
  /** `process.platform`. */
  platform: string;
  /** `process.arch`. */
  arch: string;
  /** Number of logical cores. */
  cpus: number;
  /** `os.cpus()[0].model`. */
  cpuModel: string;
  /** Total memory, in GiB. */
  memoryGB: number;
  /** The kernel backend the run used (`js`, `wasm`). */
  backend: string;
}

/** A figure reported by the paper, shown labelled as published, next to ours. */
export interface PublishedFigure {
  label: string;
  value: number | string;
  /** `%`, `s`, `epochs`…; `%` is written without a space. */
  unit?: string;
  /** Where in the paper it comes from or what differs from our setup, e.g. "Table 2, MNIST, rectifier net". */
  note?: string;
}

/** A headline number from this run: a mean over seeds, with its standard deviation when there were several. */
export interface MeasuredFigure {
  label: string;
  /** Null when the quantity could not be measured (the run diverged, the experiment stopped early). */
  value: number | null;
  /** One standard deviation over seeds. */
  spread?: number;
  unit?: string;
  /** What the figure is compared with, for figures a verdict rests on: "rule: ≥ 90%", "published 83.4%". */
  note?: string;
}

/**
 * One finished cell of an experiment's grid (a configuration and seed) as the lab measured it: the cell's
 * index in the grid and its record, plain JSON whose shape belongs to the experiment. The figures, tables
 * and charts are computed from these records, so shards can be merged by summarizing their union.
 */
export interface RunRecord {
  cell: number;
  run: unknown;
}

export interface ResultTable {
  title: string;
  columns: string[];
  /** Each row has one cell per column; null is shown as a dash (not measured). */
  rows: Array<Array<string | number | null>>;
}

/** The outcome of one experiment. */
export interface ExperimentResult {
  /** Heading of the section, e.g. "Dying ReLU in deep narrow networks". */
  title: string;
  /** What was claimed, in one or two sentences, close to the paper's wording. */
  claim: string;
  /** The paper the claim comes from. `url` is linked only when it is http(s). */
  source: { citation: string; url: string };
  /** What we ran: data, model, budget, seeds. */
  setup: string;
  /** Figures from the paper, always labelled as published in the report. */
  published?: PublishedFigure[];
  /** Headline numbers from this run. */
  measured: MeasuredFigure[];
  /**
   * The numbers the verdict rests on, each with what it was compared with; shown beside the verdict in the
   * report's contents and the terminal summary (the first two measured figures stand in when absent).
   */
  basis?: MeasuredFigure[];
  /** Whether our measurement supports the claim. */
  verdict: Verdict;
  /** What we measured and whether it agrees, as a paragraph. */
  summary: string;
  tables: ResultTable[];
  charts: Chart[];
  /** `incomplete` when the run was interrupted inside this experiment; `failed` when it threw. */
  status: ExperimentStatus;
  /** The error message when `status` is `failed`. */
  error?: string;
  /** Wall time the experiment took. */
  seconds: number;
  /** The records of the cells that ran, in grid order (absent in files written by hand). */
  runs?: RunRecord[];
  /** How many cells the experiment's whole grid has; fewer runs than this means partial numbers. */
  cells?: number;
}

/** Fields every chart may carry. */
interface ChartBase {
  title: string;
  /** One or two sentences under the chart: what to look at. */
  caption?: string;
}

/** A point of a line; y is null where there is no value (e.g. the loss diverged), which leaves a gap. */
export type LinePoint = [number, number | null];

export interface LineSeries {
  name: string;
  points: LinePoint[];
  /** A shaded band around the line, usually mean ± one standard deviation: [x, lo, hi]. */
  band?: Array<[number, number, number]>;
  /** A curve read off the paper: drawn dashed and labelled "(published)" in the legend. */
  published?: boolean;
}

export interface LineChart extends ChartBase {
  kind: 'line';
  xLabel: string;
  yLabel: string;
  /** Logarithmic axes; points with a value ≤ 0 on a log axis are left out and the caption says how many. */
  logX?: boolean;
  logY?: boolean;
  series: LineSeries[];
}

export interface BarSeries {
  name: string;
  /** One value per group, in the order of `groups`; null leaves the bar out. */
  values: Array<number | null>;
  /** Error bar half-widths (usually one standard deviation), one per group. */
  errors?: Array<number | null>;
}

export interface BarChart extends ChartBase {
  kind: 'bar';
  yLabel: string;
  /** The categories along the x axis; each series draws one bar per group. */
  groups: string[];
  series: BarSeries[];
  /** A published figure drawn as a labelled horizontal rule across the chart. */
  reference?: { label: string; value: number };
}

export interface ScatterChart extends ChartBase {
  kind: 'scatter';
  xLabel: string;
  yLabel: string;
  series: Array<{ name: string; points: Array<[number, number]> }>;
}

export interface HeatmapChart extends ChartBase {
  kind: 'heatmap';
  xLabel: string;
  yLabel: string;
  /** Column labels, left to right. */
  x: number[] | string[];
  /** Row labels, top to bottom. */
  y: number[] | string[];
  /** values[row][column]: y.length rows of x.length values; null leaves the cell blank. */
  values: Array<Array<number | null>>;
  /** The value range the colours span, [low, high]; the data's range when absent. */
  scale?: [number, number];
  /** Title of the colour legend, e.g. "gradient norm". */
  valueLabel?: string;
  /** Logarithmic colour scale (all values must then be > 0). */
  logScale?: boolean;
}

export interface BoundaryChart extends ChartBase {
  kind: 'boundary';
  /** The plotted square: [xMin, xMax, yMin, yMax]. */
  extent: [number, number, number, number];
  /** Cells per side: the grid holds resolution × resolution cells. */
  resolution: number;
  /**
   * The predicted class of each cell, row-major, starting at the bottom-left corner: cell (row r, column c)
   * covers x from xMin + c·w to xMin + (c+1)·w and y from yMin + r·h to yMin + (r+1)·h.
   */
  grid: number[];
  /** The data: [x, y, class]. */
  points: Array<[number, number, number]>;
  /** Names of the classes by id, for the legend; `class 0`, `class 1`… when absent. */
  classes?: string[];
  xLabel?: string;
  yLabel?: string;
}

export type Chart = LineChart | BarChart | ScatterChart | HeatmapChart | BoundaryChart;
export type ChartKind = Chart['kind'];
export const CHART_KINDS: readonly ChartKind[] = ['line', 'bar', 'scatter', 'heatmap', 'boundary'];

/** A results file that does not match the schema; `issues` holds every problem found, each with its path. */
export class ResultsValidationError extends Error {
  readonly issues: readonly { path: string; message: string }[];
  constructor(issues: readonly { path: string; message: string }[]) {
    const shown = issues.slice(0, 12).map((i) => `${i.path}: ${i.message}`);
    if (issues.length > shown.length) shown.push(`… and ${issues.length - shown.length} more`);
    super(shown.length === 1 ? shown[0]! : `invalid results (${issues.length} problems):\n  ${shown.join('\n  ')}`);
    this.name = 'ResultsValidationError';
    this.issues = issues;
  }
}

/** Experiment ids double as HTML anchors and file-name fragments, so they are kept plain. */
const EXPERIMENT_ID = /^[a-z][a-z0-9_-]*$/;

/**
 * Checks that `value` is a `LabResults` and returns it typed; throws a `ResultsValidationError` listing each
 * problem by its JSON path (`results.experiments.dying.charts[2].series[0].points: …`).
 */
export function validateResults(value: unknown, root = 'results'): LabResults {
  const v = new Validator();
  v.results(value, root);
  if (v.issues.length > 0) throw new ResultsValidationError(v.issues);
  return value as LabResults;
}

/** Same checks for one experiment, e.g. before the lab adds it to a file. */
export function validateExperiment(value: unknown, root = 'experiment'): ExperimentResult {
  const v = new Validator();
  v.experiment(value, root);
  if (v.issues.length > 0) throw new ResultsValidationError(v.issues);
  return value as ExperimentResult;
}

/** Same checks for one chart, used by the chart renderers on their input. */
export function validateChart(value: unknown, root = 'chart'): Chart {
  const v = new Validator();
  v.chart(value, root);
  if (v.issues.length > 0) throw new ResultsValidationError(v.issues);
  return value as Chart;
}

/** Experiment ids in report order: the known ones first, in lab order, then the rest as they appear. */
export function orderedExperimentIds(results: Pick<LabResults, 'experiments'>): string[] {
  const ids = Object.keys(results.experiments);
  const known = EXPERIMENT_ORDER.filter((id) => ids.includes(id)) as string[];
  return [...known, ...ids.filter((id) => !known.includes(id))];
}

/** A short, single-line rendering of an offending value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'function') return 'a function';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  const kind = Array.isArray(value) ? 'array ' : typeof value === 'object' ? 'object ' : '';
  return kind + (text.length > 60 ? `${text.slice(0, 57)}…` : text);
}

type Obj = Record<string, unknown>;

const isObject = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Collects problems instead of stopping at the first, so one run of `rectifier report` shows them all. */
class Validator {
  readonly issues: { path: string; message: string }[] = [];

  private fail(path: string, expected: string, got: unknown): false {
    this.issues.push({ path, message: `expected ${expected}, got ${describeValue(got)}` });
    return false;
  }

  private object(x: unknown, path: string): x is Obj {
    return isObject(x) || this.fail(path, 'an object', x);
  }

  private string(x: unknown, path: string, optional = false): boolean {
    if (optional && x === undefined) return true;
    return typeof x === 'string' || this.fail(path, 'a string', x);
  }

  private nonEmptyString(x: unknown, path: string): boolean {
    return (typeof x === 'string' && x.trim().length > 0) || this.fail(path, 'a non-empty string', x);
  }

  private number(x: unknown, path: string, optional = false): boolean {
    if (optional && x === undefined) return true;
    return isFiniteNumber(x) || this.fail(path, 'a finite number', x);
  }

  private boolean(x: unknown, path: string, optional = false): boolean {
    if (optional && x === undefined) return true;
    return typeof x === 'boolean' || this.fail(path, 'true or false', x);
  }

  private oneOf(x: unknown, path: string, options: readonly string[]): boolean {
    return (
      (typeof x === 'string' && options.includes(x)) ||
      this.fail(path, `one of ${options.map((o) => `"${o}"`).join(', ')}`, x)
    );
  }

  private array(x: unknown, path: string, what = 'an array'): x is unknown[] {
    return Array.isArray(x) || this.fail(path, what, x);
  }

  private each(x: unknown, path: string, check: (item: unknown, path: string) => void, what = 'an array'): void {
    if (!this.array(x, path, what)) return;
    x.forEach((item, i) => check(item, `${path}[${i}]`));
  }

  /**
   * An array of fixed-length tuples of finite numbers (null allowed at positions where `nullable[k]`).
   * Only the first bad item is reported: a broken series would otherwise bury every other problem.
   */
  private tuples(x: unknown, path: string, arity: number, name: string, nullable: readonly boolean[] = []): boolean {
    if (!Array.isArray(x)) return this.fail(path, `an array of ${name}s`, x);
    const bad = x.findIndex(
      (t) =>
        !Array.isArray(t) ||
        t.length !== arity ||
        t.some((c, k) => !(isFiniteNumber(c) || (nullable[k] === true && c === null))),
    );
    const nulls = nullable.some(Boolean) ? ', y may be null' : '';
    return bad < 0 || this.fail(`${path}[${bad}]`, `an ${name} of finite numbers${nulls}`, x[bad]);
  }

  /** A single fixed-length tuple of finite numbers, such as an extent. */
  private tuple(x: unknown, path: string, arity: number, name: string): boolean {
    return (Array.isArray(x) && x.length === arity && x.every(isFiniteNumber)) || this.fail(path, `an ${name}`, x);
  }

  private numbers(x: unknown, path: string, what: string, allowNull = false): boolean {
    if (!Array.isArray(x)) return this.fail(path, what, x);
    const bad = x.findIndex((c) => !(isFiniteNumber(c) || (allowNull && c === null)));
    return bad < 0 || this.fail(`${path}[${bad}]`, allowNull ? 'a finite number or null' : 'a finite number', x[bad]);
  }

  private length(x: unknown, path: string, expected: number, what: string): void {
    if (Array.isArray(x) && x.length !== expected) {
      this.issues.push({ path, message: `expected ${expected} ${what}, got ${x.length}` });
    }
  }

  results(x: unknown, path: string): void {
    if (!this.object(x, path)) return;
    this.nonEmptyString(x.version, `${path}.version`);
    if (this.string(x.createdAt, `${path}.createdAt`) && Number.isNaN(Date.parse(x.createdAt as string))) {
      this.fail(`${path}.createdAt`, 'an ISO 8601 timestamp', x.createdAt);
    }
    this.boolean(x.complete, `${path}.complete`);
    this.string(x.command, `${path}.command`, true);
    if (this.object(x.settings, `${path}.settings`)) {
      const s = x.settings;
      this.boolean(s.quick, `${path}.settings.quick`);
      if (!(Number.isInteger(s.seeds) && (s.seeds as number) >= 1)) {
        this.fail(`${path}.settings.seeds`, 'a whole number ≥ 1', s.seeds);
      }
      this.each(s.experiments, `${path}.settings.experiments`, (e, p) => this.string(e, p), 'an array of experiment ids');
    }
    if (this.object(x.machine, `${path}.machine`)) {
      const m = x.machine;
      for (const key of ['node', 'platform', 'arch', 'cpuModel', 'backend']) this.string(m[key], `${path}.machine.${key}`);
      this.number(m.cpus, `${path}.machine.cpus`);
      this.number(m.memoryGB, `${path}.machine.memoryGB`);
    }
    if (this.object(x.experiments, `${path}.experiments`)) {
      for (const [id, experiment] of Object.entries(x.experiments)) {
        const p = `${path}.experiments.${id}`;
        if (!EXPERIMENT_ID.test(id)) {
          this.issues.push({ path: p, message: `expected an id of lower-case letters, digits, "_" or "-", got "${id}"` });
        }
        this.experiment(experiment, p);
      }
    }
  }

  experiment(x: unknown, path: string): void {
    if (!this.object(x, path)) return;
    for (const key of ['title', 'claim', 'setup']) this.nonEmptyString(x[key], `${path}.${key}`);
    this.string(x.summary, `${path}.summary`);
    if (this.object(x.source, `${path}.source`)) {
      this.nonEmptyString(x.source.citation, `${path}.source.citation`);
      this.string(x.source.url, `${path}.source.url`);
    }
    if (x.published !== undefined) {
      this.each(x.published, `${path}.published`, (f, p) => {
        if (!this.object(f, p)) return;
        this.string(f.label, `${p}.label`);
        if (!(isFiniteNumber(f.value) || typeof f.value === 'string')) this.fail(`${p}.value`, 'a finite number or a string', f.value);
        this.string(f.unit, `${p}.unit`, true);
        this.string(f.note, `${p}.note`, true);
      });
    }
    const figure = (f: unknown, p: string) => {
      if (!this.object(f, p)) return;
      this.string(f.label, `${p}.label`);
      if (!(isFiniteNumber(f.value) || f.value === null)) this.fail(`${p}.value`, 'a finite number or null', f.value);
      this.number(f.spread, `${p}.spread`, true);
      this.string(f.unit, `${p}.unit`, true);
      this.string(f.note, `${p}.note`, true);
    };
    this.each(x.measured, `${path}.measured`, figure);
    if (x.basis !== undefined) this.each(x.basis, `${path}.basis`, figure);
    const cells = x.cells;
    if (cells !== undefined && !(Number.isInteger(cells) && (cells as number) >= 0)) this.fail(`${path}.cells`, 'a whole number ≥ 0', cells);
    if (x.runs !== undefined) {
      this.each(x.runs, `${path}.runs`, (r, p) => {
        if (!this.object(r, p)) return;
        if (!(Number.isInteger(r.cell) && (r.cell as number) >= 0 && (typeof cells !== 'number' || (r.cell as number) < cells))) {
          this.fail(`${p}.cell`, typeof cells === 'number' ? `a cell index from 0 to ${cells - 1}` : 'a cell index (a whole number ≥ 0)', r.cell);
        }
        if (!('run' in r)) this.fail(`${p}.run`, 'the run record', undefined);
      });
    }
    this.oneOf(x.verdict, `${path}.verdict`, VERDICTS);
    this.each(x.tables, `${path}.tables`, (t, p) => this.table(t, p));
    this.each(x.charts, `${path}.charts`, (c, p) => this.chart(c, p));
    this.oneOf(x.status, `${path}.status`, EXPERIMENT_STATUSES);
    this.string(x.error, `${path}.error`, true);
    if (!(isFiniteNumber(x.seconds) && x.seconds >= 0)) this.fail(`${path}.seconds`, 'a number of seconds ≥ 0', x.seconds);
  }

  private table(x: unknown, path: string): void {
    if (!this.object(x, path)) return;
    this.string(x.title, `${path}.title`);
    this.each(x.columns, `${path}.columns`, (c, p) => this.string(c, p), 'an array of column names');
    const width = Array.isArray(x.columns) ? x.columns.length : undefined;
    this.each(x.rows, `${path}.rows`, (row, p) => {
      if (!this.array(row, p, 'an array of cells')) return;
      if (width !== undefined) this.length(row, p, width, 'cells (one per column)');
      row.forEach((c, j) => {
        if (!(typeof c === 'string' || isFiniteNumber(c) || c === null)) this.fail(`${p}[${j}]`, 'a string, a finite number or null', c);
      });
    });
  }

  chart(x: unknown, path: string): void {
    if (!this.object(x, path)) return;
    if (!this.oneOf(x.kind, `${path}.kind`, CHART_KINDS)) return;
    this.string(x.title, `${path}.title`);
    this.string(x.caption, `${path}.caption`, true);
    switch (x.kind as ChartKind) {
      case 'line':
        this.string(x.xLabel, `${path}.xLabel`);
        this.string(x.yLabel, `${path}.yLabel`);
        this.boolean(x.logX, `${path}.logX`, true);
        this.boolean(x.logY, `${path}.logY`, true);
        this.each(x.series, `${path}.series`, (s, p) => {
          if (!this.object(s, p)) return;
          this.string(s.name, `${p}.name`);
          this.tuples(s.points, `${p}.points`, 2, '[x, y] pair', [false, true]);
          if (s.band !== undefined) this.tuples(s.band, `${p}.band`, 3, '[x, lo, hi] triple');
          this.boolean(s.published, `${p}.published`, true);
        });
        break;
      case 'bar': {
        this.string(x.yLabel, `${path}.yLabel`);
        this.each(x.groups, `${path}.groups`, (g, p) => this.string(g, p), 'an array of group names');
        const groups = Array.isArray(x.groups) ? x.groups.length : undefined;
        this.each(x.series, `${path}.series`, (s, p) => {
          if (!this.object(s, p)) return;
          this.string(s.name, `${p}.name`);
          if (this.numbers(s.values, `${p}.values`, 'an array of numbers or nulls, one per group', true) && groups !== undefined) {
            this.length(s.values, `${p}.values`, groups, 'values (one per group)');
          }
          if (s.errors !== undefined && this.numbers(s.errors, `${p}.errors`, 'an array of numbers or nulls, one per group', true) && groups !== undefined) {
            this.length(s.errors, `${p}.errors`, groups, 'errors (one per group)');
          }
        });
        if (x.reference !== undefined && this.object(x.reference, `${path}.reference`)) {
          this.string(x.reference.label, `${path}.reference.label`);
          this.number(x.reference.value, `${path}.reference.value`);
        }
        break;
      }
      case 'scatter':
        this.string(x.xLabel, `${path}.xLabel`);
        this.string(x.yLabel, `${path}.yLabel`);
        this.each(x.series, `${path}.series`, (s, p) => {
          if (!this.object(s, p)) return;
          this.string(s.name, `${p}.name`);
          this.tuples(s.points, `${p}.points`, 2, '[x, y] pair');
        });
        break;
      case 'heatmap': {
        this.string(x.xLabel, `${path}.xLabel`);
        this.string(x.yLabel, `${path}.yLabel`);
        const labels = (v: unknown, p: string) =>
          (Array.isArray(v) && (v.every(isFiniteNumber) || v.every((l) => typeof l === 'string'))) ||
          this.fail(p, 'an array of numbers or an array of strings', v);
        const xOk = labels(x.x, `${path}.x`);
        const yOk = labels(x.y, `${path}.y`);
        this.each(x.values, `${path}.values`, (row, p) => {
          if (this.numbers(row, p, 'a row of numbers or nulls', true) && xOk) this.length(row, p, (x.x as unknown[]).length, 'values (one per x label)');
        }, 'an array of rows');
        if (yOk && Array.isArray(x.values)) this.length(x.values, `${path}.values`, (x.y as unknown[]).length, 'rows (one per y label)');
        if (x.scale !== undefined && this.tuple(x.scale, `${path}.scale`, 2, '[low, high] pair') && !((x.scale as number[])[0]! < (x.scale as number[])[1]!)) {
          this.fail(`${path}.scale`, 'low < high', x.scale);
        }
        this.string(x.valueLabel, `${path}.valueLabel`, true);
        this.boolean(x.logScale, `${path}.logScale`, true);
        break;
      }
      case 'boundary': {
        const extent = x.extent as number[];
        if (this.tuple(x.extent, `${path}.extent`, 4, '[xMin, xMax, yMin, yMax] array') && !(extent[0]! < extent[1]! && extent[2]! < extent[3]!)) {
          this.fail(`${path}.extent`, 'xMin < xMax and yMin < yMax', x.extent);
        }
        const resolution = x.resolution;
        const resolutionOk =
          (Number.isInteger(resolution) && (resolution as number) >= 1 && (resolution as number) <= 1000) ||
          this.fail(`${path}.resolution`, 'a whole number from 1 to 1000', resolution);
        if (this.array(x.grid, `${path}.grid`, 'an array of class ids')) {
          const bad = x.grid.findIndex((c) => !(Number.isInteger(c) && (c as number) >= 0));
          if (bad >= 0) this.fail(`${path}.grid[${bad}]`, 'a class id (a whole number ≥ 0)', x.grid[bad]);
          if (resolutionOk) this.length(x.grid, `${path}.grid`, (resolution as number) ** 2, 'cells (resolution × resolution)');
        }
        if (this.tuples(x.points, `${path}.points`, 3, '[x, y, class] triple')) {
          const bad = (x.points as number[][]).findIndex((t) => !(Number.isInteger(t[2]) && t[2]! >= 0));
          if (bad >= 0) this.fail(`${path}.points[${bad}][2]`, 'a class id (a whole number ≥ 0)', (x.points as number[][])[bad]![2]);
        }
        if (x.classes !== undefined) this.each(x.classes, `${path}.classes`, (c, p) => this.string(c, p), 'an array of class names');
        this.string(x.xLabel, `${path}.xLabel`, true);
        this.string(x.yLabel, `${path}.yLabel`, true);
        break;
      }
    }
  }
}
