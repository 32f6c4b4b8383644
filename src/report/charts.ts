/**
 * Charts as standalone SVG strings, one function per chart kind of the results schema.
 *
 * Each chart is a Vega-Lite spec compiled to Vega and rendered headlessly (`renderer: 'none'` + `toSVG()`):
 * no DOM, no canvas, no native code, and the output is plain SVG text that can be inlined in a page. Without a
 * canvas Vega estimates text widths, which is close enough for axis labels.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import {
  validateChart,
  type BarChart,
  type BoundaryChart,
  type Chart,
  type HeatmapChart,
  type LineChart,
  type ScatterChart,
} from './schema.js';

/** Options shared by every chart function. */
export interface ChartOptions {
  /**
   * Colours by series name, so one activation keeps one colour across every chart of a report (see
   * `assignSeriesColors`). Names not in the map take the palette's colours in order.
   */
  colors?: ReadonlyMap<string, string>;
  /** Plot width in pixels, not counting axes and legend. */
  width?: number;
  /** Plot height in pixels, not counting axes and legend. */
  height?: number;
  /**
   * Prefix for the ids inside the SVG (gradients, clip paths). Several SVGs inlined in one page share one id
   * space, so each needs its own prefix, or a second heatmap would paint with the first one's gradient.
   */
  idPrefix?: string;
}

/** Tableau 10: distinguishable, and readable by most colour-blind readers. */
export const SERIES_PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
] as const;

/** Published figures are drawn in one neutral colour so they never pass for a series of ours. */
export const PUBLISHED_COLOR = '#333333';

/** Lighter versions of the palette for decision regions, so the data points drawn on top stay visible. */
const REGION_PALETTE = ['#c6d7ea', '#fbd4ae', '#f5c0c1', '#cfe8e6', '#c9e5c3', '#f8eebc', '#e3d1df', '#ffdde1', '#dccdc3', '#e6e2df'];

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Above this many items a chart's marks carry no per-item aria labels, which would bloat the SVG. */
const ARIA_ITEM_LIMIT = 200;

/** Heatmaps with at most this many cells print their values in the cells. */
const HEATMAP_LABEL_LIMIT = 144;

const BASE_CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, gridColor: '#eee', domainColor: '#888', tickColor: '#888' },
  legend: { labelFontSize: 11, titleFontSize: 11, symbolStrokeWidth: 2, labelLimit: 220 },
};

/**
 * Gives every distinct series name across `charts` a palette colour, in order of first appearance, so the same
 * name has the same colour in every chart. Published series and bar references are not series of ours and
 * take no colour.
 */
export function assignSeriesColors(charts: readonly Chart[]): Map<string, string> {
  if (!Array.isArray(charts as unknown)) throw new TypeError(`assignSeriesColors: expected charts to be an array of charts, got ${typeof charts}`);
  const colors = new Map<string, string>();
  const add = (name: string) => {
    if (!colors.has(name)) colors.set(name, SERIES_PALETTE[colors.size % SERIES_PALETTE.length]!);
  };
  for (const chart of charts) {
    if (chart.kind === 'line') chart.series.filter((s) => !s.published).forEach((s) => add(s.name));
    else if (chart.kind === 'bar') chart.series.forEach((s) => add(s.name));
    else if (chart.kind === 'scatter') chart.series.forEach((s) => add(s.name));
  }
  return colors;
}

/** Renders any chart of the schema by its `kind`. */
export async function renderChart(chart: Chart, options: ChartOptions = {}): Promise<string> {
  const checked = validateChart(chart);
  switch (checked.kind) {
    case 'line':
      return lineChart(checked, options);
    case 'bar':
      return barChart(checked, options);
    case 'scatter':
      return scatterChart(checked, options);
    case 'heatmap':
      return heatmapChart(checked, options);
    case 'boundary':
      return boundaryChart(checked, options);
  }
}

/**
 * Lines over a continuous x, with optional shaded bands (mean ± sd) and dashed published curves. Null y values
 * and, on log axes, values ≤ 0 break the line instead of dropping to the axis.
 */
