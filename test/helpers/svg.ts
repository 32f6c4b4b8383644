/**
 * Reads a chart's SVG the way a reader sees it, so report tests check what is drawn rather than how the
 * chart library happens to name its groups: the SVG is parsed (linkedom), and every drawn shape is
 * classified by its geometry and paint — a stroked polyline, a filled rectangle, a point symbol, a filled
 * area, a rule, a text — with the colours it inherits. Shapes inside the legend or an axis are flagged
 * (by their ARIA role description, the accessible meaning of the group) so counts cover the plot only.
 */
import { DOMParser } from 'linkedom';

export type Shape = 'line' | 'rect' | 'point' | 'area' | 'rule' | 'text';

export interface Mark {
  readonly shape: Shape;
  /** The painted fill colour (lower case), or undefined for none. */
  readonly fill?: string;
  readonly stroke?: string;
  /** Drawn with a visible dash pattern (not the solid "1,0"). */
  readonly dashed: boolean;
  readonly opacity: number;
  /** Text content, tspans joined by a space (text marks only). */
  readonly text?: string;
  /** Inside a legend or an axis rather than the plot. */
  readonly guide: boolean;
}

type El = { tagName: string; getAttribute(name: string): string | null; parentElement: El | null; children: ArrayLike<El>; textContent: string | null };

/** Walks up to the nearest ancestor (or self) that sets `name`. */
function inherited(el: El, name: string): string | undefined {
  for (let e: El | null = el; e; e = e.parentElement) {
    const v = e.getAttribute(name);
    if (v !== null) return v;
  }
  return undefined;
}

function paint(value: string | undefined): string | undefined {
  if (value === undefined || value === 'none' || value === 'transparent') return undefined;
  return value.toLowerCase();
}

function isGuide(el: El): boolean {
  for (let e: El | null = el; e; e = e.parentElement) {
    const role = e.getAttribute('aria-roledescription');
    if (role === 'legend' || role === 'axis') return true;
  }
  return false;
}

const RECTANGLE = /^M[-\d.e]+,[-\d.e]+h[-\d.e]+v[-\d.e]+h[-\d.e]+Z$/i;

function classify(el: El): Shape | null {
  const tag = el.tagName.toLowerCase();
  if (tag === 'text') return 'text';
  if (tag === 'line') return 'rule';
  // The canvas's own background (a rectangle straight under <svg>) is paper, not a mark.
  if (tag === 'rect') return el.parentElement?.tagName.toLowerCase() === 'svg' ? null : 'rect';
  if (tag !== 'path') return null;
  const d = el.getAttribute('d') ?? '';
  if (d === '' || el.getAttribute('display') === 'none') return null;
  const fill = paint(inherited(el, 'fill'));
  if (/translate\(/.test(el.getAttribute('transform') ?? '') && /A/.test(d)) return 'point';
  if (fill !== undefined && RECTANGLE.test(d)) return 'rect';
  if (fill !== undefined) return 'area';
  if (paint(inherited(el, 'stroke')) !== undefined) return 'line';
  return null;
}

/** A text's content; lines drawn as separate tspans are joined by a space. */
function textOf(el: El): string {
  const lines = Array.from(el.children);
  return lines.length > 0 ? lines.map((c) => c.textContent ?? '').join(' ') : (el.textContent ?? '');
}

/** Parses `svg` and lists every drawn shape. Throws when the text is not one well-formed SVG document. */
export function readSvg(svg: string): Mark[] {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml') as unknown as { documentElement: El | null };
  const root = doc.documentElement;
  if (!root || root.tagName.toLowerCase() !== 'svg') throw new Error(`not an SVG document: ${svg.slice(0, 80)}`);
  const marks: Mark[] = [];
  const visit = (el: El) => {
    const shape = classify(el);
    if (shape !== null) {
      const dash = inherited(el, 'stroke-dasharray');
      marks.push({
        shape,
        fill: paint(inherited(el, 'fill')),
        stroke: paint(inherited(el, 'stroke')),
        dashed: dash !== undefined && dash !== 'none' && !/^1,\s*0$/.test(dash),
        opacity: Number(inherited(el, 'opacity') ?? 1),
        ...(shape === 'text' ? { text: textOf(el) } : {}),
        guide: isGuide(el),
      });
    }
    if (shape !== 'text') for (const child of Array.from(el.children)) visit(child);
  };
  visit(root);
  return marks;
}

/** The plot's marks of one shape, optionally of one colour (fill for filled shapes, stroke for lines and rules). */
export function plotted(marks: readonly Mark[], shape: Shape, color?: string): Mark[] {
  return marks.filter(
    (m) => !m.guide && m.shape === shape && (color === undefined || (shape === 'line' || shape === 'rule' ? m.stroke : m.fill) === color.toLowerCase()),
  );
}

/** Every text drawn anywhere in the chart (titles, ticks, legend, labels). */
export function texts(marks: readonly Mark[]): string[] {
  return marks.filter((m) => m.shape === 'text').map((m) => m.text ?? '');
}
