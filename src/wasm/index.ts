/**
 * The WebAssembly SIMD backend: kernels written in AssemblyScript (assembly/), built to
 * build/rectifier.wasm by `npm install` (scripts/build-wasm.mjs), loaded here.
 *
 *   createWasmBackendSync()          Node: reads and compiles the module synchronously
 *   createWasmBackend(source?)       anywhere: a URL (fetched), bytes, a Response, or the default file
 *
 * Both throw an Error that says why the backend cannot load (no WebAssembly, no SIMD, file missing,
 * module out of date); src/backend/registry.ts then falls back to the js backend and keeps the reason.
 */
import type { Backend } from '../backend/types.js';
import { WasmBackend, bindActivationKernels, type KernelExports } from './backend.js';
import { webAssembly, type Bytes, type WasmModule, type WebAssemblyApi } from './engine.js';
import { MAX_PAGES, WasmHeap } from './memory.js';

export { WasmBackend } from './backend.js';
export { WasmHeap, WasmStorage, sizeClass } from './memory.js';

/** Where the build puts the module: build/ at the package root, two levels up from src/wasm or dist/wasm. */
export const WASM_FILE_URL = new URL('../../build/rectifier.wasm', import.meta.url);

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

function instantiate(wasm: WebAssemblyApi, module: WasmModule): Backend {
  const memory = new wasm.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES });
  let instance;
  try {
    instance = new wasm.Instance(module, { env: { memory } });
  } catch (e) {
    throw new Error(`rectifier.wasm failed to instantiate (${(e as Error).message}); rebuild it with npm run build:wasm -- --force`);
  }
  const exports = instance.exports as unknown as KernelExports & Record<string, unknown>;
  for (const name of ['heapBase', 'gemmScratchBytes', 'preluChannels', 'preluChannelsGrad'] as const) {
    if (typeof exports[name] !== 'function') {
      throw new Error(`rectifier.wasm has no export "${name}"; it is out of date: run npm run build:wasm`);
    }
  }
  return new WasmBackend(exports, new WasmHeap(memory, exports.heapBase()), bindActivationKernels(exports));
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
}

function nodeFs(): NodeFs | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined) ?? null;
}

function readDefaultFile(fs: NodeFs): Uint8Array {
  try {
    return fs.readFileSync(WASM_FILE_URL);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      throw new Error(`the WebAssembly kernels are not built: ${WASM_FILE_URL.pathname} is missing; run npm run build:wasm`);
    }
    throw new Error(`cannot read ${WASM_FILE_URL.pathname}: ${(e as Error).message}`);
  }
}

/** The wasm backend, loaded synchronously from build/rectifier.wasm (Node 20.16+, which has process.getBuiltinModule). */
export function createWasmBackendSync(): Backend {
  const wasm = checkEngine();
  const fs = nodeFs();
  if (!fs) {
    throw new Error('createWasmBackendSync needs Node 20.16 or later (process.getBuiltinModule); elsewhere use await createWasmBackend(url)');
  }
  return instantiate(wasm, compile(wasm, readDefaultFile(fs), WASM_FILE_URL.pathname));
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
