/**
 * backend/ — the kernel interface (`Kernels`, `Backend`), the JS reference backend, and the registry
 * that picks wasm where it loads and js otherwise.
 */
export type { ActivationCall, Backend, BackendName, DType, Kernels, MatmulEpilogue, MatmulShape, Storage } from './types.js';
export { JsBackend, jsKernels, matmulReference, arrayStorage } from './js.js';
export { backend, backendFailure, backendInstance, getBackend, getThreads, setBackend, setThreads, BACKEND_NAMES } from './registry.js';
