/**
 * Loading the wasm backend: which build this engine and host can run (files.ts names them), reading or
 * fetching it, compiling, and instantiating it on a memory of the right kind.
 *
 *   createWasmBackendSync(options?)          Node: reads and compiles the module synchronously
 *   createWasmBackend(source?, options?)     anywhere: the default build (read in Node, fetched in a
 *                                            browser), or given bytes, a URL or a fetch Response
 *
 * The build: shared memory with kernel threads where the host can share memory (Node; a cross-origin
 * isolated page), else the module's own memory and one thread; relaxed SIMD (fused multiply-add in the
 * GEMM) where the engine has it, unless RECTIFIER_RELAXED_SIMD=0 or `relaxedSimd: false` turn it off.
 * Both throw an Error that says why the backend cannot load (no WebAssembly, no SIMD, file missing,
 * module out of date); src/runtime/ then falls back to the js backend and keeps the reason.
 */
import { describe } from '../util/describe.js';
import { WasmBackend, type ThreadSetup, type WasmBackendInfo } from './backend.js';
import { bindActivationKernels, checkExports } from './bind.js';
import { checkEngine, hasRelaxedSimd, type Bytes, type WasmModule, type WebAssemblyApi } from './engine.js';
import { wasmFile, wasmPathsConfigured, wasmUrl, type WasmFile } from './files.js';
import { cores, environmentVariable, isNode, nodeBuiltin, sharedMemoryUnavailable } from './host.js';
import { MAX_PAGES, WasmHeap } from './memory.js';

/** A few MiB to start with; the heap grows the memory on demand. */
const INITIAL_PAGES = 64;

export interface WasmBackendOptions {
  /**
   * Threads large kernel calls are split over, 1 to the number of cores (default: RECTIFIER_THREADS, else
   * all cores). Changeable later with backend.setThreads(n). Where memory cannot be shared, 1.
   */
  readonly threads?: number;
  /**
   * Use a relaxed-SIMD build, whose GEMM uses fused multiply-add (faster, with different rounding).
   * Default: RECTIFIER_RELAXED_SIMD (1 on, 0 off) where set, else on wherever the engine has relaxed SIMD
   * (Chromium 114+, Node 22+; Node 20 with --experimental-wasm-relaxed-simd). When it is not used,
   * backend.info.relaxedSimdFailure says why.
   */
  readonly relaxedSimd?: boolean;
}

export type WasmSource = string | URL | ArrayBuffer | ArrayBufferView | Response;

/** Which build to load, and why the faster ones are not used. */
interface BuildChoice {
  readonly file: WasmFile;
  readonly shared: boolean;
  readonly relaxedSimd: boolean;
  readonly relaxedSimdFailure: string | null;
  readonly threadsUnavailable: string | null;
}

const RELAXED_MISSING = 'this engine has no relaxed SIMD (Chromium 114+ and Node 22+ have it; Node 20 needs --experimental-wasm-relaxed-simd)';

/**
 * Checks RECTIFIER_RELAXED_SIMD and RECTIFIER_THREADS, so that a typing mistake is an error rather than a
 * silent fallback to the js backend.
 */
export function checkWasmEnvironment(): void {
  const relaxed = environmentVariable('RECTIFIER_RELAXED_SIMD');
  if (relaxed !== undefined && relaxed !== '' && relaxed !== '0' && relaxed !== '1') {
    throw new RangeError(`RECTIFIER_RELAXED_SIMD must be 1 (use relaxed SIMD) or 0 (do not), got ${describe(relaxed)}`);
  }
  const threads = environmentVariable('RECTIFIER_THREADS');
  if (threads !== undefined && threads !== '' && !(Number.isInteger(Number(threads)) && Number(threads) >= 1)) {
    throw new RangeError(`RECTIFIER_THREADS must be a whole number of threads from 1 to ${cores()} (the cores of this machine; larger values are capped at ${cores()}), got ${describe(threads)}`);
  }
}

