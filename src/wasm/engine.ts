/**
 * The parts of the WebAssembly JavaScript API this backend uses, typed here because the project's lib
 * setting (ES2022, no DOM) declares none, and a global declaration would clash with a DOM lib later.
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
