/**
 * Which backend computes. `wasm` is the default wherever it loads; `js` is the fallback, and the reason a
 * load failed is kept so that `getBackend()` users can be told why (`backendFailure()`).
 *
 * In Node the wasm backend loads synchronously on first use. A browser compiles WebAssembly only
 * asynchronously, so a page awaits `ready()` (or `setBackend('wasm')`) before its first tensor; a tensor
 * made before that is on the js backend, and `backendFailure()` says so.
 */
import { JsBackend } from '../backend/js.js';
import type { Backend, BackendName } from '../backend/types.js';
import { describe } from '../util/describe.js';
import { checkWasmEnvironment, createWasmBackend, createWasmBackendSync, type WasmBackend, type WasmBackendOptions } from '../wasm/index.js';
import { environmentVariable, isNode } from '../wasm/host.js';

export const BACKEND_NAMES: readonly BackendName[] = ['js', 'wasm'];

const instances: Partial<Record<BackendName, Backend>> = {};
let current: Backend | null = null;
/** Whether `current` was chosen by setBackend (kept by ready()) rather than by default. */
let chosen = false;
let wasmFailure: string | null = null;

function js(): Backend {
  return (instances.js ??= new JsBackend());
}

function failureOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function tryWasmSync(): Backend | null {
  if (instances.wasm) return instances.wasm;
  if (!isNode()) {
    wasmFailure = "in a browser the wasm backend loads asynchronously: await ready() (or await setBackend('wasm')) before the first tensor";
    return null;
  }
  try {
    instances.wasm = createWasmBackendSync();
    wasmFailure = null;
    return instances.wasm;
  } catch (e) {
    wasmFailure = failureOf(e);
    return null;
  }
}

/** RECTIFIER_BACKEND, checked (Node only; undefined when unset). */
function wantedBackend(): BackendName | undefined {
  const wanted = environmentVariable('RECTIFIER_BACKEND');
  if (wanted === undefined || wanted === '') return undefined;
  if (!(BACKEND_NAMES as string[]).includes(wanted)) {
    throw new Error(`RECTIFIER_BACKEND must be one of ${BACKEND_NAMES.join(', ')} (or unset for wasm where it loads), got ${describe(wanted)}`);
  }
  return wanted as BackendName;
}

/** The backend in use, chosen on first use: RECTIFIER_BACKEND if set, else wasm where it loads, else js. */
export function backend(): Backend {
  if (current) return current;
  const wanted = wantedBackend();
  checkWasmEnvironment();
  current = wanted === 'js' ? js() : (tryWasmSync() ?? js());
  return current;
}

/**
 * Loads the default backend where that takes a wait — the wasm backend in a browser — and resolves
 * with its name once it and its kernel threads are ready: `await ready()` at the start of a page. In
 * Node it loads synchronously, so awaiting it is optional there. A backend chosen with setBackend is
 * kept. Resolves with 'js' when wasm cannot load (`backendFailure()` says why).
 *
 * `options` ({ threads, relaxedSimd }) apply when this call loads the wasm backend: a page has no
 * environment variables, so this is where it turns relaxed SIMD off (`relaxedSimd: false`, for the
 * rounding of the plain build) or starts fewer threads.
 */
export async function ready(options?: WasmBackendOptions): Promise<BackendName> {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`ready: options must be an object { threads?, relaxedSimd? }, got ${describe(options)}`);
  }
  if (options !== undefined && instances.wasm) {
    const loaded = instances.wasm as WasmBackend;
    if (options.relaxedSimd !== undefined && options.relaxedSimd !== loaded.info.relaxedSimd) {
      throw new Error(`ready: the wasm backend is already loaded with relaxedSimd ${loaded.info.relaxedSimd}; pass options to the first ready() call`);
    }
    if (options.threads !== undefined) loaded.setThreads(Math.min(options.threads, loaded.maxThreads));
  }
  if (!chosen) {
    const wanted = wantedBackend();
    checkWasmEnvironment();
    if (wanted === 'js') {
      current = js();
    } else {
      if (!instances.wasm) {
        try {
          instances.wasm = await createWasmBackend(undefined, options);
          wasmFailure = null;
        } catch (e) {
          wasmFailure = failureOf(e);
        }
      }
      current = instances.wasm ?? js();
    }
  }
  const b = backend();
  await (b as Partial<WasmBackend>).threadsReady?.();
  return b.name;
}

/** Switches backend. Tensors keep the backend they were created on; new ones use the new backend. */
export async function setBackend(name: BackendName): Promise<void> {
  if (!(BACKEND_NAMES as readonly unknown[]).includes(name)) {
    throw new Error(`setBackend: name must be one of ${BACKEND_NAMES.map((n) => `"${n}"`).join(', ')}, got ${describe(name)}`);
  }
  // A bad variable is an error even when the backend is chosen in code.
  wantedBackend();
  checkWasmEnvironment();
  if (name === 'js') {
    current = js();
    chosen = true;
    return;
  }
  if (!instances.wasm) {
    try {
      instances.wasm = await createWasmBackend();
      wasmFailure = null;
    } catch (e) {
      wasmFailure = failureOf(e);
      throw new Error(`setBackend: the wasm backend failed to load: ${wasmFailure}`);
    }
  }
  current = instances.wasm;
  chosen = true;
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
  const wasChosen = chosen;
  await setBackend(name);
  const b = current!;
  current = previous;
  chosen = wasChosen;
  return b;
}

/**
 * How many threads the current backend splits large kernel calls over (1 to the number of cores). The
 * split is deterministic: results are the same bits for any count. The js backend has one thread.
 */
export function setThreads(n: number): void {
  backend().setThreads(n);
}

/**
 * The number of threads the current backend uses for large kernel calls: all cores by default in Node
 * and in a cross-origin isolated page (RECTIFIER_THREADS or setThreads change it). A page that is not
 * cross-origin isolated runs one thread, because browsers share WebAssembly memory with workers only
 * when the page is served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`.
 */
export function getThreads(): number {
  return backend().threads;
}
