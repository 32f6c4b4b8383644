/**
 * One way to show a received value in an error message, so that every message of the project has the
 * form "<where>: <name> must be <expectation>, got <value>" and a user can fix the call from it alone.
 * Large values are summarised (an array by its length, a long string cut), never dumped.
 */

/** A class that knows how to describe itself (a Tensor says "a Tensor of shape [2, 3]") implements this. */
export const DESCRIBE: unique symbol = Symbol.for('rectifier.describe');

export interface SelfDescribing {
  [DESCRIBE](): string;
}

const MAX_TEXT = 60;

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

/** A short, single-line rendering of any value for an error message. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return JSON.stringify(cut(value));
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return String(value);
    case 'function':
      return 'a function';
  }
  const object = value as Record<PropertyKey, unknown>;
  if (typeof object[DESCRIBE] === 'function') return (value as SelfDescribing)[DESCRIBE]();
  if (Array.isArray(value)) {
    if (value.length <= 8 && value.every(isPrimitive)) return cut(`[${value.map((v) => describe(v)).join(', ')}]`);
    return `an array of length ${value.length}`;
  }
  if (ArrayBuffer.isView(value)) {
    const n = (value as unknown as { length?: number }).length ?? value.byteLength;
    return `a ${value.constructor.name} of length ${n}`;
  }
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  const proto = Object.getPrototypeOf(value);
  if (proto !== null && proto !== Object.prototype) {
    const name = (value as object).constructor?.name;
    return name ? `a ${name}` : 'an object';
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? 'an object';
  } catch {
    return 'an object';
  }
  return `an object ${cut(text)}`;
}
