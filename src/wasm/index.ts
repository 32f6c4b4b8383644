/**
 * The WebAssembly SIMD backend: kernels written in AssemblyScript (assembly/), built to build/*.wasm by
 * `npm install`, loaded here.
 */
import type { Backend } from '../backend/types.js';

export function createWasmBackendSync(): Backend {
  throw new Error('the WebAssembly kernels are not built yet');
}

export async function createWasmBackend(): Promise<Backend> {
  return createWasmBackendSync();
}
