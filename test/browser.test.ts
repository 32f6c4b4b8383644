/**
 * The package in a real browser, as a user gets it: `npm pack`, a fresh app that installs the tarball,
 * bundled by Vite, esbuild, webpack and Rollup (no alias, shim or polyfill; esbuild and Rollup are told
 * where the .wasm files are served with setWasmPaths), opened in Debian's Chromium through
 * playwright-core. The page (browser/app.js) trains a ReLU network on the spiral set on the wasm
 * backend, on two Web Worker threads where the page is cross-origin isolated, saves the model to
 * IndexedDB and localStorage and loads it back. Checked: accuracy, no console error, the same bits on one and two
 * threads, on the shared-memory and own-memory builds, and the same bits as Node.
 *
 * Skipped, with the reason printed, when Chromium is missing (apt-get install -y chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ready } from 'rectifier';
// @ts-expect-error: plain JavaScript shared with the page
import { trainSpiral } from './browser/train.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const here = fileURLToPath(new URL('./browser/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The accuracy the page must reach on the spiral test split (the Node run reaches 0.98 or more). */
const MIN_ACCURACY = 0.9;
const WASM_FILES = ['rectifier.wasm', 'rectifier-relaxed.wasm', 'rectifier-mt.wasm', 'rectifier-mt-relaxed.wasm'];

interface PageResult {
  losses: number[]; accuracy: number; predictions: string; model: string; modelBytes: number; seconds: number;
  backend: string; current: string; failure: string | null; threads: number; readyThreads: number; crossOriginIsolated: boolean;
  module: string | null; relaxedSimd: boolean | null; threadsUnavailable: string | null; reloaded: string; reloadedLocal: string;
}

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (skip) console.log(`browser tests skipped: ${skip}`);

const work = mkdtempSync(join(tmpdir(), 'rectifier-browser-'));
const app = join(work, 'app');
const timings: string[] = [];
const servers: Server[] = [];
let browser: import('playwright-core').Browser | null = null;

