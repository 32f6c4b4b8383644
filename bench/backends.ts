/** Rectifier's own backends for the suites: js always, wasm when it loads (and why not, when it does not). */
import { backendInstance } from 'rectifier';
import type { Backend } from 'rectifier';

export interface RectifierBackends {
  readonly js: Backend;
  readonly wasm: Backend | null;
  /** Why wasm did not load, or null. */
  readonly wasmFailure: string | null;
}

let loaded: Promise<RectifierBackends> | null = null;

export function rectifierBackends(): Promise<RectifierBackends> {
  return (loaded ??= (async () => {
    const js = await backendInstance('js');
    try {
      return { js, wasm: await backendInstance('wasm'), wasmFailure: null };
    } catch (e) {
      const reason = (e instanceof Error ? e.message : String(e)).replace(/^setBackend: /, '');
      return { js, wasm: null, wasmFailure: reason };
    }
  })());
}
