/**
 * The parts of the WebAssembly JavaScript API this backend uses, typed here because the project's lib
 * setting (ES2022, no DOM) declares none, and a global declaration would clash with a DOM lib later;
 * and the feature tests that decide which build of the kernels an engine can run.
 */
export type Bytes = ArrayBuffer | ArrayBufferView;

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

export interface WasmGlobal {
  readonly value: unknown;
}

/** A compiled module (opaque). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Bytes) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Bytes): boolean;
  compile(bytes: Bytes): Promise<WasmModule>;
}

/** The engine's WebAssembly object, or undefined where there is none. */
export function webAssembly(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
}

// (module (func (result v128) i32.const 0 i8x16.splat)): valid exactly when the engine has SIMD.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b,
]);

// (module (func (result v128) (f32x4.relaxed_madd (i8x16.splat 0) (i8x16.splat 0) (i8x16.splat 0)))):
// valid exactly when the engine has relaxed SIMD, whose fused multiply-add the GEMM of the relaxed
// builds uses (src/wasm/assembly/gemm.ts). Chromium 114+ and Node 22+ have it; Node 20 behind
// --experimental-wasm-relaxed-simd.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x13, 0x01, 0x11, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x85, 0x02, 0x0b,
]);

/** The engine's WebAssembly API, or an Error saying why this backend cannot run on it. */
export function checkEngine(): WebAssemblyApi {
  const wasm = webAssembly();
  if (!wasm) throw new Error('WebAssembly is not available in this JavaScript engine');
  if (!wasm.validate(SIMD_PROBE)) {
    throw new Error('this JavaScript engine does not support WebAssembly SIMD (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+ do)');
  }
  return wasm;
}

/** Whether the engine runs relaxed SIMD (fused multiply-add). */
export function hasRelaxedSimd(wasm: WebAssemblyApi): boolean {
  return wasm.validate(RELAXED_SIMD_PROBE);
}
