/**
 * Charts render headlessly to SVG with the right number of marks, their axis titles, escaped text, published
 * figures labelled as such, and one colour per series name across charts. The SVG is parsed and its shapes
 * counted by what they are (test/helpers/svg.ts), not by the chart library's markup.
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
import { plotted, readSvg, texts } from './helpers/svg.js';

const palette = (i: number) => SERIES_PALETTE[i]!;

function assertSvg(svg: string): void {
  readSvg(svg); // one well-formed SVG document
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* viewBox="0 0 \d+ \d+"/);
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
  const marks = readSvg(svg);
  // relu is broken in two by its null, tanh and the published curve are whole: four lines.
  assert.equal(plotted(marks, 'line', palette(0)).length, 2, 'relu: two pieces around its null');
  assert.equal(plotted(marks, 'line', palette(1)).length, 1, 'tanh: one line');
  const published = plotted(marks, 'line', PUBLISHED_COLOR);
  assert.equal(published.length, 1, 'the published curve, in the neutral colour');
  assert.ok(published[0]!.dashed && plotted(marks, 'line', palette(0)).every((m) => !m.dashed), 'only the published curve is dashed');
  const bands = plotted(marks, 'area');
  assert.equal(bands.length, 1, 'one band');
  assert.ok(bands[0]!.fill === palette(0) && bands[0]!.opacity < 0.5, 'the band is a faint fill in its series colour');
  // Point markers: 4 + 3 + 2 defined points.
  assert.deepEqual([palette(0), palette(1), PUBLISHED_COLOR].map((c) => plotted(marks, 'point', c).length), [4, 3, 2]);
  const labels = texts(marks);
  assert.ok(labels.includes('epoch'), 'x axis title');
  assert.ok(labels.includes('training loss'), 'y axis title');
  assert.ok(labels.includes('Krizhevsky 2012 (published)'), 'published series named as such in the legend');
});

test('line chart on log axes leaves out values ≤ 0 and says so', async () => {
  const marks = readSvg(await lineChart({ ...line, logY: true, series: [{ name: 'relu', points: [[1, 1], [2, 0], [3, 0.1], [4, -1], [5, 0.01]] }] }));
  // Three positive points, each isolated by a value left out: three one-point pieces, three markers.
  assert.equal(plotted(marks, 'point', palette(0)).length, 3);
  assert.ok(texts(marks).includes('2 values ≤ 0 not shown on the log scale.'));
  assert.ok(texts(marks).includes('1e-2') || texts(marks).includes('0.01'), 'log ticks are labelled');
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
  const marks = readSvg(svg);
  assert.equal(plotted(marks, 'rect', palette(0)).length, 2, 'MNIST: two bars (its null is left out)');
  assert.equal(plotted(marks, 'rect', palette(1)).length, 3, 'Fashion-MNIST: three bars');
  // Two error bars, and the reference as one dashed rule in the neutral colour.
  const reference = plotted(marks, 'rule', PUBLISHED_COLOR);
  assert.equal(reference.length, 1);
  assert.ok(reference[0]!.dashed);
  assert.equal(plotted(marks, 'rule').filter((m) => m.stroke !== PUBLISHED_COLOR && !['#eee', '#888', '#ccc'].includes(m.stroke!)).length, 2, 'two error bars');
  const labels = texts(marks);
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
  const marks = readSvg(svg);
  assert.equal(plotted(marks, 'point', palette(0)).length, 3);
  assert.equal(plotted(marks, 'point', palette(1)).length, 2);
  assert.ok(texts(marks).includes('elements') && texts(marks).includes('per ns'));
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
  const marks = readSvg(svg);
  const cells = plotted(marks, 'rect');
  assert.equal(cells.length, 5, 'one cell per value; the null is blank');
  assert.equal(new Set(cells.map((c) => c.fill)).size, 5, 'five values, five colours');
  assert.equal(plotted(marks, 'text').length, 5, 'each value printed in its cell');
  const labels = texts(marks);
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
  const marks = readSvg(svg);
  const regions = plotted(marks, 'rect');
  assert.equal(regions.length, 8, 'each row: one run of class 0, one of class 1');
  assert.equal(new Set(regions.map((r) => r.fill)).size, 2, 'one region colour per class');
  assert.deepEqual([palette(0), palette(1)].map((c) => plotted(marks, 'point', c).length), [1, 2], 'each point in its class colour');
  const labels = texts(marks);
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
  const fills = plotted(readSvg(await barChart(other, { colors })), 'rect').map((m) => m.fill);
  assert.deepEqual(fills, [SERIES_PALETTE[1], SERIES_PALETTE[0]]);
  // Two names given the same colour (the palette wraps) still get different colours in one chart.
  const clash = new Map([['a', SERIES_PALETTE[0]], ['b', SERIES_PALETTE[0]]]);
  const both = await barChart({ ...other, series: [{ name: 'a', values: [1] }, { name: 'b', values: [2] }] }, { colors: clash });
  const bothFills = plotted(readSvg(both), 'rect').map((m) => m.fill);
  assert.equal(new Set(bothFills).size, 2);
});

test('chart functions check their input and name what was wrong', async () => {
  await assert.rejects(lineChart({ ...line, kind: 'bar' } as never), /lineChart: expected chart\.kind to be "line", got "bar"/);
  await assert.rejects(scatterChart({ kind: 'scatter', title: 's', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [[1, Number.NaN]] }] } as ScatterChart), /chart\.series\[0\]\.points\[0\]: expected an \[x, y\] pair of finite numbers, got array \[1,null\]/);
  await assert.rejects(barChart({ kind: 'bar', title: 't', yLabel: 'y', groups: ['a'], series: [] }, { width: 5 }), /expected width to be a number of pixels from 40 to 4000, got 5/);
  await assert.rejects(renderChart({ kind: 'pie' } as never), /chart\.kind: expected one of/);
});