export async function lineChart(chart: LineChart, options: ChartOptions = {}): Promise<string> {
  checkKind(chart, 'line', 'lineChart');
  const usable = (v: number, log: boolean | undefined) => !log || v > 0;
  let hidden = 0;
  const lines: Array<{ series: string; kind: string; segment: number; x: number; y: number }> = [];
  const bands: Array<{ band: string; x: number; lo: number; hi: number }> = [];
  for (const s of chart.series) {
    const label = s.published ? `${s.name} (published)` : s.name;
    let segment = 0;
    let open = false;
    for (const [x, y] of s.points) {
      if (y === null || !usable(x, chart.logX) || !usable(y, chart.logY)) {
        if (y !== null) hidden++;
        if (open) segment++;
        open = false;
        continue;
      }
      lines.push({ series: label, kind: s.published ? 'published' : 'measured', segment, x, y });
      open = true;
    }
    for (const [x, lo, hi] of s.band ?? []) {
      if (usable(x, chart.logX) && usable(lo, chart.logY) && usable(hi, chart.logY)) bands.push({ band: label, x, lo, hi });
    }
  }
  const names = chart.series.map((s) => (s.published ? `${s.name} (published)` : s.name));
  const color = colorScale(names, options.colors, (n) => n.endsWith(' (published)'));
  const anyPublished = chart.series.some((s) => s.published);
  const longest = Math.max(0, ...chart.series.map((s) => s.points.length));
  // '~g' writes log ticks as 1e-6 rather than 0.000001.
  const x = { field: 'x', type: 'quantitative', title: chart.xLabel, scale: chart.logX ? { type: 'log' } : { zero: false, nice: true }, axis: chart.logX ? { format: '~g' } : {} };
  const y = { field: 'y', type: 'quantitative', title: chart.yLabel, scale: chart.logY ? { type: 'log' } : { zero: false, nice: true }, axis: chart.logY ? { format: '~g' } : {} };
  const layers: object[] = [];
  if (bands.length > 0) {
    layers.push({
      data: { values: bands },
      mark: { type: 'area', opacity: 0.18, aria: false },
      encoding: {
        x: { ...x },
        y: { field: 'lo', type: 'quantitative', scale: y.scale, title: chart.yLabel },
        y2: { field: 'hi' },
        // Bands use their own field and fill scale (same colours) without a legend: sharing the lines' field
        // would merge the legends and show the bands' faint colours, or none.
        fill: { field: 'band', type: 'nominal', scale: color, legend: null },
        detail: { field: 'band' },
      },
    });
  }
  layers.push({
    data: { values: lines },
    mark: {
      type: 'line',
      strokeWidth: 2,
      point: longest <= 30 ? { size: 24, filled: true } : false,
      aria: lines.length <= ARIA_ITEM_LIMIT,
    },
    encoding: {
      x,
      y,
      color: { field: 'series', type: 'nominal', title: null, scale: color, legend: { orient: 'bottom', direction: 'horizontal', columns: names.some((n) => n.length > 16) ? 2 : 3, labelLimit: 320 } },
      strokeDash: anyPublished
        ? { field: 'kind', type: 'nominal', scale: { domain: ['measured', 'published'], range: [[1, 0], [6, 4]] }, legend: null }
        : { value: [1, 0] },
      detail: { field: 'segment', type: 'nominal' },
      order: { field: 'x', type: 'quantitative' },
    },
  });
  const caption = hidden > 0 ? `${hidden} value${hidden === 1 ? '' : 's'} ≤ 0 not shown on the log scale.` : undefined;
  return render({ ...size(options, 420, 260), description: describe(chart), layer: layers }, options, caption);
}

/**
 * Grouped bars with optional error bars (± the given half-width) and an optional published reference drawn as
 * a dashed rule with its label, so our bars are read against the paper's figure.
 */
