/**
 * TensorFlow.js as a peer: tfjs-core with its cpu and wasm backends, loaded on demand so that a missing
 * package or a wasm binary that does not load costs one line of output, not the run.
 *
 * - tfjs-backend-wasm in Node loads its .wasm from its own dist/ folder by default (no setWasmPaths
 *   needed), and never the threaded binary there (its WASM_HAS_MULTITHREAD_SUPPORT flag is false under
 *   Node, tensorflow/tfjs#3830); we also set the flag ourselves, so it is the single-threaded SIMD build.
 * - tfjs-core alone registers no gradients: the union package @tensorflow/tfjs imports
 *   dist/register_all_gradients. We register just the gradients a suite asks for, from tfjs-core's own
 *   dist/gradients files (loaded through require; they share the engine and registries, which TF.js keeps
 *   on the global object).
 */
import { createRequire } from 'node:module';

export type Tf = typeof import('@tensorflow/tfjs-core');
export type TfBackendName = 'cpu' | 'wasm';

export interface TfjsPeer {
  readonly tf: Tf;
  readonly version: string;
  /** The backends that initialised; a failed one is in `failures`. */
  readonly backends: readonly TfBackendName[];
  readonly failures: Partial<Record<TfBackendName, string>>;
  /** How the wasm backend runs, for the notes: binary flavour and threads. */
  readonly wasmInfo: string | null;
  /** Makes `name` the current TF.js backend (await it outside any timing). */
  use(name: TfBackendName): Promise<void>;
  /**
   * Registers the gradient of each kernel (e.g. 'Relu') from tfjs-core's dist/gradients; returns the
   * kernels whose gradient could not be found.
   */
  registerGradients(kernels: readonly string[]): string[];
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

let loaded: Promise<TfjsPeer> | null = null;

/** Loads TF.js once; rejects only when tfjs-core itself is missing. */
export function loadTfjs(): Promise<TfjsPeer> {
  return (loaded ??= load());
}

async function load(): Promise<TfjsPeer> {
  const tf: Tf = await import('@tensorflow/tfjs-core');
  const failures: Partial<Record<TfBackendName, string>> = {};
  const backends: TfBackendName[] = [];
  // Production mode, as TF.js advises for deployed code: it drops debug checks (and the console hint
  // about tfjs-node).
  tf.enableProdMode();
  try {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('setBackend("cpu") returned false');
    backends.push('cpu');
  } catch (e) {
    failures.cpu = message(e);
  }
  let wasmInfo: string | null = null;
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    wasmInfo = `tfjs-backend-wasm${simd ? '-simd' : ''}.wasm, ${wasm.getThreadsCount()} thread`;
    backends.push('wasm');
  } catch (e) {
    failures.wasm = message(e);
  }
  const require = createRequire(import.meta.url);
  return {
    tf,
    version: tf.version_core,
    backends,
    failures,
    wasmInfo,
    async use(name) {
      if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`TF.js: setBackend("${name}") failed`);
    },
    registerGradients(kernels) {
      const missing: string[] = [];
      for (const kernel of kernels) {
        if (tf.getGradient(kernel)) continue;
        try {
          const mod = require(`@tensorflow/tfjs-core/dist/gradients/${kernel}_grad.js`) as Record<string, unknown>;
          const config = Object.values(mod).find(
            (v): v is Parameters<Tf['registerGradient']>[0] => typeof v === 'object' && v !== null && (v as { kernelName?: unknown }).kernelName === kernel,
          );
          if (!config) throw new Error('no GradConfig exported');
          tf.registerGradient(config);
        } catch {
          missing.push(kernel);
        }
      }
      return missing;
    },
  };
}
