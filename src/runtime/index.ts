/**
 * runtime/ — which backend computes: wasm wherever it loads, js otherwise (`ready`, `setBackend`,
 * `getBackend`, `backendFailure`), where a page finds the .wasm files (`setWasmPaths`), and how many
 * threads large kernel calls are split over (`setThreads`, `getThreads`).
 */
export { BACKEND_NAMES, backend, backendFailure, backendInstance, getBackend, getThreads, ready, setBackend, setThreads } from './backend.js';
export { setWasmPaths } from '../wasm/index.js';
export type { WasmBackendInfo, WasmFile, WasmPaths } from '../wasm/index.js';
