/**
 * runtime/ — which backend computes: wasm wherever it loads, js otherwise (`setBackend`, `getBackend`,
 * `backendFailure`), and how many threads it splits large kernel calls over (`setThreads`, `getThreads`).
 */
export { BACKEND_NAMES, backend, backendFailure, backendInstance, getBackend, getThreads, setBackend, setThreads } from './backend.js';
