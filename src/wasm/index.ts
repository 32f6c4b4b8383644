/**
 * The WebAssembly SIMD backend: kernels written in AssemblyScript (assembly/), built to
 * build/rectifier.wasm by `npm install` (scripts/build-wasm.mjs), loaded here.
 *
 *   createWasmBackendSync()          Node: reads and compiles the module synchronously
 *   createWasmBackend(source?)       anywhere: a URL (fetched), bytes, a Response, or the default file
 *
 * Both throw an Error that says why the backend cannot load (no WebAssembly, no SIMD, file missing,
 * module out of date); src/runtime/backend.ts then falls back to the js backend and keeps the reason.
 */
import type { Backend } from '../backend/types.js';
import { WasmBackend, bindActivationKernels, type KernelExports, type ThreadSetup, type WasmBackendInfo } from './backend.js';
import { threadsSupported } from './threads.js';
import { webAssembly, type Bytes, type WasmModule, type WebAssemblyApi } from './engine.js';
import { MAX_PAGES, WasmHeap } from './memory.js';

export { WasmBackend } from './backend.js';
export type { WasmBackendInfo } from './backend.js';
export { WasmHeap, WasmStorage, sizeClass } from './memory.js';

/** Where the build puts the module: build/ at the package root, two levels up from src/wasm or dist/wasm. */
export const WASM_FILE_URL = new URL('../../build/rectifier.wasm', import.meta.url);
/** The same kernels on a shared memory, which Node's kernel threads use. */
export const WASM_MT_FILE_URL = new URL('../../build/rectifier-mt.wasm', import.meta.url);
/** The shared-memory build with relaxed SIMD (fused multiply-add in the GEMM): opt-in. */
export const WASM_MT_RELAXED_FILE_URL = new URL('../../build/rectifier-mt-relaxed.wasm', import.meta.url);

/** A few MiB to start with; the heap grows the memory on demand. */
const INITIAL_PAGES = 64;

// (module (func (result v128) i32.const 0 i8x16.splat)): valid exactly when the engine has SIMD.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b,
]);

function checkEngine(): WebAssemblyApi {
  const wasm = webAssembly();
  if (!wasm) throw new Error('WebAssembly is not available in this JavaScript engine');
  if (!wasm.validate(SIMD_PROBE)) {
    throw new Error('this JavaScript engine does not support WebAssembly SIMD (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+ do)');
  }
  return wasm;
}

function instantiate(
  wasm: WebAssemblyApi, module: WasmModule, threads: Omit<ThreadSetup, 'module' | 'memory'> | null = null, info?: WasmBackendInfo,
): Backend {
  const memory = new wasm.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, ...(threads ? { shared: true } : {}) });
  let instance;
  try {
    instance = new wasm.Instance(module, { env: { memory } });
  } catch (e) {
    throw new Error(`rectifier.wasm failed to instantiate (${(e as Error).message}); rebuild it with npm run build:wasm -- --force`);
  }
  const exports = instance.exports as unknown as KernelExports & Record<string, unknown>;
  for (const name of [
    'heapBase', 'gemmScratchBytes', 'preluChannels', 'preluChannelsGrad', 'conv2dForwardRows', 'conv2dBackwardInputRows',
    'conv2dBackwardFilterRows', 'conv2dBackwardFilterChunks', 'maxPoolImages', 'maxPoolBackwardRange', 'maxPoolBackwardTiled', 'directPanelFloats', 'sumSquaresF64', 'squaredDistanceF64', 'absMaxF32', 'maxPoolCheck', 'sumRows',
    'sumAxisF64', 'sgdUpdate', 'adamUpdate',
  ] as const) {
    if (typeof exports[name] !== 'function') {
      throw new Error(`rectifier.wasm has no export "${name}"; it is out of date: run npm run build:wasm`);
    }
  }
  const setup = threads ? { module, memory, ...threads } : null;
  return new WasmBackend(exports, new WasmHeap(memory, exports.heapBase()), bindActivationKernels(exports), setup, info);
}

function compile(wasm: WebAssemblyApi, bytes: Bytes, from: string): WasmModule {
  try {
    return new wasm.Module(bytes);
  } catch (e) {
    throw new Error(`${from} is not a valid rectifier.wasm (${(e as Error).message}); rebuild it with npm run build:wasm -- --force`);
  }
}

interface NodeFs {
  readFileSync(path: URL): Uint8Array;
  existsSync(path: URL): boolean;
}

function nodeFs(): NodeFs | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined) ?? null;
}

function readFile(fs: NodeFs, url: URL): Uint8Array {
  try {
    return fs.readFileSync(url);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      throw new Error(`the WebAssembly kernels are not built: ${url.pathname} is missing; run npm run build:wasm`);
    }
    throw new Error(`cannot read ${url.pathname}: ${(e as Error).message}`);
  }
}

export interface WasmBackendOptions {
  /**
   * Threads large kernel calls are split over, 1 to the number of cores (default: RECTIFIER_THREADS, else
   * all cores). Changeable later with backend.setThreads(n).
   */
  readonly threads?: number;
  /**
   * Use the relaxed-SIMD build, whose GEMM uses fused multiply-add: faster where the engine has relaxed
   * SIMD (Node 20: --experimental-wasm-relaxed-simd), with different rounding. Default: RECTIFIER_RELAXED_SIMD=1.
   * When the engine lacks it, the default build is used and backend.info.relaxedSimdFailure says why.
   */
  readonly relaxedSimd?: boolean;
}

