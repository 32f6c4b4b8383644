// Argument checks shared by the data layer. Every message has the form
// `<function>: <argument> must be <expectation>, got <value>` so a user can fix the call from the
// message alone.

/** Renders a received value for an error message without dumping large arrays. */
export function show(value: unknown): string {
  if (typeof value === 'number') {
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    const n = (value as unknown as { length?: number }).length ?? value.byteLength;
    return `a ${value.constructor.name} of length ${n}`;
  }
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

export function fail(fn: string, name: string, expected: string, got: unknown): never {
  throw new Error(`${fn}: ${name} must be ${expected}, got ${show(got)}`);
}

export function positiveInt(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    fail(fn, name, 'a positive integer', value);
  }
  return value;
}

export function nonNegativeInt(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(fn, name, 'a non-negative integer', value);
  }
  return value;
}

export function intInRange(fn: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(fn, name, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

export function finiteAtLeast(fn: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    fail(fn, name, `a finite number >= ${min}`, value);
  }
  return value;
}

export function positiveFinite(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(fn, name, 'a finite number > 0', value);
  }
  return value;
}

export function openFraction(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value >= 1) {
    fail(fn, name, 'a number strictly between 0 and 1', value);
  }
  return value;
}

export function seedValue(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    fail(fn, name, 'a safe integer', value);
  }
  return value;
}

export function booleanValue(fn: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(fn, name, 'a boolean', value);
  return value;
}

export function optionsObject<T extends object>(fn: string, value: T | undefined, known: readonly string[]): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(fn, 'options', 'an object', value);
  }
  // Misspelled options otherwise fall back to defaults silently, which hides the mistake.
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new Error(`${fn}: unknown option ${JSON.stringify(key)}; expected one of ${known.join(', ')}`);
    }
  }
  return value;
}
