/**
 * Which backend computes. `wasm` is the default wherever it loads; `js` is the fallback, and the reason a
 * load failed is kept so that `getBackend()` users can be told why (`backendFailure()`).
 */
import { JsBackend } from '../backend/js.js';
import type { Backend, BackendName } from '../backend/types.js';
import { describe } from '../util/describe.js';
import { cores, createWasmBackend, createWasmBackendSync, relaxedSimdVariable, threadsVariable } from '../wasm/index.js';

export const BACKEND_NAMES: readonly BackendName[] = ['js', 'wasm'];

const instances: Partial<Record<BackendName, Backend>> = {};
let current: Backend | null = null;
let wasmFailure: string | null = null;

function js(): Backend {
  return (instances.js ??= new JsBackend());
}

function tryWasmSync(): Backend | null {
  if (instances.wasm) return instances.wasm;
  try {
    instances.wasm = createWasmBackendSync();
    wasmFailure = null;
    return instances.wasm;
  } catch (e) {
    wasmFailure = e instanceof Error ? e.message : String(e);
    return null;
  }
}

function variable(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

/**
 * Checks the environment variables that configure the backends before any is loaded: a bad value is an
 * error naming the variable and what it accepts, not a quiet fallback to the slower js backend (whose
 * load failure would otherwise be taken for a missing wasm). Returns the backend asked for, if any.
 */
function checkEnvironment(): BackendName | null {
  const wanted = variable('RECTIFIER_BACKEND');
  if (wanted !== undefined && wanted !== '' && !(BACKEND_NAMES as string[]).includes(wanted)) {
    throw new Error(`RECTIFIER_BACKEND must be one of ${BACKEND_NAMES.join(', ')} (or unset for wasm where it loads), got ${describe(wanted)}`);
  }
  const threads = variable('RECTIFIER_THREADS');
  if (threads !== undefined && threads !== '') threadsVariable(threads, cores());
  relaxedSimdVariable(variable('RECTIFIER_RELAXED_SIMD'));
  return wanted === 'js' || wanted === 'wasm' ? wanted : null;
}

/** The backend in use, chosen on first use: RECTIFIER_BACKEND if set, else wasm where it loads, else js. */
export function backend(): Backend {
  if (current) return current;
  const wanted = checkEnvironment();
  current = wanted === 'js' ? js() : (tryWasmSync() ?? js());
  return current;
}

/** Switches backend. Tensors keep the backend they were created on; new ones use the new backend. */
export async function setBackend(name: BackendName): Promise<void> {
  if (!(BACKEND_NAMES as readonly unknown[]).includes(name)) {
    throw new Error(`setBackend: name must be one of ${BACKEND_NAMES.map((n) => `"${n}"`).join(', ')}, got ${describe(name)}`);
  }
  checkEnvironment();
  if (name === 'js') {
    current = js();
    return;
  }
  if (!instances.wasm) {
    try {
      instances.wasm = await createWasmBackend();
      wasmFailure = null;
    } catch (e) {
      wasmFailure = e instanceof Error ? e.message : String(e);
      throw new Error(`setBackend: the wasm backend failed to load: ${wasmFailure}`);
    }
  }
  current = instances.wasm;
}

export function getBackend(): BackendName {
  return backend().name;
}

/** Why the wasm backend is not available, or null when it loaded (or was never tried). */
export function backendFailure(): string | null {
  return wasmFailure;
}

/** A backend by name without making it current (benchmarks and conformance tests run both). */
export async function backendInstance(name: BackendName): Promise<Backend> {
  const previous = current;
  await setBackend(name);
  const b = current!;
  current = previous;
  return b;
}

/**
 * How many threads the current backend splits large kernel calls over (1 to the number of cores). The
 * split is deterministic: results are the same bits for any count. The js backend has one thread.
 */
export function setThreads(n: number): void {
  backend().setThreads(n);
}

/** The number of threads the current backend uses for large kernel calls. */
export function getThreads(): number {
  return backend().threads;
}
