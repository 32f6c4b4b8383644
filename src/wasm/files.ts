/**
 * The four builds of the kernels (scripts/build-wasm.mjs writes them to build/) and where they are found.
 *
 *   rectifier.wasm               SIMD, own memory: one thread (a page that is not cross-origin isolated)
 *   rectifier-relaxed.wasm       the same with relaxed SIMD (fused multiply-add in the GEMM)
 *   rectifier-mt.wasm            SIMD on a shared memory, which kernel threads share
 *   rectifier-mt-relaxed.wasm    the same with relaxed SIMD
 *
 * By default a file is found next to this package, by a URL relative to this module:
 * `new URL('../../build/<file>', import.meta.url)`, written out once per file because that literal
 * form is what Vite and webpack recognise: they copy the file into the build and rewrite the URL, so
 * a bundled page needs nothing more. A bundler that leaves the URL alone (esbuild, Rollup without a
 * plugin) points it next to the bundle instead; for those, `setWasmPaths(prefix)` says where the files
 * are served (copy them from node_modules/rectifier/build/).
 */
import { describe } from '../util/describe.js';

export const WASM_FILES = ['rectifier.wasm', 'rectifier-relaxed.wasm', 'rectifier-mt.wasm', 'rectifier-mt-relaxed.wasm'] as const;
export type WasmFile = (typeof WASM_FILES)[number];

/** The file of the build for a memory kind and instruction set. */
export function wasmFile(shared: boolean, relaxedSimd: boolean): WasmFile {
  return `rectifier${shared ? '-mt' : ''}${relaxedSimd ? '-relaxed' : ''}.wasm`;
}

/** Where the package keeps a build: build/ at the package root, two levels up from src/wasm or dist/wasm. */
export function packagedWasmUrl(file: WasmFile): URL {
  switch (file) {
    case 'rectifier.wasm':
      return new URL('../../build/rectifier.wasm', import.meta.url);
    case 'rectifier-relaxed.wasm':
      return new URL('../../build/rectifier-relaxed.wasm', import.meta.url);
    case 'rectifier-mt.wasm':
      return new URL('../../build/rectifier-mt.wasm', import.meta.url);
    case 'rectifier-mt-relaxed.wasm':
      return new URL('../../build/rectifier-mt-relaxed.wasm', import.meta.url);
  }
}

export type WasmPaths = string | URL | Partial<Record<WasmFile, string | URL>>;

let configured: WasmPaths | null = null;

/**
 * Where the page fetches the .wasm files from, for bundlers that do not copy them (esbuild, Rollup):
 * a directory URL (`setWasmPaths('/wasm/')`, resolved against the page), or one URL per file name.
 * Call it before the backend loads (`await ready()`); `setWasmPaths(null)` restores the default.
 */
export function setWasmPaths(paths: WasmPaths | null): void {
  if (paths === null || typeof paths === 'string' || paths instanceof URL) {
    if (typeof paths === 'string' && paths === '') throw new TypeError('setWasmPaths: expected a directory URL such as "/wasm/", got an empty string');
    configured = paths;
    return;
  }
  if (typeof paths !== 'object') {
    throw new TypeError(`setWasmPaths: expected a directory URL, or an object of URLs by file name (${WASM_FILES.join(', ')}), got ${describe(paths)}`);
  }
  for (const [name, url] of Object.entries(paths)) {
    if (!(WASM_FILES as readonly string[]).includes(name)) {
      throw new TypeError(`setWasmPaths: file names must be among ${WASM_FILES.join(', ')}, got "${name}"`);
    }
    if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError(`setWasmPaths: the URL of ${name} must be a string or URL, got ${describe(url)}`);
  }
  configured = { ...paths };
}

/** The URL a build is fetched (or, in Node, read) from: the configured one, else the package's. */
export function wasmUrl(file: WasmFile): string | URL {
  if (configured === null) return packagedWasmUrl(file);
  if (typeof configured === 'string' || configured instanceof URL) {
    const base = String(configured);
    return base.endsWith('/') ? base + file : `${base}/${file}`;
  }
  return configured[file] ?? packagedWasmUrl(file);
}

/** Whether setWasmPaths has been given a location. */
export function wasmPathsConfigured(): boolean {
  return configured !== null;
}
