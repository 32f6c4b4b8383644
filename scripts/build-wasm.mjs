#!/usr/bin/env node
// Compiles the AssemblyScript kernels in src/wasm/assembly/ to build/rectifier.wasm (run by `npm install`
// through `prepare`). Nothing is downloaded. The build is skipped when the output is newer than every
// source and this script, so a repeated install is fast.
// Usage: node scripts/build-wasm.mjs [--force] [--wat]   (--wat also writes build/rectifier.wat)
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'src', 'wasm', 'assembly');
const entry = join(sourceDir, 'index.ts');
const outDir = join(root, 'build');
const output = join(outDir, 'rectifier.wasm');
const force = process.argv.includes('--force');
const wat = process.argv.includes('--wat');

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const inputs = [...sources(sourceDir), fileURLToPath(import.meta.url)];
const newestInput = Math.max(...inputs.map((p) => statSync(p).mtimeMs));
if (!force && !wat && existsSync(output) && statSync(output).mtimeMs > newestInput) {
  console.log(`build-wasm: ${relative(root, output)} is up to date`);
  process.exit(0);
}

let asc;
try {
  asc = (await import('assemblyscript/asc')).default;
} catch {
  // Installed as a dependency without devDependencies: the published package ships build/*.wasm.
  console.log('build-wasm: assemblyscript is not installed; skipped (the js backend is used without the .wasm)');
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
// asc resolves its paths against the working directory.
process.chdir(root);
const started = Date.now();
const args = [
  relative(root, entry),
  '--outFile', relative(root, output),
  '-O3',
  '--enable', 'simd',
  // No allocator or GC inside the module: all memory is managed by the JS side (src/wasm/memory.ts).
  '--runtime', 'stub',
  '--importMemory',
  '--noAssert',
  '--use', 'abort=',
];
if (wat) args.push('--textFile', relative(root, join(outDir, 'rectifier.wat')));
let diagnostics = '';
const { error } = await asc.main(args, {
  stdout: { write: (s) => { diagnostics += s; return true; } },
  stderr: { write: (s) => { diagnostics += s; return true; } },
});
if (error) {
  process.stderr.write(diagnostics);
  console.error(`build-wasm: failed: ${error.message}`);
  process.exit(1);
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`build-wasm: ${relative(root, output)} (${statSync(output).size} bytes) in ${seconds} s`);