export async function barChart(chart: BarChart, options: ChartOptions = {}): Promise<string> {
  checkKind(chart, 'bar', 'barChart');
  const rows: Array<{ group: string; series: string; value: number; lo?: number; hi?: number }> = [];
  for (const s of chart.series) {
    s.values.forEach((value, i) => {
      if (value === null) return;
      const error = s.errors?.[i];
      rows.push({
        group: chart.groups[i]!,
        series: s.name,
        value,
        ...(error != null ? { lo: value - error, hi: value + error } : {}),
      });
    });
  }
  const names = chart.series.map((s) => s.name);
  const color = colorScale(names, options.colors, () => false);
  const x = { field: 'group', type: 'nominal', title: null, sort: chart.groups, scale: { domain: chart.groups, paddingInner: 0.25 }, axis: { labelAngle: chart.groups.some((g) => g.length > 10) ? -30 : 0 } };
  const xOffset = { field: 'series', type: 'nominal', sort: names, scale: { domain: names, paddingInner: 0.08 } };
  const aria = rows.length <= ARIA_ITEM_LIMIT;
  const layers: object[] = [
    {
      data: { values: rows },
      mark: { type: 'bar', aria },
      encoding: {
        x,
        xOffset,
        y: { field: 'value', type: 'quantitative', title: chart.yLabel },
        color: { field: 'series', type: 'nominal', title: null, scale: color, legend: names.length > 1 ? { orient: 'bottom', direction: 'horizontal', columns: 4 } : null },
      },
    },
  ];
  if (rows.some((r) => r.lo !== undefined)) {
    layers.push({
      data: { values: rows.filter((r) => r.lo !== undefined) },
      mark: { type: 'rule', color: '#222', strokeWidth: 1.5, aria: false },
      encoding: { x, xOffset, y: { field: 'lo', type: 'quantitative', title: chart.yLabel }, y2: { field: 'hi' } },
    });
  }
  if (chart.reference) {
    // The label sits outside the plot, right of the rule, where no bar can hide it.
    const reference = [{ value: chart.reference.value, label: ['published', ...wrap(chart.reference.label, 24)] }];
    layers.push(
      {
        data: { values: reference },
        mark: { type: 'rule', color: PUBLISHED_COLOR, strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { field: 'value', type: 'quantitative', title: chart.yLabel } },
      },
      {
        data: { values: reference },
        mark: { type: 'text', align: 'left', baseline: 'middle', x: 'width', dx: 6, color: PUBLISHED_COLOR, fontSize: 11, fontStyle: 'italic', lineHeight: 13 },
        encoding: { y: { field: 'value', type: 'quantitative', title: chart.yLabel }, text: { field: 'label' } },
      },
    );
  }
  // A narrower plot leaves room for the reference label at its right within the same overall width.
  return render({ ...size(options, chart.reference ? 360 : 420, 260), description: describe(chart), layer: layers }, options);
}

/** Points in the plane, one colour per series. */
export async function scatterChart(chart: ScatterChart, options: ChartOptions = {}): Promise<string> {
  checkKind(chart, 'scatter', 'scatterChart');
  const rows = chart.series.flatMap((s) => s.points.map(([x, y]) => ({ series: s.name, x, y })));
  const names = chart.series.map((s) => s.name);
  return render({
    ...size(options, 420, 260),
    description: describe(chart),
    data: { values: rows },
    mark: { type: 'point', filled: true, size: 36, opacity: 0.8, aria: rows.length <= ARIA_ITEM_LIMIT },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: chart.xLabel, scale: { zero: false, nice: true } },
      y: { field: 'y', type: 'quantitative', title: chart.yLabel, scale: { zero: false, nice: true } },
      color: { field: 'series', type: 'nominal', title: null, scale: colorScale(names, options.colors, () => false), legend: names.length > 1 ? { orient: 'bottom', direction: 'horizontal', columns: 4 } : null },
    },
  }, options);
}

/**
 * A grid of coloured cells, rows top to bottom in the order of `y`. Small grids print each value in its cell,
 * since a colour alone is hard to read back as a number.
 */
export async function heatmapChart(chart: HeatmapChart, options: ChartOptions = {}): Promise<string> {
  checkKind(chart, 'heatmap', 'heatmapChart');
  const xs = chart.x.map(String);
  const ys = chart.y.map(String);
  const cells: Array<{ x: string; y: string; value: number; label: string }> = [];
  chart.values.forEach((row, i) =>
    row.forEach((value, j) => {
      if (value !== null) cells.push({ x: xs[j]!, y: ys[i]!, value, label: shortNumber(value) });
    }),
  );
  if (chart.logScale && cells.some((c) => c.value <= 0)) {
    throw new RangeError(`heatmapChart: chart "${chart.title}" has logScale set, so every value must be > 0; got ${Math.min(...cells.map((c) => c.value))}`);
  }
  const values = cells.map((c) => c.value);
  // An all-blank grid (a shard or an interrupted run may leave one) still gets a valid colour scale.
  const [low, high] = chart.scale ?? (values.length > 0 ? [Math.min(...values), Math.max(...values)] : chart.logScale ? [0.1, 10] : [0, 1]);
  const domain = low === high ? (chart.logScale ? [low / 10, high * 10] : [low - 1, high + 1]) : [low, high];
  const cellSize = Math.max(14, Math.min(48, Math.floor(420 / Math.max(1, xs.length))));
  const width = options.width ?? cellSize * xs.length;
  const height = options.height ?? Math.max(14, Math.min(48, Math.floor(300 / Math.max(1, ys.length)))) * ys.length;
  const x = { field: 'x', type: 'ordinal', title: chart.xLabel, sort: xs, scale: { domain: xs }, axis: { labelAngle: xs.some((l) => l.length > 4) ? -40 : 0 } };
  const y = { field: 'y', type: 'ordinal', title: chart.yLabel, sort: ys, scale: { domain: ys } };
  const colorScaleSpec = { type: chart.logScale ? 'log' : 'linear', domain, scheme: 'viridis', clamp: true };
  const layers: object[] = [
    {
      mark: { type: 'rect', aria: false },
      encoding: {
        x,
        y,
        color: { field: 'value', type: 'quantitative', title: chart.valueLabel ?? null, scale: colorScaleSpec, legend: { orient: 'right', gradientLength: Math.min(200, height), format: '~g' } },
      },
    },
  ];
  if (cells.length <= HEATMAP_LABEL_LIMIT && cellSize >= 28) {
    // Viridis is dark at the low end, so values in the lower half get white text.
    const mid = chart.logScale ? Math.sqrt(domain[0]! * domain[1]!) : (domain[0]! + domain[1]!) / 2;
    layers.push({
      mark: { type: 'text', fontSize: 10, aria: false },
      encoding: {
        x,
        y,
        text: { field: 'label' },
        color: { condition: { test: `datum.value < ${mid}`, value: 'white' }, value: 'black' },
      },
    });
  }
  return render({ width, height, description: describe(chart), data: { values: cells }, layer: layers }, options);
}

