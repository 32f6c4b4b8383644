/**
 * Charts render headlessly to SVG with the right number of marks, their axis titles, escaped text, published
 * figures labelled as such, and one colour per series name across charts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assignSeriesColors,
  barChart,
  boundaryChart,
  heatmapChart,
  lineChart,
  PUBLISHED_COLOR,
  renderChart,
  scatterChart,
  SERIES_PALETTE,
  type BarChart,
  type BoundaryChart,
  type HeatmapChart,
  type LineChart,
  type ScatterChart,
} from '../src/report/index.js';

/** Counts the drawn items of each mark group Vega labels `mark-<type> role-mark`: paths, or texts for text marks. */
function marks(svg: string, type: 'line' | 'rect' | 'symbol' | 'rule' | 'text' | 'area'): number[] {
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs'))];
  const item = type === 'text' ? /<text\b/g : type === 'rule' ? /<line\b/g : /<path\b/g;
  return groups.map((g) => (g[1]!.match(item) ?? []).length);
}

const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);

/** The text content of every <text> element, tspans joined by a space. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*?(?:\/>|>(.*?)<\/text>)/gs)].map((m) => (m[1] ?? '').replace(/<\/tspan><tspan[^>]*>/g, ' ').replace(/<[^>]+>/g, ''));
}

function assertSvg(svg: string): void {
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* viewBox="0 0 \d+ \d+"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.doesNotMatch(svg, /<script|<image|href="http/);
}

const line: LineChart = {
  kind: 'line',
  title: 'loss',
  xLabel: 'epoch',
  yLabel: 'training loss',
  series: [
    { name: 'relu', points: [[1, 2], [2, 1], [3, null], [4, 0.5], [5, 0.4]], band: [[1, 1.8, 2.2], [2, 0.9, 1.1]] },
    { name: 'tanh', points: [[1, 2.2], [2, 1.9], [3, 1.7]] },
    { name: 'Krizhevsky 2012', published: true, points: [[1, 2.5], [5, 0.8]] },
  ],
};

test('line chart: one path per unbroken run of a series, bands, axis titles, published series labelled', async () => {
  const svg = await lineChart(line);
  assertSvg(svg);
  // relu is broken in two by its null, tanh and the published curve are whole: four lines.
  assert.deepEqual(marks(svg, 'line'), [1, 1, 1, 1]);
  assert.equal(total(marks(svg, 'area')), 1, 'one band');
  // Point markers: 4 + 3 + 2 defined points.
  assert.equal(total(marks(svg, 'symbol')), 9);
  const labels = texts(svg);
  assert.ok(labels.includes('epoch'), 'x axis title');
  assert.ok(labels.includes('training loss'), 'y axis title');
  assert.ok(labels.includes('Krizhevsky 2012 (published)'), 'published series named as such in the legend');
  assert.match(svg, /stroke-dasharray="6,4"/, 'published series dashed');
  assert.match(svg, new RegExp(`stroke="${PUBLISHED_COLOR}"`), 'published series in the neutral colour');
});

test('line chart on log axes leaves out values ≤ 0 and says so', async () => {
  const svg = await lineChart({ ...line, logY: true, series: [{ name: 'relu', points: [[1, 1], [2, 0], [3, 0.1], [4, -1], [5, 0.01]] }] });
  assert.deepEqual(marks(svg, 'line'), [1, 1, 1]);
  assert.ok(texts(svg).includes('2 values ≤ 0 not shown on the log scale.'));
  assert.ok(texts(svg).includes('1e-2') || texts(svg).includes('0.01'), 'log ticks are labelled');
});

test('bar chart: one rect per non-null value, error bars, and the published reference as a labelled rule', async () => {
  const chart: BarChart = {
    kind: 'bar',
    title: 'sparsity',
    yLabel: 'zeros (%)',
    groups: ['layer 1', 'layer 2', 'layer 3'],
    series: [
      { name: 'MNIST', values: [74, 80, null], errors: [1, 2, null] },
      { name: 'Fashion-MNIST', values: [66, 73, 76] },
    ],
    reference: { label: 'Glorot 2011, MNIST', value: 83.4 },
  };
  const svg = await barChart(chart);
  assertSvg(svg);
  assert.equal(total(marks(svg, 'rect')), 5);
  // Two error bars plus the reference rule.
  assert.equal(total(marks(svg, 'rule')), 3);
  assert.match(svg, /stroke-dasharray="6,4"/);
  const labels = texts(svg);
  assert.ok(labels.includes('zeros (%)'), 'y axis title');
  assert.ok(labels.includes('published Glorot 2011, MNIST'), `reference label, got ${labels.join(' | ')}`);
  for (const group of chart.groups) assert.ok(labels.includes(group), `group ${group} on the axis`);
  // The axis reaches the reference even though every bar is below it.
  assert.ok(labels.includes('80') && labels.some((l) => Number(l) >= 84), 'y domain includes the reference');
});

test('scatter chart: one symbol per point, colours per series', async () => {
  const chart: ScatterChart = {
    kind: 'scatter',
    title: 'throughput',
    xLabel: 'elements',
    yLabel: 'per ns',
    series: [
      { name: 'relu', points: [[1, 2], [2, 3], [3, 4]] },
      { name: 'gelu', points: [[1, 1], [2, 1.5]] },
    ],
  };
  const svg = await scatterChart(chart);
  assertSvg(svg);
  assert.equal(total(marks(svg, 'symbol')), 5);
  assert.equal((svg.match(new RegExp(`fill="${SERIES_PALETTE[0]}"`, 'g')) ?? []).length >= 3, true);
  assert.ok(texts(svg).includes('elements') && texts(svg).includes('per ns'));
});

test('heatmap: one rect per non-null cell, values printed in small grids, labels in the given order', async () => {
  const chart: HeatmapChart = {
    kind: 'heatmap',
    title: 'gradient norm',
    xLabel: 'depth',
    yLabel: 'activation',
    x: [2, 4, 8],
    y: ['relu', 'sigmoid'],
    values: [[1, 0.9, 0.8], [0.25, null, 0.001]],
    valueLabel: 'relative norm',
  };
  const svg = await heatmapChart(chart);
  assertSvg(svg);
  assert.equal(total(marks(svg, 'rect')), 5);
  assert.equal(total(marks(svg, 'text')), 5);
  const labels = texts(svg);
  for (const t of ['depth', 'activation', 'relative norm', '0.9', '1e-3']) assert.ok(labels.includes(t), `${t} in ${labels.join(' | ')}`);
  assert.ok(labels.indexOf('relu') < labels.indexOf('sigmoid'), 'rows top to bottom in the order given');
  await assert.rejects(heatmapChart({ ...chart, logScale: true, values: [[1, 0, 1], [1, 1, 1]] }), /logScale set, so every value must be > 0; got 0/);
});

test('boundary: runs of equal cells merge into one rect; one symbol per data point', async () => {
  // 4 × 4 grid: left half class 0, right half class 1 → two runs per row.
  const grid = Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 0 : 1));
  const chart: BoundaryChart = {
    kind: 'boundary',
    title: 'xor',
    extent: [-1, 1, -1, 1],
    resolution: 4,
    grid,
    points: [[-0.5, 0.5, 0], [0.5, 0.5, 1], [0.5, -0.5, 1]],
    classes: ['negative', 'positive'],
    xLabel: 'first input',
  };
  const svg = await boundaryChart(chart);
  assertSvg(svg);
  assert.equal(total(marks(svg, 'rect')), 8);
  assert.equal(total(marks(svg, 'symbol')), 3);
  const labels = texts(svg);
  for (const t of ['first input', 'x₂', 'negative', 'positive']) assert.ok(labels.includes(t), `${t} in ${labels.join(' | ')}`);
});

test('text in charts is escaped', async () => {
  const svg = await lineChart({ ...line, xLabel: '<script>alert(1)</script>', yLabel: 'a & b', series: [{ name: '"q" <b>', points: [[0, 1], [1, 2]] }] });
  assert.doesNotMatch(svg, /<script|<b>/);
  assert.match(svg, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(svg, /a &amp; b/);
});

test('the same series name keeps the same colour across charts, without clashing inside one chart', async () => {
  const other: BarChart = { kind: 'bar', title: 't', yLabel: 'y', groups: ['a'], series: [{ name: 'tanh', values: [1] }, { name: 'relu', values: [2] }] };
  const colors = assignSeriesColors([line, other]);
  assert.deepEqual([...colors], [['relu', SERIES_PALETTE[0]], ['tanh', SERIES_PALETTE[1]]]);
  const svg = await barChart(other, { colors });
  const fills = [...svg.matchAll(/aria-roledescription="bar" d="[^"]*" fill="(#[0-9a-f]+)"/g)].map((m) => m[1]);
  assert.deepEqual(fills, [SERIES_PALETTE[1], SERIES_PALETTE[0]]);
  // Two names given the same colour (the palette wraps) still get different colours in one chart.
  const clash = new Map([['a', SERIES_PALETTE[0]], ['b', SERIES_PALETTE[0]]]);
  const both = await barChart({ ...other, series: [{ name: 'a', values: [1] }, { name: 'b', values: [2] }] }, { colors: clash });
  const bothFills = [...both.matchAll(/aria-roledescription="bar" d="[^"]*" fill="(#[0-9a-f]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(bothFills).size, 2);
});

test('chart functions check their input and name what was wrong', async () => {
  await assert.rejects(lineChart({ ...line, kind: 'bar' } as never), /lineChart: expected chart\.kind to be "line", got "bar"/);
  await assert.rejects(scatterChart({ kind: 'scatter', title: 's', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [[1, Number.NaN]] }] } as ScatterChart), /chart\.series\[0\]\.points\[0\]: expected an \[x, y\] pair of finite numbers, got array \[1,null\]/);
  await assert.rejects(barChart({ kind: 'bar', title: 't', yLabel: 'y', groups: ['a'], series: [] }, { width: 5 }), /expected width to be a number of pixels from 40 to 4000, got 5/);
  await assert.rejects(renderChart({ kind: 'pie' } as never), /chart\.kind: expected one of/);
});
