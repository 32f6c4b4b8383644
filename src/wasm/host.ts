/**
 * What the host offers the wasm backend, Node or a browser (a page or a worker), found by feature tests.
 * This folder is part of the browser entry, so nothing here imports a Node module: Node's built-ins are
 * reached through `process.getBuiltinModule` (Node 20.16+), which bundlers do not follow, and every
 * Node global is read behind a `typeof` test, never at module load.
 */

interface NodeProcess {
  env?: Record<string, string | undefined>;
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return proc?.versions?.node ? proc : undefined;
}

/** True in Node (not in a browser, even one whose bundler defines a `process` object). */
export function isNode(): boolean {
  return nodeProcess() !== undefined;
}

/** An environment variable in Node; undefined elsewhere. */
export function environmentVariable(name: string): string | undefined {
  return nodeProcess()?.env?.[name];
}

/** A Node built-in module (`node:fs` …), or null outside Node or before Node 20.16. */
export function nodeBuiltin<T>(id: string): T | null {
  return (nodeProcess()?.getBuiltinModule?.(id) as T | undefined) ?? null;
}

/** Logical cores: Node's availableParallelism, a browser's navigator.hardwareConcurrency, else 1. */
export function cores(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number }>('node:os');
  const fromNode = os?.availableParallelism?.();
  const fromBrowser = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  const n = fromNode ?? fromBrowser ?? 1;
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** The browser's constructor for dedicated workers, where there is one. */
export interface WebWorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void;
  terminate(): void;
}

export type WebWorkerConstructor = new (url: string, options?: { name?: string }) => WebWorkerLike;

export function webWorkerConstructor(): WebWorkerConstructor | null {
  return (globalThis as { Worker?: WebWorkerConstructor }).Worker ?? null;
}

/**
 * Why WebAssembly memory cannot be shared with other threads here, or null when it can. In Node it
 * always can (worker_threads); a browser allows it only in a cross-origin isolated context, which a
 * page gets by being served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`.
 */
export function sharedMemoryUnavailable(): string | null {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') {
    if (isNode()) return 'this engine has no SharedArrayBuffer';
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so WebAssembly memory cannot be shared with workers';
  }
  if (isNode()) {
    return nodeBuiltin('node:worker_threads') ? null : 'node:worker_threads is not available (Node 20.16 or later has process.getBuiltinModule)';
  }
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so WebAssembly memory cannot be shared with workers';
  }
  return webWorkerConstructor() ? null : 'this context cannot start Web Workers';
}

let blocking: boolean | null = null;

/**
 * Whether this thread may block in Atomics.wait. Node's main thread and workers may; a browser's main
 * thread may not (it throws), so there a caller waiting for kernel threads spins instead.
 */
export function mayBlock(): boolean {
  if (blocking !== null) return blocking;
  try {
    // Returns "not-equal" at once where waiting is allowed; throws where it is not.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    blocking = true;
  } catch {
    blocking = false;
  }
  return blocking;
}