function env(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

/** The cores kernel threads can use (1 where this cannot be known). */
export function cores(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return Math.max(1, os?.availableParallelism?.() ?? 1);
}

function threadOption(options: WasmBackendOptions, maxThreads: number): number {
  const given = options.threads;
  if (given !== undefined) {
    if (!Number.isInteger(given) || given < 1) throw new RangeError(`createWasmBackendSync: options.threads must be a positive integer, got ${String(given)}`);
    return Math.min(given, maxThreads);
  }
  const text = env('RECTIFIER_THREADS');
  if (text === undefined || text === '') return maxThreads;
  return threadsVariable(text, maxThreads);
}

/**
 * RECTIFIER_THREADS as a thread count: a whole number from 1, capped at the cores (a script written for a
 * larger machine still runs). Anything else is an error naming the variable and the valid range, never a
 * silent fallback.
 */
export function threadsVariable(text: string, maxThreads: number): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`RECTIFIER_THREADS must be a whole number of threads from 1 to ${maxThreads} (the cores of this machine; larger values are capped at ${maxThreads}), got ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}`);
  }
  return Math.min(n, maxThreads);
}

/** RECTIFIER_RELAXED_SIMD: '1' for the relaxed-SIMD build, '0' or unset for the default. */
export function relaxedSimdVariable(text: string | undefined): boolean {
  if (text === undefined || text === '' || text === '0') return false;
  if (text === '1') return true;
  throw new RangeError(`RECTIFIER_RELAXED_SIMD must be 1 (use relaxed SIMD) or 0 (do not), got ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}`);
}

/**
 * The wasm backend, loaded synchronously (Node 20.16+, which has process.getBuiltinModule): the shared-
 * memory build with kernel threads where worker_threads exist, else build/rectifier.wasm.
 */
export function createWasmBackendSync(options: WasmBackendOptions = {}): Backend {
  if (options === null || typeof options !== 'object') throw new TypeError(`createWasmBackendSync: options must be an object, got ${String(options)}`);
  const wasm = checkEngine();
  const fs = nodeFs();
  if (!fs) {
    throw new Error('createWasmBackendSync needs Node 20.16 or later (process.getBuiltinModule); elsewhere use await createWasmBackend(url)');
  }
  const shared = threadsSupported() && typeof SharedArrayBuffer !== 'undefined' && fs.existsSync(WASM_MT_FILE_URL);
  if (!shared) {
    return instantiate(wasm, compile(wasm, readFile(fs, WASM_FILE_URL), WASM_FILE_URL.pathname));
  }
  const maxThreads = cores();
  const threads = { maxThreads, threads: threadOption(options, maxThreads) };
  const relaxed = options.relaxedSimd ?? relaxedSimdVariable(env('RECTIFIER_RELAXED_SIMD'));
  let relaxedSimdFailure: string | null = null;
  if (relaxed) {
    try {
      const module = new wasm.Module(readFile(fs, WASM_MT_RELAXED_FILE_URL));
      return instantiate(wasm, module, threads, { module: 'rectifier-mt-relaxed.wasm', relaxedSimd: true, relaxedSimdFailure: null });
    } catch (e) {
      // Engines without relaxed SIMD reject the module at compile time.
      relaxedSimdFailure = `${(e as Error).message} (Node 20 needs --experimental-wasm-relaxed-simd)`;
    }
  }
  const module = compile(wasm, readFile(fs, WASM_MT_FILE_URL), WASM_MT_FILE_URL.pathname);
  return instantiate(wasm, module, threads, { module: 'rectifier-mt.wasm', relaxedSimd: false, relaxedSimdFailure });
}

export type WasmSource = string | URL | ArrayBuffer | ArrayBufferView | Response;

/**
 * The wasm backend, compiled asynchronously (the only way browsers allow for a module this size).
 * `source` is the module's URL (fetched), its bytes, or a fetch Response; by default build/rectifier.wasm
 * next to this package, read from disk in Node and fetched elsewhere.
 */
export async function createWasmBackend(source?: WasmSource): Promise<Backend> {
  const wasm = checkEngine();
  if (source === undefined) {
    const fs = nodeFs();
    if (fs) return createWasmBackendSync();
    source = WASM_FILE_URL;
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return instantiate(wasm, await compileAsync(wasm, source, 'the given bytes'));
  }
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return instantiate(wasm, await compileAsync(wasm, await source.arrayBuffer(), source.url || 'the given Response'));
  }
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new TypeError(`createWasmBackend: source must be a URL, a string URL, bytes or a Response, got ${typeof source}`);
  }
  const url = String(source);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`cannot fetch ${url}: ${(e as Error).message}`);
  }
  if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}; is the module built (npm run build:wasm) and served?`);
  return instantiate(wasm, await compileAsync(wasm, await response.arrayBuffer(), url));
}

async function compileAsync(wasm: WebAssemblyApi, bytes: Bytes, from: string): Promise<WasmModule> {
  try {
    return await wasm.compile(bytes);
  } catch (e) {
    throw new Error(`${from} is not a valid rectifier.wasm (${(e as Error).message}); rebuild it with npm run build:wasm -- --force`);
  }
}
