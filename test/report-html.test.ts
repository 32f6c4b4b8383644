/**
 * The HTML report: one self-contained document with a section per experiment, every chart inline as SVG,
 * all text escaped, published figures labelled, and a banner exactly when the run was interrupted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, renderHtml, SERIES_PALETTE, type ExperimentResult, type LabResults } from '../src/report/index.js';
import { exampleResults } from './helpers/report-example.js';
import { parseHTML } from 'linkedom';
import { plotted, readSvg, texts } from './helpers/svg.js';

function experiment(title: string, charts: ExperimentResult['charts'], extra: Partial<ExperimentResult> = {}): ExperimentResult {
  return {
    title,
    claim: `Claim of ${title}.`,
    source: { citation: 'Glorot, Bordes & Bengio 2011', url: 'https://proceedings.mlr.press/v15/glorot11a.html' },
    setup: 'MNIST, 2 seeds.',
    measured: [{ label: 'zeros', value: 79.2, spread: 1.4, unit: '%' }],
    verdict: 'agrees',
    summary: 'It agrees.',
    tables: [{ title: 'by layer', columns: ['layer', 'zeros %'], rows: [[1, 74.1], [2, null]] }],
    charts,
    status: 'complete',
    seconds: 3.5,
    ...extra,
  };
}

/** A small run with one experiment per chart kind, and one with every kind at once. */
function synthetic(complete = true): LabResults {
  return {
    version: '0.1.0',
    createdAt: '2025-02-01T12:00:00.000Z',
    complete,
    settings: { quick: true, seeds: 2, experiments: ['convergence', 'sparsity', 'cost', 'depth', 'nonlinearity'], backendRequested: 'js' },
    machine: { node: 'v20.19.0', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Test CPU', memoryGB: 24, backend: 'js' },
    experiments: {
      // Deliberately out of lab order: the report sorts.
      sparsity: experiment(
        'Sparsity',
        [{ kind: 'bar', title: 'zeros by layer', yLabel: 'zeros (%)', groups: ['1', '2'], series: [{ name: 'relu', values: [74, 80], errors: [1, 1] }], reference: { label: 'Glorot 2011', value: 83.4 } }],
        { published: [{ label: 'zeros on MNIST', value: 83.4, unit: '%', note: 'rectifier net' }] },
      ),
      convergence: experiment('Convergence <script>alert("x")</script> & more', [
        { kind: 'line', title: 'loss', xLabel: 'epoch', yLabel: 'training loss', series: [{ name: 'relu', points: [[1, 2], [2, 1], [3, 0.5]] }, { name: 'tanh', points: [[1, 2], [2, 1.6], [3, 1.2]] }] },
      ]),
      cost: experiment('Cost', [{ kind: 'scatter', title: 'throughput', xLabel: 'size', yLabel: 'speed', series: [{ name: 'relu', points: [[1, 1], [2, 2]] }] }]),
      depth: experiment('Depth', [{ kind: 'heatmap', title: 'norms', xLabel: 'depth', yLabel: 'activation', x: [2, 4], y: ['relu', 'tanh'], values: [[1, 0.9], [0.5, 0.2]] }]),
      nonlinearity: experiment(
        'Non-linearity',
        [{ kind: 'boundary', title: 'xor', extent: [-1, 1, -1, 1], resolution: 2, grid: [0, 1, 1, 0], points: [[-0.5, -0.5, 0], [0.5, -0.5, 1]] }],
        complete ? {} : { status: 'incomplete', verdict: 'inconclusive' },
      ),
    },
  };
}

const count = (html: string, pattern: RegExp) => (html.match(pattern) ?? []).length;

/** The HTML of one section, from its opening tag to its closing tag. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section class="experiment" id="${id}"`);
  assert.ok(start >= 0, `section ${id} present`);
  return html.slice(start, html.indexOf('</section>', start));
}

test('one document, a section with its anchor per experiment in lab order, contents linking to each', async () => {
  const html = await renderHtml(synthetic());
  assert.ok(html.startsWith('<!doctype html>'));
  assert.equal(count(html, /<html\b/g), 1);
  assert.equal(count(html, /<\/html>/g), 1);
  assert.equal(count(html, /<body\b/g), 1);
  assert.equal(count(html, /<section class="experiment"/g), 5);
  const order = ['convergence', 'depth', 'sparsity', 'cost', 'nonlinearity'];
  const positions = order.map((id) => html.indexOf(`id="${id}"`));
  assert.deepEqual([...positions].sort((a, b) => a - b), positions, 'sections in lab order');
  for (const id of order) assert.match(html, new RegExp(`<a href="#${id}">`), `contents link to ${id}`);
  // Ids are unique.
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'ids unique');
});

test('each chart is an inline SVG with its marks and axis titles', async () => {
  const { document } = parseHTML(await renderHtml(synthetic()));
  assert.equal(document.querySelectorAll('figure.chart').length, 5);
  assert.equal(document.querySelectorAll('svg').length, 5);
  // What each section's chart must show: its kind, how many marks of which shape, and its axis titles.
  const expected: Array<[string, string, 'line' | 'rect' | 'point', number, string[]]> = [
    ['convergence', 'line', 'line', 2, ['epoch', 'training loss']],
    ['sparsity', 'bar', 'rect', 2, ['zeros (%)']],
    ['cost', 'scatter', 'point', 2, ['size', 'speed']],
    ['depth', 'heatmap', 'rect', 4, ['depth', 'activation']],
    ['nonlinearity', 'boundary', 'rect', 4, ['x₁', 'x₂']],
  ];
  for (const [id, kind, shape, count, titles] of expected) {
    const section = document.getElementById(id)!;
    const figures = section.querySelectorAll('figure.chart');
    assert.equal(figures.length, 1, `${id}: one chart`);
    assert.ok(figures[0]!.classList.contains(`chart-${kind}`), `${id}: a ${kind} chart`);
    const svgs = figures[0]!.querySelectorAll('svg');
    assert.equal(svgs.length, 1, `${id}: one svg`);
    const marks = readSvg(svgs[0]!.outerHTML);
    // Lines are counted in series colours only: the plot's frame is a stroked outline too.
    const drawn = plotted(marks, shape).filter((m) => shape !== 'line' || (SERIES_PALETTE as readonly string[]).includes(m.stroke!));
    assert.equal(drawn.length, count, `${id}: ${count} ${shape} marks`);
    for (const t of titles) assert.ok(texts(marks).includes(t), `${id}: axis title ${t}`);
  }
});

test('every contents row shows the numbers its verdict rests on, with what they were compared with', async () => {
  const results = synthetic();
  results.experiments.sparsity!.measured.unshift({ label: 'mnist, λ 0: sparsity', value: 53.4, unit: '%' });
  results.experiments.sparsity!.basis = [
    { label: 'mnist, λ 0.01: sparsity', value: 79.1, spread: 1.2, unit: '%', note: 'published 83.4%; rule: within 10 points' },
    { label: 'mnist, λ 0.01: test accuracy', value: 95.5, unit: '%', note: "rule: ≥ λ 0's 96.1% − 2 points" },
  ];
  const { document } = parseHTML(await renderHtml(results));
  const rows = [...document.querySelectorAll('#report-contents tbody tr')];
  assert.equal(rows.length, 5);
  const row = rows.find((r) => r.querySelector('a')?.getAttribute('href') === '#sparsity')!;
  const cell = row.querySelectorAll('td')[2]!.textContent!;
  assert.match(cell, /mnist, λ 0\.01: sparsity: 79\.1 ± 1\.2% \(published 83\.4%; rule: within 10 points\)/);
  assert.match(cell, /mnist, λ 0\.01: test accuracy: 95\.5%/);
  assert.doesNotMatch(cell, /λ 0: sparsity/, 'not the first measured figure, which the verdict does not rest on');
  // The section lists the same numbers under its verdict.
  const basis = document.getElementById('sparsity')!.querySelector('.basis')!.textContent!;
  assert.match(basis, /rests on[\s\S]*79\.1 ± 1\.2%/);
  // Results without a basis (written by hand) fall back to their first measured figures.
  const other = rows.find((r) => r.querySelector('a')?.getAttribute('href') === '#depth')!;
  assert.match(other.querySelectorAll('td')[2]!.textContent!, /zeros: 79\.2 ± 1\.4%/);
});

test('the page needs nothing from outside: no script, no external stylesheet, font or image', async () => {
  const html = await renderHtml(exampleResults());
  assert.doesNotMatch(html, /<script\b/i);
  assert.doesNotMatch(html, /<link\b|@import|@font-face|url\((?!#)|<img\b|<iframe\b|\ssrc=/i);
  // References inside the SVGs point at ids of the same page, and those ids are unique across charts.
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(new Set(ids).size, ids.length, 'ids unique across the page');
  for (const m of html.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(m[1]!), `url(#${m[1]}) resolves`);
  // Links out are only the papers' pages, never resources the page loads.
  for (const m of html.matchAll(/href="([^"#][^"]*)"/g)) assert.match(m[1]!, /^https:\/\//);
  assert.match(html, /<style>/);
});

test('all text from the results is escaped', async () => {
  const html = await renderHtml(synthetic());
  assert.doesNotMatch(html, /<script>alert/);
  assert.match(html, /Convergence &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; more/);
  const results = synthetic();
  results.experiments.cost!.source = { citation: 'A <b>bold</b> claim', url: 'javascript:alert(1)' };
  results.experiments.cost!.tables[0]!.rows[0]![0] = '<td>';
  const hostile = await renderHtml(results);
  assert.doesNotMatch(hostile, /<b>bold|javascript:|<td><td>/);
  assert.match(hostile, /A &lt;b&gt;bold&lt;\/b&gt; claim/);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.throws(() => escapeHtml(3 as never), /escapeHtml: expected text to be a string, got number/);
});

test('the incomplete banner appears exactly when the run was interrupted', async () => {
  const complete = await renderHtml(synthetic(true));
  assert.doesNotMatch(complete, /id="report-incomplete"|Incomplete run/);
  const interrupted = await renderHtml(synthetic(false));
  assert.equal(count(interrupted, /id="report-incomplete"/g), 1);
  assert.match(interrupted, /Incomplete run\.<\/strong> The run was interrupted before it finished: 4 of 5 requested experiments completed/);
  assert.match(section(interrupted, 'nonlinearity'), /class="status status-incomplete">incomplete</);
});

test('published figures are labelled as published, with the citation, next to the measured ones', async () => {
  const html = await renderHtml(synthetic());
  const part = section(html, 'sparsity');
  assert.match(part, /<h3>Published <span class="source">\(Glorot, Bordes &amp; Bengio 2011\)<\/span><\/h3>/);
  assert.match(part, /zeros on MNIST<span class="note">rectifier net<\/span><\/th><td class="num">83\.4%<\/td>/);
  assert.match(part, /<h3>Measured <span class="source">\(this run, mean ± sd over seeds\)/);
  assert.match(part, /79\.2 ± 1\.4%/);
  assert.ok(part.indexOf('figures published') < part.indexOf('figures measured'), 'published first, measured beside it');
  // The bar chart's reference is labelled published in the chart itself.
  assert.match(part, /<tspan>published<\/tspan><tspan[^>]*>Glorot 2011<\/tspan>/);
  // Without published figures the section says so rather than leaving a blank.
  assert.match(section(html, 'cost'), /The paper gives no figure to set against ours/);
});

test('claim quoted with its source link, setup, verdict badge, summary and tables in each section', async () => {
  const html = await renderHtml(synthetic());
  const part = section(html, 'depth');
  assert.match(part, /<blockquote cite="https:\/\/proceedings\.mlr\.press\/v15\/glorot11a\.html"><p>Claim of Depth\.<\/p><\/blockquote>/);
  assert.match(part, /<cite><a href="https:\/\/proceedings\.mlr\.press\/v15\/glorot11a\.html">Glorot, Bordes &amp; Bengio 2011<\/a><\/cite>/);
  assert.match(part, /<p class="setup">MNIST, 2 seeds\.<\/p>/);
  assert.match(part, /<span class="badge verdict-agrees"[^>]*>agrees<\/span>/);
  assert.match(part, /It agrees\./);
  assert.match(part, /<caption>by layer<\/caption>/);
  assert.match(part, /<td class="num">—<\/td>/, 'null cell shown as a dash');
});

test('the header shows version, machine and settings; a failed experiment shows its error', async () => {
  const html = await renderHtml(exampleResults({ withFailure: true }));
  assert.match(html, /<title>Rectifier lab report — 0\.1\.0<\/title>/);
  assert.match(html, /Example CPU @ 2\.40GHz · 2 cores · 24 GiB · linux\/x64 · Node 20\.19\.0/);
  assert.match(html, /full budget · 3 seeds · experiments: convergence, depth/);
  assert.match(html, /<code>rectifier lab --seeds 3<\/code>/);
  assert.match(section(html, 'cost'), /This experiment failed\.<\/strong><pre>RangeError: WebAssembly\.Memory\.grow\(\)/);
});

test('invalid results are refused with the path of the problem', async () => {
  const results = synthetic() as any;
  results.experiments.depth.charts[0].values = [[1, 'x'], [1, 1]];
  await assert.rejects(renderHtml(results), /results\.experiments\.depth\.charts\[0\]\.values\[0\]\[1\]: expected a finite number or null, got "x"/);
});