/**
 * A 2-D decision boundary: the predicted class of each grid cell as a light region, with the data points in
 * the matching strong colour on top. Runs of equal cells in a row are merged into one rectangle, which keeps
 * a 200 × 200 grid to a few hundred marks.
 */
export async function boundaryChart(chart: BoundaryChart, options: ChartOptions = {}): Promise<string> {
  checkKind(chart, 'boundary', 'boundaryChart');
  const [xMin, xMax, yMin, yMax] = chart.extent;
  const n = chart.resolution;
  const w = (xMax - xMin) / n;
  const h = (yMax - yMin) / n;
  const className = (id: number) => chart.classes?.[id] ?? `class ${id}`;
  const regions: Array<{ x: number; x2: number; y: number; y2: number; region: string }> = [];
  for (let r = 0; r < n; r++) {
    let start = 0;
    for (let c = 1; c <= n; c++) {
      if (c === n || chart.grid[r * n + c] !== chart.grid[r * n + start]) {
        // Each rectangle reaches a third of a cell into its right and upper neighbours (drawn later, on
        // top), which hides the hairline seams anti-aliasing leaves between exactly adjacent rectangles.
        regions.push({
          x: xMin + start * w,
          x2: Math.min(xMax, xMin + (c + 0.35) * w),
          y: yMin + r * h,
          y2: Math.min(yMax, yMin + (r + 1.35) * h),
          region: className(chart.grid[r * n + start]!),
        });
        start = c;
      }
    }
  }
  const points = chart.points.map(([x, y, label]) => ({ x, y, cls: className(label) }));
  const ids = [...new Set([...chart.grid, ...chart.points.map((p) => p[2])])].sort((a, b) => a - b);
  const domain = ids.map(className);
  const strong = ids.map((id) => SERIES_PALETTE[id % SERIES_PALETTE.length]!);
  const light = ids.map((id) => REGION_PALETTE[id % REGION_PALETTE.length]!);
  const side = options.width ?? 280;
  const x = { type: 'quantitative', title: chart.xLabel ?? 'x₁', scale: { domain: [xMin, xMax], nice: false, zero: false } };
  const y = { type: 'quantitative', title: chart.yLabel ?? 'x₂', scale: { domain: [yMin, yMax], nice: false, zero: false } };
  return render({
    width: side,
    height: options.height ?? side,
    description: describe(chart),
    layer: [
      {
        data: { values: regions },
        mark: { type: 'rect', aria: false, strokeWidth: 0 },
        encoding: {
          x: { field: 'x', ...x },
          x2: { field: 'x2' },
          y: { field: 'y', ...y },
          y2: { field: 'y2' },
          // Its own field, so this legend-less fill scale does not merge with (and hide) the points' legend.
          fill: { field: 'region', type: 'nominal', scale: { domain, range: light }, legend: null },
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 30, stroke: 'white', strokeWidth: 0.6, opacity: 0.95, aria: points.length <= ARIA_ITEM_LIMIT },
        encoding: {
          x: { field: 'x', ...x },
          y: { field: 'y', ...y },
          color: { field: 'cls', type: 'nominal', title: null, scale: { domain, range: strong }, legend: { orient: 'bottom', direction: 'horizontal' } },
        },
      },
    ],
  }, options);
}