function checkOptions(fn: string, options: WasmBackendOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be an object { threads?, relaxedSimd? }, got ${describe(options)}`);
  const { threads, relaxedSimd } = options;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new RangeError(`${fn}: options.threads must be a positive integer, got ${describe(threads)}`);
  }
  if (relaxedSimd !== undefined && typeof relaxedSimd !== 'boolean') {
    throw new TypeError(`${fn}: options.relaxedSimd must be a boolean, got ${describe(relaxedSimd)}`);
  }
}

function chooseBuild(wasm: WebAssemblyApi, options: WasmBackendOptions): BuildChoice {
  checkWasmEnvironment();
  const threadsUnavailable = sharedMemoryUnavailable();
  const shared = threadsUnavailable === null;
  const fromEnv = environmentVariable('RECTIFIER_RELAXED_SIMD');
  const asked = options.relaxedSimd ?? (fromEnv === '1' ? true : fromEnv === '0' ? false : undefined);
  const supported = hasRelaxedSimd(wasm);
  const relaxedSimd = asked !== false && supported;
  let relaxedSimdFailure: string | null = null;
  if (!relaxedSimd) {
    relaxedSimdFailure = asked === false
      ? (options.relaxedSimd === false ? 'turned off by the relaxedSimd: false option' : 'turned off by RECTIFIER_RELAXED_SIMD=0')
      : RELAXED_MISSING;
  }
  return { file: wasmFile(shared, relaxedSimd), shared, relaxedSimd, relaxedSimdFailure, threadsUnavailable };
}

function threadSetup(module: WasmModule, choice: BuildChoice, options: WasmBackendOptions): Omit<ThreadSetup, 'memory'> | null {
  if (!choice.shared) return null;
  const maxThreads = cores();
  const fromEnv = environmentVariable('RECTIFIER_THREADS');
  const wanted = options.threads ?? (fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : maxThreads);
  return { module, maxThreads, threads: Math.min(wanted, maxThreads) };
}

function instantiate(wasm: WebAssemblyApi, module: WasmModule, threads: Omit<ThreadSetup, 'memory'> | null, info: WasmBackendInfo): WasmBackend {
  const memory = new wasm.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, ...(threads ? { shared: true } : {}) });
  let instance;
  try {
    instance = new wasm.Instance(module, { env: { memory } });
  } catch (e) {
    throw new Error(`${info.module} failed to instantiate (${(e as Error).message}); rebuild it with npm run build:wasm -- --force`);
  }
  const raw = instance.exports;
  const exports = checkExports(raw);
  return new WasmBackend(exports, new WasmHeap(memory, exports.heapBase()), bindActivationKernels(raw), threads ? { ...threads, memory } : null, info);
}

function infoOf(choice: BuildChoice, file: string = choice.file): WasmBackendInfo {
  return { module: file, relaxedSimd: choice.relaxedSimd, relaxedSimdFailure: choice.relaxedSimdFailure, threadsUnavailable: choice.threadsUnavailable };
}

function invalid(from: string, e: unknown): Error {
  return new Error(`${from} is not a valid rectifier.wasm (${(e as Error).message}); rebuild it with npm run build:wasm -- --force`);
}

interface NodeFs {
  readFileSync(path: URL | string): Uint8Array;
}

/** Where a build is on disk in Node (a file: URL or a path), or null when it is not a local file. */
function localFile(where: string | URL): URL | string | null {
  if (where instanceof URL) return where.protocol === 'file:' ? where : null;
  if (/^file:/i.test(where)) return new URL(where);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(where) ? null : where;
}

function readLocal(fs: NodeFs, file: URL | string): Uint8Array {
  const shown = file instanceof URL ? decodeURIComponent(file.pathname) : file;
  try {
    return fs.readFileSync(file);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      throw new Error(`the WebAssembly kernels are missing: ${shown} does not exist (in a checkout, run npm run build:wasm)`);
    }
    throw new Error(`cannot read ${shown}: ${(e as Error).message}`);
  }
}

/**
 * The wasm backend, loaded synchronously (Node 20.16 or later, which has process.getBuiltinModule): the
 * shared-memory build with kernel threads, with relaxed SIMD where the engine has it.
 */
export function createWasmBackendSync(options: WasmBackendOptions = {}): WasmBackend {
  checkOptions('createWasmBackendSync', options);
  const wasm = checkEngine();
  const fs = nodeBuiltin<NodeFs>('node:fs');
  if (!fs) {
    throw new Error(isNode()
      ? 'the wasm backend loads synchronously only on Node 20.16 or later (process.getBuiltinModule); on older Node, await ready() first'
      : 'in a browser the wasm backend loads asynchronously: await ready() (or await setBackend(\'wasm\')) before the first tensor');
  }
  let choice = chooseBuild(wasm, options);
  const read = (file: WasmFile): Uint8Array => {
    const where = localFile(wasmUrl(file));
    if (where === null) throw new Error(`${String(wasmUrl(file))} is not a local file; a URL is fetched by await ready() or await setBackend('wasm')`);
    return readLocal(fs, where);
  };
  let module: WasmModule;
  try {
    module = new wasm.Module(read(choice.file));
  } catch (e) {
    if (!choice.relaxedSimd) throw e instanceof Error && /missing|not a local/.test(e.message) ? e : invalid(choice.file, e);
    // The engine passed the feature test but refused the build: use the plain one and say why.
    choice = { ...choice, relaxedSimd: false, relaxedSimdFailure: `${choice.file} failed to compile (${(e as Error).message})`, file: wasmFile(choice.shared, false) };
    try {
      module = new wasm.Module(read(choice.file));
    } catch (e2) {
      throw e2 instanceof Error && /missing|not a local/.test(e2.message) ? e2 : invalid(choice.file, e2);
    }
  }
  return instantiate(wasm, module, threadSetup(module, choice, options), infoOf(choice));
}

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`cannot fetch ${url}: ${(e as Error).message}`);
  }
  if (!response.ok) {
    const hint = wasmPathsConfigured()
      ? 'is setWasmPaths pointing at the directory that serves the .wasm files?'
      : 'a bundler that does not copy the .wasm files (esbuild, Rollup) needs them served and setWasmPaths(\'/their/directory/\') called before ready() (the files are in node_modules/rectifier/build/)';
    throw new Error(`cannot fetch ${url}: HTTP ${response.status}; ${hint}`);
  }
  return response.arrayBuffer();
}

async function compileAsync(wasm: WebAssemblyApi, bytes: Bytes, from: string): Promise<WasmModule> {
  try {
    return await wasm.compile(bytes);
  } catch (e) {
    throw invalid(from, e);
  }
}

/**
 * The wasm backend, compiled asynchronously (the only way browsers allow for a module this size).
 * Without a source, the build this host and engine run best (see the top of this file), read from disk
 * in Node and fetched elsewhere (setWasmPaths says from where). A given source (bytes, a URL or a
 * Response) is one build: the memory it runs on is the one it imports (own, or shared with threads).
 */
export async function createWasmBackend(source?: WasmSource, options: WasmBackendOptions = {}): Promise<WasmBackend> {
  checkOptions('createWasmBackend', options);
  const wasm = checkEngine();
  if (source === undefined) {
    let choice = chooseBuild(wasm, options);
    if (isNode() && nodeBuiltin('node:fs') && localFile(wasmUrl(choice.file)) !== null) return createWasmBackendSync(options);
    const url = String(wasmUrl(choice.file));
    let module: WasmModule;
    try {
      module = await compileAsync(wasm, await fetchBytes(url), url);
    } catch (e) {
      if (!choice.relaxedSimd || /cannot fetch/.test((e as Error).message)) throw e;
      choice = { ...choice, relaxedSimd: false, relaxedSimdFailure: `${choice.file} failed to compile (${(e as Error).message})`, file: wasmFile(choice.shared, false) };
      const plain = String(wasmUrl(choice.file));
      module = await compileAsync(wasm, await fetchBytes(plain), plain);
    }
    return instantiate(wasm, module, threadSetup(module, choice, options), infoOf(choice));
  }
  let bytes: Bytes;
  let from: string;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    bytes = source;
    from = 'the given bytes';
  } else if (typeof Response !== 'undefined' && source instanceof Response) {
    bytes = await source.arrayBuffer();
    from = source.url || 'the given Response';
  } else if (typeof source === 'string' || source instanceof URL) {
    from = String(source);
    const local = isNode() ? localFile(source) : null;
    const fs = nodeBuiltin<NodeFs>('node:fs');
    bytes = local !== null && fs ? readLocal(fs, local) : await fetchBytes(from);
  } else {
    throw new TypeError(`createWasmBackend: source must be a URL, a string URL, bytes or a Response, got ${describe(source)}`);
  }
  const module = await compileAsync(wasm, bytes, from);
  const choice = chooseBuild(wasm, options);
  // A given module is taken as it is: which instructions it uses is its own affair.
  const info = { module: from, relaxedSimd: false, relaxedSimdFailure: null };
  // The module says which memory it imports; try its own first, then a shared one.
  try {
    return instantiate(wasm, module, null, { ...info, threadsUnavailable: 'the given module has its own memory' });
  } catch (e) {
    if (!choice.shared) throw e;
    return instantiate(wasm, module, threadSetup(module, choice, options), { ...info, threadsUnavailable: null });
  }
}
