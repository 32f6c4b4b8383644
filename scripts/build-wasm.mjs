#!/usr/bin/env node
// Compiles the AssemblyScript kernels in src/wasm/assembly/ (run by `npm install` through `prepare`) to
//   build/rectifier.wasm               SIMD, own memory: browsers without cross-origin isolation
//   build/rectifier-mt.wasm            SIMD on a shared memory: Node, where kernel threads share it
//   build/rectifier-mt-relaxed.wasm    the same with relaxed SIMD (fused multiply-add in the GEMM),
//                                      loaded only when asked for (RECTIFIER_RELAXED_SIMD=1) and supported
// Nothing is downloaded. The build is skipped when every output is newer than every source and this
// script, so a repeated install is fast.
// Usage: node scripts/build-wasm.mjs [--force] [--wat]   (--wat also writes build/rectifier.wat)
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'src', 'wasm', 'assembly');
const entry = join(sourceDir, 'index.ts');
const outDir = join(root, 'build');
const VARIANTS = [
  { file: 'rectifier.wasm', args: [] },
  // Shared memory needs the threads feature and a declared maximum (the whole wasm32 space: the JS heap
  // decides how far it grows).
  { file: 'rectifier-mt.wasm', args: ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'] },
  { file: 'rectifier-mt-relaxed.wasm', args: ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536', '--enable', 'relaxed-simd'] },
];
const outputs = VARIANTS.map((v) => join(outDir, v.file));
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
if (!force && !wat && outputs.every((o) => existsSync(o) && statSync(o).mtimeMs > newestInput)) {
  console.log(`build-wasm: ${outputs.map((o) => relative(root, o)).join(', ')} up to date`);
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
for (const variant of VARIANTS) {
  const output = join(outDir, variant.file);
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
    ...variant.args,
  ];
  if (wat) args.push('--textFile', relative(root, output.replace(/\.wasm$/, '.wat')));
  let diagnostics = '';
  const { error } = await asc.main(args, {
    stdout: { write: (s) => { diagnostics += s; return true; } },
    stderr: { write: (s) => { diagnostics += s; return true; } },
  });
  if (error) {
    process.stderr.write(diagnostics);
    console.error(`build-wasm: ${variant.file} failed: ${error.message}`);
    process.exit(1);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`build-wasm: ${relative(root, output)} (${statSync(output).size} bytes) in ${seconds} s`);
}
