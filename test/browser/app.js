// The page of the browser tests: what a user's app does with the installed package. It loads the
// backend, trains (train.js), reports what the library chose (backend, threads, relaxed SIMD), saves
// the model to IndexedDB and loads it back. Bundled by each bundler under test; see test/browser.test.ts.
import { backend, backendFailure, getBackend, getThreads, loadModel, ready, setThreads, setWasmPaths } from 'rectifier';
import { fingerprint, trainSpiral } from './train.js';

const params = new URLSearchParams(location.search);
// esbuild and Rollup leave the .wasm files where they are: the test serves them from /wasm/.
if (params.has('wasmPaths')) setWasmPaths(params.get('wasmPaths'));

async function run() {
  const options = {};
  if (params.has('relaxedSimd')) options.relaxedSimd = params.get('relaxedSimd') === '1';
  const name = await ready(options);
  if (params.has('probeOnly')) return { backend: name, failure: backendFailure() };
  const threads = Number(params.get('threads') ?? '1');
  if (threads !== getThreads()) setThreads(threads);
  // Waits for the kernel threads setThreads started.
  await ready();
  const info = backend().info ?? null;
  const { model, predict, summary, seconds } = await trainSpiral();
  await model.save('indexeddb://spiral');
  const loaded = await loadModel('indexeddb://spiral');
  const again = predict(loaded);
  // localStorage holds small models as base64 text: the same bytes come back.
  await model.save('localstorage://spiral');
  const fromLocal = predict(await loadModel('localstorage://spiral'));
  return {
    ...summary, seconds,
    backend: name, current: getBackend(), failure: backendFailure(), threads: getThreads(),
    readyThreads: backend().readyThreads?.() ?? 1, crossOriginIsolated: globalThis.crossOriginIsolated === true,
    module: info?.module ?? null, relaxedSimd: info?.relaxedSimd ?? null, threadsUnavailable: info?.threadsUnavailable ?? null,
    reloaded: fingerprint(new Uint8Array(again.buffer)),
    reloadedLocal: fingerprint(new Uint8Array(fromLocal.buffer)),
  };
}

window.rectifierTest = run().then(
  (result) => ({ ok: true, result }),
  (error) => ({ ok: false, error: String(error?.stack ?? error) }),
);
