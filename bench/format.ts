/** Numbers, sizes and compact plain-text tables for the suites' terminal output. */
import Table from 'cli-table3';

/** A rate with three significant digits; '—' when not measured. */
export function formatRate(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (v >= 1000) return v.toExponential(2);
  if (v >= 100) return v.toFixed(0);
  return v.toPrecision(3);
}

/** A ratio such as "1.23×"; '—' when either side was not measured. */
export function formatRatio(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return `${v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`;
}

/** 4096 → "4K", 1048576 → "1M"; other counts as they are. */
export function formatSize(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)}M`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)}K`;
  return String(n);
}

/** "4096", "4K", "64k", "1M", "16M" → element count. */
export function parseSize(text: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(text.trim());
  if (!m) throw new Error(`--sizes: "${text}" is not a size (use counts like 4096 or 4K, 64K, 1M, 16M)`);
  const n = Number(m[1]) * (m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1 << 10 : 1 << 20);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--sizes: "${text}" must be a positive element count`);
  return n;
}

/** A borderless table: a header, a rule, right-aligned cells except the first `leftColumns`. */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const table = new Table({
    head: [...head],
    colAligns: head.map((_, i) => (i < leftColumns ? 'left' : 'right')),
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '─', 'mid-mid': '─', right: '', 'right-mid': '', middle: ' ',
    },
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 1 },
  });
  table.push(...rows.map((r) => [...r]));
  // With compact: true cli-table3 keeps only the rule under the header; trailing spaces are noise.
  return table.toString().split('\n').map((l) => l.trimEnd()).join('\n');
}
