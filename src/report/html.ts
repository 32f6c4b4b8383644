/**
 * The HTML report: one self-contained page (inline CSS and SVG, no script, no fonts or files to fetch), so
 * `index.html` can be opened from disk, mailed or attached to an issue and still read the same.
 */
import { assignSeriesColors, renderChart } from './charts.js';
import { formatCell, formatMeasured, formatPublished, formatSeconds, VERDICT_TEXT, verdictFigures } from './format.js';
import type { MeasuredFigure } from './schema.js';
import { orderedExperimentIds, validateResults, type Chart, type ExperimentResult, type LabResults } from './schema.js';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`escapeHtml: expected text to be a string, got ${typeof text}`);
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Only web links become anchors; anything else (`javascript:`, a typo) is shown as text. */
function link(url: string, text: string): string {
  return /^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>` : escapeHtml(text);
}

/**
 * Renders validated lab results as a complete HTML document. Throws a `ResultsValidationError` naming the path
 * of each problem when `results` does not match the schema.
 */
export async function renderHtml(results: LabResults): Promise<string> {
  const checked = validateResults(results, 'results');
  const ids = orderedExperimentIds(checked);
  // One colour per series name across the whole report: relu is the same blue in every chart.
  const colors = assignSeriesColors(ids.flatMap((id) => checked.experiments[id]!.charts));
  const sections: string[] = [];
  for (const id of ids) sections.push(await experimentSection(id, checked.experiments[id]!, colors));
  const title = `Rectifier lab report — ${checked.version}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="rectifier ${escapeHtml(checked.version)}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${header(checked)}
${checked.complete ? '' : incompleteBanner(checked, ids)}
${contents(checked, ids)}
<main>
${sections.join('\n')}
</main>
<footer class="report-footer">Rendered by rectifier ${escapeHtml(checked.version)} from <code>results.json</code>. Every chart and number on this page comes from that file.</footer>
</body>
</html>
`;
}

function header(results: LabResults): string {
  const m = results.machine;
  const s = results.settings;
  const known = new Set(['quick', 'seeds', 'experiments']);
  const extra = Object.entries(s)
    .filter(([k]) => !known.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const settings = [
    s.quick ? 'quick budget' : 'full budget',
    `${s.seeds} seed${s.seeds === 1 ? '' : 's'}`,
    `experiments: ${s.experiments.join(', ') || 'none'}`,
    ...extra,
  ];
  const rows: Array<[string, string]> = [
    ['Version', `rectifier ${escapeHtml(results.version)}`],
    ['Run started', `<time datetime="${escapeHtml(results.createdAt)}">${escapeHtml(formatTime(results.createdAt))}</time>`],
    ...(results.command ? [['Command', `<code>${escapeHtml(results.command)}</code>`] as [string, string]] : []),
    [
      'Machine',
      escapeHtml(`${m.cpuModel} · ${m.cpus} cores · ${+m.memoryGB.toFixed(1)} GiB · ${m.platform}/${m.arch} · Node ${m.node.replace(/^v/, '')}`),
    ],
    ['Backend', escapeHtml(m.backend)],
    ['Settings', settings.map(escapeHtml).join(' · ')],
  ];
  return `<header class="report-header">
<h1>Rectifier lab report</h1>
<p class="lede">Published claims about the rectified linear unit, rerun on this machine: what each paper reported, what we measured, and whether they agree.</p>
<dl class="meta">
${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('\n')}
</dl>
</header>`;
}

function incompleteBanner(results: LabResults, ids: string[]): string {
  const done = ids.filter((id) => results.experiments[id]!.status === 'complete').length;
  const requested = Math.max(results.settings.experiments.length, ids.length);
  return `<div class="banner" id="report-incomplete" role="alert"><strong>Incomplete run.</strong> The run was interrupted before it finished: ${done} of ${requested} requested experiment${requested === 1 ? '' : 's'} completed. Sections marked incomplete show what had been measured by then, and their verdicts rest on less data.</div>`;
}

function contents(results: LabResults, ids: string[]): string {
  const rows = ids.map((id) => {
    const e = results.experiments[id]!;
    const headline = verdictFigures(e).map(basisLine).join('<br>');
    return `<tr><td><a href="#${id}">${escapeHtml(e.title)}</a>${statusNote(e)}</td><td>${verdictBadge(e)}</td><td class="headline">${headline || '—'}</td><td class="num">${escapeHtml(formatSeconds(e.seconds))}</td></tr>`;
  });
  const body = rows.length > 0 ? rows.join('\n') : '<tr><td colspan="4">No experiments in this file.</td></tr>';
  return `<nav id="report-contents" aria-label="Contents">
<h2>Contents</h2>
<table class="contents">
<thead><tr><th>Experiment</th><th>Verdict</th><th>What the verdict rests on</th><th class="num">Time</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</nav>`;
}

/** "label: value" with what the value was compared with in muted text. */
function basisLine(f: MeasuredFigure): string {
  return `${escapeHtml(f.label)}: <strong>${escapeHtml(formatMeasured(f))}</strong>${f.note ? ` <span class="note">(${escapeHtml(f.note)})</span>` : ''}`;
}

function statusNote(e: ExperimentResult): string {
  return e.status === 'complete' ? '' : ` <span class="status status-${e.status}">${e.status}</span>`;
}

function verdictBadge(e: ExperimentResult): string {
  return `<span class="badge verdict-${e.verdict}" title="verdict">${VERDICT_TEXT[e.verdict]}</span>`;
}

async function experimentSection(id: string, e: ExperimentResult, colors: ReadonlyMap<string, string>): Promise<string> {
  const parts: string[] = [];
  parts.push(`<header><h2 id="${id}-title"><a class="anchor" href="#${id}">${escapeHtml(e.title)}</a></h2>${verdictBadge(e)}${statusNote(e)}<span class="seconds">${escapeHtml(formatSeconds(e.seconds))}</span></header>`);
  if (e.status === 'failed') {
    parts.push(`<div class="failure" role="alert"><strong>This experiment failed.</strong>${e.error ? `<pre>${escapeHtml(e.error)}</pre>` : ''}</div>`);
  } else if (e.status === 'incomplete') {
    parts.push(`<p class="notice">Interrupted before it finished: the numbers below cover what had run by then.</p>`);
  }
  parts.push(`<figure class="claim">
<blockquote${/^https?:\/\//i.test(e.source.url) ? ` cite="${escapeHtml(e.source.url)}"` : ''}><p>${escapeHtml(e.claim)}</p></blockquote>
<figcaption>Claim from <cite>${link(e.source.url, e.source.citation)}</cite></figcaption>
</figure>`);
  parts.push(`<h3>What we ran</h3>\n<p class="setup">${escapeHtml(e.setup)}</p>`);
  parts.push(numbers(e));
  parts.push(`<h3>What we found</h3>\n<p class="summary">${verdictBadge(e)} ${escapeHtml(e.summary)}</p>`);
  if (e.basis && e.basis.length > 0) {
    parts.push(`<div class="basis"><p>The verdict rests on:</p><ul>\n${e.basis.map((f) => `<li>${basisLine(f)}</li>`).join('\n')}\n</ul></div>`);
  }
  if (e.charts.length > 0) {
    const figures: string[] = [];
    for (const [i, chart] of e.charts.entries()) figures.push(await chartFigure(chart, `${id}-chart-${i + 1}`, colors));
    parts.push(`<div class="charts">\n${figures.join('\n')}\n</div>`);
  }
  for (const [i, t] of e.tables.entries()) {
    const numeric = t.columns.map((_, j) => t.rows.length > 0 && t.rows.every((r) => typeof r[j] === 'number' || r[j] === null));
    const head = t.columns.map((c, j) => `<th${numeric[j] ? ' class="num"' : ''}>${escapeHtml(c)}</th>`).join('');
    const body = t.rows
      .map((r) => `<tr>${r.map((c, j) => `<td${numeric[j] ? ' class="num"' : ''}>${escapeHtml(formatCell(c))}</td>`).join('')}</tr>`)
      .join('\n');
    parts.push(`<div class="table-wrap"><table class="data" id="${id}-table-${i + 1}">
<caption>${escapeHtml(t.title)}</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table></div>`);
  }
  return `<section class="experiment" id="${id}" aria-labelledby="${id}-title">\n${parts.join('\n')}\n</section>`;
}

/** Published and measured figures side by side; published ones always carry the citation. */
function numbers(e: ExperimentResult): string {
  const published = e.published ?? [];
  const publishedRows = published
    .map(
      (f) =>
        `<tr><th scope="row">${escapeHtml(f.label)}${f.note ? `<span class="note">${escapeHtml(f.note)}</span>` : ''}</th><td class="num">${escapeHtml(formatPublished(f))}</td></tr>`,
    )
    .join('\n');
  const measuredRows = e.measured
    .map((f) => `<tr><th scope="row">${escapeHtml(f.label)}</th><td class="num">${escapeHtml(formatMeasured(f))}</td></tr>`)
    .join('\n');
  const publishedBlock =
    published.length > 0
      ? `<div class="figures published"><h3>Published <span class="source">(${escapeHtml(e.source.citation)})</span></h3>
<table><tbody>
${publishedRows}
</tbody></table></div>`
      : `<div class="figures published"><h3>Published</h3><p class="none">The paper gives no figure to set against ours; the comparison is qualitative.</p></div>`;
  const measuredBlock = `<div class="figures measured"><h3>Measured <span class="source">(this run${e.measured.some((f) => f.spread !== undefined) ? ', mean ± sd over seeds' : ''})</span></h3>
${e.measured.length > 0 ? `<table><tbody>\n${measuredRows}\n</tbody></table>` : '<p class="none">Nothing was measured.</p>'}</div>`;
  return `<div class="numbers">\n${publishedBlock}\n${measuredBlock}\n</div>`;
}

async function chartFigure(chart: Chart, figureId: string, colors: ReadonlyMap<string, string>): Promise<string> {
  let body: string;
  try {
    body = await renderChart(chart, { colors, idPrefix: `${figureId}-` });
  } catch (error) {
    // One chart that cannot be drawn should not cost the reader the rest of the report.
    body = `<p class="failure">This chart could not be drawn: ${escapeHtml(error instanceof Error ? error.message : String(error))}</p>`;
  }
  const caption = chart.caption ? ` <span class="caption">${escapeHtml(chart.caption)}</span>` : '';
  return `<figure class="chart chart-${chart.kind}" id="${figureId}">
<figcaption><strong>${escapeHtml(chart.title)}</strong>${caption}</figcaption>
${body}
</figure>`;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const STYLE = `
:root { --ink: #1d1d1f; --muted: #5f6368; --rule: #e3e3e3; --panel: #f7f7f8; --link: #1f5fa8;
  --agrees: #1e7b34; --partly: #9a6700; --disagrees: #b3261e; --inconclusive: #5f6368; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--link); }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 22px; margin: 0; }
h3 { font-size: 15px; margin: 20px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
h3 .source { text-transform: none; letter-spacing: 0; font-weight: normal; }
code { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: var(--panel); padding: 1px 4px; border-radius: 3px; }
.lede { color: var(--muted); margin: 0 0 16px; max-width: 760px; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; font-size: 14px; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; }
.report-header { border-bottom: 1px solid var(--rule); padding-bottom: 18px; }
.banner { margin: 18px 0 0; padding: 12px 16px; border: 1px solid #e0b252; background: #fff6de; border-radius: 6px; }
nav h2 { margin: 22px 0 8px; font-size: 18px; }
table { border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 5px 12px 5px 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.contents { width: 100%; font-size: 14px; }
table.contents thead th, table.data thead th { border-bottom: 1px solid #bbb; font-weight: 600; }
table.contents tbody tr, table.data tbody tr { border-bottom: 1px solid var(--rule); }
table.contents td.headline { color: #333; }
table.contents td.headline strong { font-variant-numeric: tabular-nums; }
.note { color: var(--muted); }
.basis { max-width: 880px; margin-top: 8px; font-size: 14px; }
.basis p { margin: 0; color: var(--muted); }
.basis ul { margin: 2px 0 0; padding-left: 20px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; vertical-align: 2px; }
.verdict-agrees { background: var(--agrees); }
.verdict-partly { background: var(--partly); }
.verdict-disagrees { background: var(--disagrees); }
.verdict-inconclusive { background: var(--inconclusive); }
.status { display: inline-block; font-size: 12px; padding: 0 7px; border-radius: 10px; border: 1px solid currentColor; margin-left: 6px; vertical-align: 2px; }
.status-incomplete { color: #9a6700; }
.status-failed { color: var(--disagrees); }
section.experiment { border-top: 2px solid var(--ink); margin-top: 40px; padding-top: 14px; }
section.experiment > header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 10px; }
section.experiment > header .seconds { margin-left: auto; color: var(--muted); font-size: 13px; }
a.anchor { color: inherit; text-decoration: none; }
figure { margin: 0; }
figure.claim { margin: 16px 0 0; padding: 10px 18px; border-left: 4px solid #c9c9cf; background: var(--panel); }
figure.claim blockquote { margin: 0; font-size: 16px; font-style: italic; }
figure.claim blockquote p { margin: 0; }
figure.claim blockquote p::before { content: "\\201C"; } figure.claim blockquote p::after { content: "\\201D"; }
figure.claim figcaption { margin-top: 4px; font-size: 13px; color: var(--muted); }
.setup, .summary { max-width: 880px; margin: 0; }
.summary .badge { margin-right: 4px; }
.numbers { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; margin-top: 6px; }
.figures { border: 1px solid var(--rule); border-radius: 6px; padding: 2px 14px 10px; }
.figures.published { background: var(--panel); }
.figures h3 { margin-top: 10px; }
.figures table { width: 100%; font-size: 14px; }
.figures th { font-weight: normal; }
.figures .note { display: block; color: var(--muted); font-size: 12px; }
.figures td.num { font-weight: 600; white-space: nowrap; }
.none { color: var(--muted); font-size: 14px; margin: 4px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 22px 26px; margin-top: 22px; }
figure.chart figcaption { font-size: 14px; margin-bottom: 4px; }
figure.chart .caption { color: var(--muted); }
figure.chart svg { display: block; max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; margin-top: 20px; }
table.data { font-size: 14px; min-width: 360px; }
table.data th, table.data td { padding-right: 28px; }
table.data caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
.failure { color: var(--disagrees); }
.failure pre { white-space: pre-wrap; background: #fdecea; padding: 8px 10px; border-radius: 4px; color: var(--ink); }
.notice { color: #9a6700; }
.report-footer { margin-top: 48px; padding-top: 12px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 13px; }
@media (max-width: 720px) { .numbers { grid-template-columns: 1fr; } .charts { grid-template-columns: 1fr; } body { padding: 16px; } }
@media print { .charts { grid-template-columns: 1fr 1fr; } section.experiment { break-before: page; } a { color: inherit; } }
`;