function timed<T>(label: string, f: () => T): T {
  const t0 = performance.now();
  const out = f();
  timings.push(`${label} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

async function timedAsync<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await f();
  timings.push(`${label} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' } });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The packed package installed into a fresh app, with the page's sources beside it. */
function installApp(): void {
  for (const file of WASM_FILES) assert.ok(existsSync(join(root, 'build', file)), `build/${file} is missing: run npm run build:wasm`);
  // dist/ is what the tarball ships; rebuilt only when a source is newer (a fresh install builds it).
  if (!existsSync(join(root, 'dist', 'index.js')) || newest(join(root, 'src')) > statSync(join(root, 'dist', 'index.js')).mtimeMs) {
    timed('build:ts', () => run('npm', ['run', 'build:ts'], root));
  }
  const packed = timed('npm pack', () => run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], root)).trim().split('\n').pop()!;
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'rectifier-browser-app', private: true, type: 'module' }));
  for (const file of ['index.html', 'app.js', 'train.js']) copyFileSync(join(here, file), join(app, file));
  // The README's page example as written, with the one line esbuild needs before it.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = /## In the browser[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, 'the README has a js example under "In the browser"');
  writeFileSync(join(app, 'readme.js'), [
    "import { setWasmPaths, getBackend as backendName } from 'rectifier';",
    "setWasmPaths('/wasm/');",
    example,
    'globalThis.readmeResult = { backend: backendName(), accuracy: model.evaluate(test.x, test.y).accuracy, same: again.predict(test.x).toArray().join() === model.predict(test.x).toArray().join() };',
  ].join('\n'));
  writeFileSync(join(app, 'readme.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./readme.js"></script>');
  timed('npm install (tarball)', () => run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-package-lock', join(work, packed)], app));
}

interface Bundle {
  dir: string;
  /** Query for the page: setWasmPaths where the bundler does not copy the .wasm files. */
  query: string;
  warnings: string[];
}

function copyWasm(out: string): void {
  mkdirSync(join(out, 'wasm'), { recursive: true });
  for (const file of WASM_FILES) copyFileSync(join(app, 'node_modules', 'rectifier', 'build', file), join(out, 'wasm', file));
  copyFileSync(join(app, 'index.html'), join(out, 'index.html'));
}

async function viteBundle(): Promise<Bundle> {
  const { build, createLogger } = await import('vite');
  const warnings: string[] = [];
  const logger = createLogger('warn', { allowClearScreen: false });
  // Rolldown's [PLUGIN_TIMINGS] note reports how long plugins took, which depends on the machine's load
  // (it appears on a busy machine), not on the package: kept out of the warnings.
  const keep = (message: string): void => void (/^\[PLUGIN_TIMINGS\]/.test(message) || warnings.push(message));
  logger.warn = keep;
  logger.warnOnce = keep;
  const dir = join(app, 'dist-vite');
  await build({ root: app, configFile: false, logLevel: 'warn', customLogger: logger, build: { outDir: dir, emptyOutDir: true } });
  return { dir, query: '', warnings };
}

async function esbuildBundle(): Promise<Bundle> {
  const esbuild = await import('esbuild');
  const dir = join(app, 'dist-esbuild');
  const result = await esbuild.build({
    entryPoints: [join(app, 'app.js'), join(app, 'readme.js')], bundle: true, platform: 'browser', format: 'esm', minify: true, outdir: dir, logLevel: 'silent',
  });
  copyWasm(dir);
  copyFileSync(join(app, 'readme.html'), join(dir, 'readme.html'));
  return { dir, query: 'wasmPaths=/wasm/', warnings: result.warnings.map((w) => w.text) };
}

async function webpackBundle(): Promise<Bundle> {
  const { default: webpack } = await import('webpack');
  const dir = join(app, 'dist-webpack');
  const stats = await new Promise<import('webpack').Stats>((done, fail) => {
    // Production mode without minifying, which would only make the test slower.
    webpack({ mode: 'production', optimization: { minimize: false }, context: app, entry: './app.js', output: { path: dir, filename: 'app.js' } }, (e, s) => (e ? fail(e) : done(s!)));
  });
  const json = stats.toJson({ all: false, errors: true, warnings: true });
  assert.deepEqual(json.errors ?? [], [], 'webpack errors');
  copyFileSync(join(app, 'index.html'), join(dir, 'index.html'));
  // webpack's size hints (asset over 244 KiB) are advice about any large bundle, not about this package.
  return { dir, query: '', warnings: (json.warnings ?? []).map((w) => w.message).filter((m) => !/exceed the recommended size limit|can impact web performance|webpack performance recommendations/.test(m)) };
}

let dependencyCycles = 0;

async function rollupBundle(): Promise<Bundle> {
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const commonjs = (await import('@rollup/plugin-commonjs')).default as unknown as () => import('rollup').Plugin;
  const warnings: string[] = [];
  const dir = join(app, 'dist-rollup');
  // The usual Rollup setup for npm packages: resolve them (browser conditions) and read CommonJS ones.
  const bundle = await rollup({
    input: join(app, 'app.js'),
    plugins: [nodeResolve({ browser: true }), commonjs()],
    onwarn: (w) => {
      // protobufjs (ONNX export) is CommonJS whose modules require each other; Rollup reports each cycle.
      // That is the dependency's own structure, and its code runs as written: noted, not failed.
      if (w.code === 'CIRCULAR_DEPENDENCY' && (w.ids ?? []).every((id) => id.includes('/node_modules/protobufjs/'))) dependencyCycles++;
      else warnings.push(w.message);
    },
  });
  await bundle.write({ dir, format: 'es' });
  await bundle.close();
  copyWasm(dir);
  if (dependencyCycles > 0) timings.push(`rollup noted ${dependencyCycles} import cycles inside protobufjs`);
  return { dir, query: 'wasmPaths=/wasm/', warnings };
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.map': 'application/json' };

/** Serves a bundle; the page (and so its workers) is cross-origin isolated when its URL asks (?coi). */
async function serve(dir: string): Promise<string> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = resolve(dir, `.${decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)}`);
    if (relative(dir, path).startsWith('..') || !existsSync(path) || statSync(path).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' };
    if (url.searchParams.has('coi')) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers).end(readFileSync(path));
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function openPage(base: string, query: string[]): Promise<PageResult> {
  const context = await browser!.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  try {
    const q = query.filter(Boolean).join('&');
    // The document's own query decides its headers (serve); the page reads the rest.
    await page.goto(`${base}/${q ? `?${q}` : ''}`);
    await page.waitForFunction(() => (globalThis as unknown as { rectifierTest?: unknown }).rectifierTest !== undefined, null, { timeout: 60_000 });
    const outcome = await page.evaluate(() => (globalThis as unknown as { rectifierTest: Promise<{ ok: boolean; result?: unknown; error?: string }> }).rectifierTest);
    assert.ok(outcome.ok, `the page failed: ${outcome.error}`);
    assert.deepEqual(errors, [], 'console errors in the page');
    return outcome.result as PageResult;
  } finally {
    await context.close();
  }
}

function checkTraining(label: string, r: PageResult): void {
  assert.equal(r.backend, 'wasm', `${label}: backend (failure: ${r.failure})`);
  assert.equal(r.current, 'wasm', label);
  assert.ok(r.accuracy >= MIN_ACCURACY, `${label}: test accuracy ${r.accuracy} < ${MIN_ACCURACY}`);
  assert.equal(r.reloaded, r.predictions, `${label}: the model loaded back from IndexedDB predicts differently`);
  assert.equal(r.reloadedLocal, r.predictions, `${label}: the model loaded back from localStorage predicts differently`);
}

const bundles: Record<string, Bundle> = {};
const bases: Record<string, string> = {};
let nodeReference: { losses: number[]; accuracy: number; predictions: string; model: string } | null = null;

before(async () => {
  if (skip) return;
  const t0 = performance.now();
  installApp();
  // The four bundlers run side by side (each writes its own directory).
  await timedAsync('bundles (all four)', () => Promise.all(Object.entries({ vite: viteBundle, esbuild: esbuildBundle, webpack: webpackBundle, rollup: rollupBundle }).map(async ([name, make]) => {
    bundles[name] = await timedAsync(`${name} build`, make);
    bases[name] = await serve(bundles[name]!.dir);
  })));
  const { chromium } = await import('playwright-core');
  browser = await timedAsync('chromium launch', () => chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  }));
  timings.push(`setup ${((performance.now() - t0) / 1000).toFixed(1)} s`);
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.close();
  rmSync(work, { recursive: true, force: true });
  if (!skip) console.log(`browser test timings: ${timings.join(', ')}`);
});