/** The chart functions are public, so each checks it was handed the kind it draws, then the chart itself. */
function checkKind(chart: Chart, kind: Chart['kind'], fn: string): void {
  const given = typeof chart === 'object' && chart !== null ? (chart as { kind?: unknown }).kind : chart;
  if (given !== kind) throw new TypeError(`${fn}: expected chart.kind to be "${kind}", got ${JSON.stringify(given)}`);
  validateChart(chart, 'chart');
}

/**
 * A Vega-Lite colour scale for series names: mapped names keep their report-wide colour unless another series
 * of this chart already has it (the palette wraps after ten names); published series are dark grey.
 */
function colorScale(names: readonly string[], colors: ReadonlyMap<string, string> | undefined, isPublished: (n: string) => boolean) {
  const unique = [...new Set(names)];
  const assigned = new Map<string, string>();
  const used = new Set<string>([PUBLISHED_COLOR]);
  // First pass: report-wide colours, first come first served; second pass: the rest take unused colours.
  for (const n of unique) {
    const preferred = isPublished(n) ? PUBLISHED_COLOR : colors?.get(n);
    if (preferred !== undefined && (preferred === PUBLISHED_COLOR || !used.has(preferred))) {
      assigned.set(n, preferred);
      used.add(preferred);
    }
  }
  for (const n of unique) {
    if (assigned.has(n)) continue;
    const color = SERIES_PALETTE.find((c) => !used.has(c)) ?? SERIES_PALETTE[assigned.size % SERIES_PALETTE.length]!;
    assigned.set(n, color);
    used.add(color);
  }
  return { domain: unique, range: unique.map((n) => assigned.get(n)!) };
}

function size(options: ChartOptions, width: number, height: number) {
  for (const key of ['width', 'height'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isFinite(v) && v >= 40 && v <= 4000)) {
      throw new RangeError(`chart options: expected ${key} to be a number of pixels from 40 to 4000, got ${String(v)}`);
    }
  }
  return { width: options.width ?? width, height: options.height ?? height };
}

function describe(chart: Chart): string {
  return chart.title || `${chart.kind} chart`;
}

/** Splits a label into lines of at most about `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

function shortNumber(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-2)) return v.toExponential(1).replace('.0e', 'e');
  return String(+v.toPrecision(3));
}

/** Vega-Lite reports harmless layout notes as warnings; the report should not print them. */
const quietLogger = {
  level(): number {
    return 0;
  },
  error(...args: readonly unknown[]) {
    throw new Error(`chart spec: ${args.map(String).join(' ')}`);
  },
  warn() {
    return quietLogger;
  },
  info() {
    return quietLogger;
  },
  debug() {
    return quietLogger;
  },
};

/**
 * Compiles a Vega-Lite spec and renders it to SVG. The caption, when given, is drawn as a note under the plot
 * so it stays with the chart wherever the SVG goes.
 */
async function render(spec: Record<string, unknown>, options: ChartOptions, caption?: string): Promise<string> {
  const full = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...spec,
    config: BASE_CONFIG,
    ...(caption ? { title: { text: caption, orient: 'bottom', anchor: 'start', fontSize: 11, fontWeight: 'normal', color: '#666' } } : {}),
  } as unknown as TopLevelSpec;
  const vgSpec = compile(full, { logger: quietLogger as never }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', logLevel: vega.Error });
  try {
    return scopeIds(await view.toSVG(), options.idPrefix ?? 'chart-');
  } finally {
    view.finalize();
  }
}

/** Prefixes every id defined in `svg` and every reference to one (`url(#…)`, `href="#…"`). */
export function scopeIds(svg: string, prefix: string): string {
  if (typeof prefix !== 'string' || !/^[A-Za-z][\w-]*$/.test(prefix)) {
    throw new TypeError(`scopeIds: expected prefix to start with a letter and hold only letters, digits, "_" or "-", got ${JSON.stringify(prefix)}`);
  }
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, head: string, id: string) => `${head}${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (whole, id: string) => (ids.has(id) ? `url(#${prefix}${id})` : whole))
    .replace(/(href=")#([^"]+)"/g, (whole, head: string, id: string) => (ids.has(id) ? `${head}#${prefix}${id}"` : whole));
}
