/**
 * wasm/ — the WebAssembly SIMD backend: kernels written in AssemblyScript (assembly/), built into four
 * files by `npm install` (scripts/build-wasm.mjs; files.ts says which and where they are found), loaded
 * by load.ts, run by the WasmBackend (backend.ts) on a JS-side heap (memory.ts), with large calls split
 * (split.ts) over kernel threads (pool.ts, workers.ts) where the host can share memory (host.ts).
 *
 *   createWasmBackendSync(options?)          Node: reads and compiles the module synchronously
 *   createWasmBackend(source?, options?)     anywhere: the default build, or given bytes/URL/Response
 *   setWasmPaths(url)                        where a page fetches the .wasm files (esbuild, Rollup)
 */
export { WasmBackend } from './backend.js';
export type { ThreadSetup, WasmBackendInfo } from './backend.js';
export { bindActivationKernels } from './bind.js';
export { WASM_FILES, packagedWasmUrl, setWasmPaths, wasmFile } from './files.js';
export type { WasmFile, WasmPaths } from './files.js';
export { checkWasmEnvironment, createWasmBackend, createWasmBackendSync } from './load.js';
export type { WasmBackendOptions, WasmSource } from './load.js';
export { WasmHeap, WasmStorage, sizeClass } from './memory.js';