test('the package bundles with Vite, esbuild, webpack and Rollup without a warning', { skip }, () => {
  for (const [name, b] of Object.entries(bundles)) assert.deepEqual(b.warnings, [], `${name} warnings`);
  // Vite and webpack copy the .wasm files themselves (the URL relative to the module); nothing was copied by hand.
  for (const name of ['vite', 'webpack']) {
    const files = readdirSync(bundles[name]!.dir, { recursive: true }).map(String).filter((f) => f.endsWith('.wasm'));
    assert.equal(files.length, WASM_FILES.length, `${name} emits the four builds: ${files.join(', ')}`);
  }
});

test('Vite: trains on wasm in the page; two Web Worker threads give the bits of one thread; without isolation one thread says why', { skip }, async () => {
  const two = await timedAsync('vite page, 2 threads', () => openPage(bases.vite!, ['coi', 'threads=2']));
  checkTraining('vite, 2 threads', two);
  assert.equal(two.crossOriginIsolated, true);
  assert.equal(two.threads, 2);
  assert.equal(two.readyThreads, 2, 'both threads started');
  assert.equal(two.module, two.relaxedSimd ? 'rectifier-mt-relaxed.wasm' : 'rectifier-mt.wasm');
  // Chromium has relaxed SIMD, and the feature test finds it.
  assert.equal(two.relaxedSimd, true);
  const one = await timedAsync('vite page, 1 thread', () => openPage(bases.vite!, ['coi', 'threads=1']));
  checkTraining('vite, 1 thread', one);
  assert.deepEqual([two.losses, two.predictions, two.model], [one.losses, one.predictions, one.model], 'two threads and one thread differ');
  const plain = await timedAsync('vite page, not isolated', () => openPage(bases.vite!, []));
  checkTraining('vite, not isolated', plain);
  assert.equal(plain.crossOriginIsolated, false);
  assert.equal(plain.threads, 1);
  assert.equal(plain.module, 'rectifier-relaxed.wasm');
  assert.match(plain.threadsUnavailable ?? '', /not cross-origin isolated .*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
  // The own-memory build computes the same bits as the shared-memory one.
  assert.deepEqual([plain.losses, plain.predictions, plain.model], [one.losses, one.predictions, one.model]);
  console.log(`vite page: accuracy ${two.accuracy.toFixed(3)}, ${two.seconds.toFixed(2)} s on 2 threads, ${one.seconds.toFixed(2)} s on 1 (${two.module})`);
});

test('esbuild with setWasmPaths: the plain build on two threads in the page gives the bits of one thread in Node', { skip }, async () => {
  nodeReference ??= await (async () => {
    await ready({ relaxedSimd: false, threads: 1 });
    const { model, summary } = await trainSpiral();
    model.dispose();
    return summary;
  })();
  const page = await timedAsync('esbuild page, 2 threads, plain SIMD', () => openPage(bases.esbuild!, ['coi', 'threads=2', 'relaxedSimd=0', bundles.esbuild!.query]));
  checkTraining('esbuild', page);
  assert.equal(page.module, 'rectifier-mt.wasm');
  assert.equal(page.readyThreads, 2);
  assert.deepEqual([page.losses, page.predictions, page.model], [nodeReference!.losses, nodeReference!.predictions, nodeReference!.model], 'the page and Node differ');
});

test('webpack and Rollup bundles train in the page too', { skip }, async () => {
  const webpack = await timedAsync('webpack page', () => openPage(bases.webpack!, ['coi', 'threads=2']));
  checkTraining('webpack', webpack);
  assert.equal(webpack.readyThreads, 2);
  const rollup = await timedAsync('rollup page', () => openPage(bases.rollup!, [bundles.rollup!.query]));
  checkTraining('rollup', rollup);
  assert.deepEqual(rollup.predictions, webpack.predictions);
});

test('without setWasmPaths, an esbuild page falls back to js and backendFailure says what to do', { skip }, async () => {
  const context = await browser!.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${bases.esbuild}/?probeOnly`);
    const failure = await page.evaluate(async () => {
      const w = globalThis as unknown as { rectifierTest: Promise<{ ok: boolean; error?: string; result?: { backend: string; failure: string } }> };
      const outcome = await w.rectifierTest;
      return outcome.ok ? outcome.result! : { backend: 'error', failure: outcome.error! };
    });
    assert.equal(failure.backend, 'js');
    assert.match(failure.failure, /cannot fetch .*rectifier-relaxed\.wasm: HTTP 404; .*setWasmPaths\('\/their\/directory\/'\)/);
  } finally {
    await context.close();
  }
});

test("the README's page example runs as written (esbuild, with the setWasmPaths line it names)", { skip }, async () => {
  const context = await browser!.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${bases.esbuild}/readme.html`);
    await page.waitForFunction(() => (globalThis as unknown as { readmeResult?: unknown }).readmeResult !== undefined, null, { timeout: 60_000 });
    const r = await page.evaluate(() => (globalThis as unknown as { readmeResult: { backend: string; accuracy: number; same: boolean } }).readmeResult);
    assert.deepEqual(errors, []);
    assert.equal(r.backend, 'wasm');
    assert.ok(r.accuracy >= MIN_ACCURACY, `accuracy ${r.accuracy}`);
    assert.equal(r.same, true, 'the model loaded from IndexedDB predicts the same');
  } finally {
    await context.close();
  }
});
