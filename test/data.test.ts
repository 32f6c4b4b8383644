// Real datasets and their binary cache. Every load here uses a private temporary cache directory,
// so the first Fashion-MNIST load always exercises the JSON conversion.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  cacheDir,
  classCounts,
  clearCache,
  FASHION_MNIST_CLASSES,
  fashionMnist,
  mnist,
  type Dataset,
  type LoadInfo,
  type Split,
} from '../src/data/node.js';
import { crc32 } from '../src/data/cache.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rectifier-data-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function bytesOf(a: Float32Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** CRC32 of the pixels restored to bytes, plus the byte sum: a fingerprint of content and order. */
function pixelSignature(ds: Dataset): { crc: string; sum: number } {
  const b = new Uint8Array(ds.x.length);
  let sum = 0;
  for (let i = 0; i < b.length; i++) {
    b[i] = Math.round(ds.x[i]! * 255);
    sum += b[i]!;
  }
  return { crc: crc32(b).toString(16), sum };
}

function labelSignature(ds: Dataset): string {
  return crc32(new Uint8Array(ds.y.buffer, ds.y.byteOffset, ds.y.byteLength)).toString(16);
}

async function load(
  loader: typeof fashionMnist,
  dir: string,
  extra: { refresh?: boolean } = {},
): Promise<{ split: Split; info: LoadInfo; warnings: string[] }> {
  let info: LoadInfo | undefined;
  const warnings: string[] = [];
  const split = await loader({ cacheDir: dir, onLoad: (i) => (info = i), onWarning: (w) => warnings.push(w), ...extra });
  assert.ok(info, 'onLoad must be called');
  return { split, info, warnings };
}

// ---------------------------------------------------------------- Fashion-MNIST

const fmDir = path.join(tmp, 'fashion');
let fm: Split;

test('fashionMnist: first load parses the package JSON and writes the binary cache', async (t) => {
  const { split, info, warnings } = await load(fashionMnist, fmDir);
  fm = split;
  t.diagnostic(`Fashion-MNIST JSON -> cache conversion: ${info.ms.toFixed(0)} ms`);
  assert.equal(info.source, 'json');
  assert.equal(info.rebuildReason, 'missing');
  assert.equal(info.parsedFiles, 10);
  assert.equal(info.cacheWritten, true);
  assert.deepEqual(warnings, []);
  assert.equal(info.cachePath, path.join(fmDir, 'fashion-mnist-v1.rcache'));
  // 70,000 bytes of pixels per 784 plus labels plus the 64-byte header.
  assert.equal(fs.statSync(info.cachePath!).size, 64 + 70000 * 784 + 70000);
  assert.deepEqual(
    fs.readdirSync(fmDir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file may be left behind',
  );
});

test('fashionMnist: 60,000 / 10,000 images of [28, 28, 1], 10 named classes', () => {
  assert.equal(fm.train.length, 60000);
  assert.equal(fm.test.length, 10000);
  for (const ds of [fm.train, fm.test]) {
    assert.deepEqual(ds.sampleShape, [28, 28, 1]);
    assert.equal(ds.numClasses, 10);
    assert.deepEqual(ds.classNames, [...FASHION_MNIST_CLASSES]);
    assert.equal(ds.x.length, ds.length * 784);
    assert.equal(ds.y.length, ds.length);
  }
  assert.equal(fm.train.classNames[0], 'T-shirt/top');
  assert.equal(fm.train.classNames[9], 'Ankle boot');
  assert.equal(fm.train.name, 'fashion-mnist/train');
});

test('fashionMnist: classes balanced (6,000 / 1,000 each) and interleaved so prefixes are balanced', () => {
  assert.deepEqual([...classCounts(fm.train)], new Array(10).fill(6000));
  assert.deepEqual([...classCounts(fm.test)], new Array(10).fill(1000));
  for (const ds of [fm.train, fm.test]) {
    for (const k of [1, 7, 100, 1000]) {
      const counts = new Array(10).fill(0);
      for (let i = 0; i < 10 * k; i++) counts[ds.y[i]!]++;
      assert.deepEqual(counts, new Array(10).fill(k), `first ${10 * k} samples of ${ds.name}`);
    }
  }
});

test('fashionMnist: pixels are bytes / 255 in [0, 1], with real content', () => {
  let min = Infinity;
  let max = -Infinity;
  let offGrid = 0;
  for (const ds of [fm.train, fm.test]) {
    for (let i = 0; i < ds.x.length; i++) {
      const v = ds.x[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
      if (Math.fround(Math.round(v * 255) / 255) !== v) offGrid++;
    }
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  assert.equal(offGrid, 0);
  // No blank images: the package's two empty rows must have been dropped.
  for (const ds of [fm.train, fm.test]) {
    for (let s = 0; s < ds.length; s++) {
      let any = 0;
      for (let i = s * 784; i < (s + 1) * 784 && any === 0; i++) any = ds.x[i]!;
      assert.ok(any > 0, `${ds.name} sample ${s} is blank`);
    }
  }
});

test('fashionMnist: the split and order are fixed (known checksums)', () => {
  // Changing these means every user's train/test split changed: bump the layout version and say so.
  assert.deepEqual(pixelSignature(fm.train), { crc: '5ee7c8d0', sum: 3430841456 });
  assert.deepEqual(pixelSignature(fm.test), { crc: '92c4447e', sum: 574628567 });
  assert.equal(labelSignature(fm.train), '3873ed84');
  assert.equal(labelSignature(fm.test), 'd91213a1');
  assert.deepEqual([...fm.train.y.subarray(0, 12)], [0, 4, 6, 7, 2, 1, 3, 8, 9, 5, 4, 8]);
});

test('fashionMnist: second load comes from the cache, without parsing JSON, identical bits', async (t) => {
  const file = path.join(fmDir, 'fashion-mnist-v1.rcache');
  const before = fs.statSync(file);
  const { split, info, warnings } = await load(fashionMnist, fmDir);
  t.diagnostic(`Fashion-MNIST load from cache: ${info.ms.toFixed(0)} ms (budget 2000 ms)`);
  assert.equal(info.source, 'cache');
  assert.equal(info.parsedFiles, 0);
  assert.equal(info.cacheWritten, false);
  assert.deepEqual(warnings, []);
  const afterStat = fs.statSync(file);
  assert.equal(afterStat.mtimeMs, before.mtimeMs, 'cache must not be rewritten on a hit');
  assert.equal(afterStat.ino, before.ino);
  assert.ok(bytesOf(split.train.x).equals(bytesOf(fm.train.x)));
  assert.ok(bytesOf(split.test.x).equals(bytesOf(fm.test.x)));
  assert.ok(bytesOf(split.train.y).equals(bytesOf(fm.train.y)));
  assert.ok(bytesOf(split.test.y).equals(bytesOf(fm.test.y)));
});

test('fashionMnist: a corrupted byte in the cache is detected, warned about and rebuilt', async () => {
  const file = path.join(fmDir, 'fashion-mnist-v1.rcache');
  const fd = fs.openSync(file, 'r+');
  const at = 64 + 123456 * 7 + 3;
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x10;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);

  const rebuilt = await load(fashionMnist, fmDir);
  assert.equal(rebuilt.info.source, 'json');
  assert.equal(rebuilt.info.parsedFiles, 10);
  assert.equal(rebuilt.info.cacheWritten, true);
  assert.equal(rebuilt.info.rebuildReason, 'damaged: payload checksum mismatch');
  assert.equal(rebuilt.warnings.length, 1);
  assert.match(rebuilt.warnings[0]!, /^fashionMnist: cache .*fashion-mnist-v1\.rcache is damaged \(payload checksum mismatch\); rebuilding/);
  assert.ok(bytesOf(rebuilt.split.train.x).equals(bytesOf(fm.train.x)), 'rebuilt data must equal the original');

  const again = await load(fashionMnist, fmDir);
  assert.equal(again.info.source, 'cache');
  assert.deepEqual(again.warnings, []);
});

// ---------------------------------------------------------------- MNIST

const mnDir = path.join(tmp, 'mnist');
let mn: Split;

test('mnist: 8,000 / 2,000 stratified split of the 10,000 packaged digits', async (t) => {
  const { split, info } = await load(mnist, mnDir);
  mn = split;
  t.diagnostic(`MNIST JSON -> cache conversion: ${info.ms.toFixed(0)} ms`);
  assert.equal(info.source, 'json');
  assert.equal(mn.train.length, 8000);
  assert.equal(mn.test.length, 2000);
  assert.deepEqual(mn.train.sampleShape, [28, 28, 1]);
  assert.deepEqual(mn.train.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const train = classCounts(mn.train);
  const test = classCounts(mn.test);
  const perClass = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
  for (let c = 0; c < 10; c++) {
    assert.equal(train[c]! + test[c]!, perClass[c], `class ${c} total`);
    assert.ok(Math.abs(test[c]! - perClass[c]! * 0.2) < 1, `class ${c}: ${test[c]} test samples is not stratified`);
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of mn.train.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
});

test('mnist: the split is fixed (known checksums) and reloads identically from the cache', async () => {
  assert.deepEqual(pixelSignature(mn.train), { crc: '4e15efd1', sum: 209275978 });
  assert.deepEqual(pixelSignature(mn.test), { crc: 'c2567b0e', sum: 52870622 });
  assert.equal(labelSignature(mn.train), '16c3b2ee');
  assert.equal(labelSignature(mn.test), 'be77a928');
  const { split, info } = await load(mnist, mnDir);
  assert.equal(info.source, 'cache');
  assert.equal(info.parsedFiles, 0);
  assert.ok(bytesOf(split.train.x).equals(bytesOf(mn.train.x)));
  assert.ok(bytesOf(split.test.y).equals(bytesOf(mn.test.y)));
});

async function expectRebuild(damage: (file: string) => void, reason: RegExp): Promise<void> {
  const file = path.join(mnDir, 'mnist-v1.rcache');
  damage(file);
  const { split, info, warnings } = await load(mnist, mnDir);
  assert.equal(info.source, 'json');
  assert.match(info.rebuildReason ?? '', reason);
  assert.equal(warnings.length, 1, `expected one warning, got ${JSON.stringify(warnings)}`);
  assert.match(warnings[0]!, /^mnist: cache .* is damaged/);
  assert.equal(warnings[0]!.includes('\n'), false, 'the warning is one line');
  assert.ok(bytesOf(split.train.x).equals(bytesOf(mn.train.x)));
  const again = await load(mnist, mnDir);
  assert.equal(again.info.source, 'cache', 'the rebuilt cache must be valid');
}

test('cache: a truncated file is rebuilt', async () => {
  await expectRebuild((f) => fs.truncateSync(f, fs.statSync(f).size - 1000), /^damaged: truncated: /);
});

test('cache: a file cut inside the header is rebuilt', async () => {
  await expectRebuild((f) => fs.truncateSync(f, 20), /^damaged: truncated: 20 bytes/);
});

test('cache: an empty file is rebuilt', async () => {
  await expectRebuild((f) => fs.writeFileSync(f, ''), /^damaged: truncated: 0 bytes/);
});

test('cache: a damaged header (changed train count) is rebuilt', async () => {
  await expectRebuild((f) => {
    const fd = fs.openSync(f, 'r+');
    fs.writeSync(fd, Buffer.from([0x41]), 0, 1, 16);
    fs.closeSync(fd);
  }, /^damaged: header checksum mismatch$/);
});

test('cache: a flipped label byte (last byte of the file) is rebuilt', async () => {
  await expectRebuild((f) => {
    const size = fs.statSync(f).size;
    const fd = fs.openSync(f, 'r+');
    fs.writeSync(fd, Buffer.from([0x07]), 0, 1, size - 1);
    fs.writeSync(fd, Buffer.from([0x03]), 0, 1, size - 2);
    fs.closeSync(fd);
  }, /^damaged: payload checksum mismatch$/);
});

test('cache: a header with a nonzero unused dimension or reserved word is rebuilt, even with a valid checksum', async () => {
  // The header checksum only proves the header was not damaged after writing; fields that our writer sets
  // to 0 and the reader used to skip are checked too, so an accepted file is exactly what we write.
  for (const [offset, reason] of [[52, /^damaged: unused dimension 4 is 7, expected 0$/], [28, /^damaged: reserved header word is 7, expected 0$/]] as const) {
    await expectRebuild((f) => {
      const buf = fs.readFileSync(f);
      buf.writeUInt32LE(7, offset);
      buf.writeUInt32LE(crc32(buf.subarray(0, 60)), 60);
      fs.writeFileSync(f, buf);
    }, reason);
  }
});

test('cache: a foreign file with the cache name is rebuilt', async () => {
  await expectRebuild((f) => fs.writeFileSync(f, Buffer.alloc(5000, 0x5a)), /^damaged: bad magic bytes$/);
});

test('cache: a valid file of another format version is rebuilt quietly (stale, not damaged)', async () => {
  const file = path.join(mnDir, 'mnist-v1.rcache');
  const buf = fs.readFileSync(file);
  buf.writeUInt32LE(99, 8);
  buf.writeUInt32LE(crc32(buf.subarray(0, 60)), 60);
  fs.writeFileSync(file, buf);
  const { info, warnings } = await load(mnist, mnDir);
  assert.equal(info.source, 'json');
  assert.match(info.rebuildReason ?? '', /^stale: format version 99/);
  assert.deepEqual(warnings, []);
});

test('cache: refresh rebuilds; cache: false neither reads nor writes', async () => {
  const refreshed = await load(mnist, mnDir, { refresh: true });
  assert.equal(refreshed.info.source, 'json');
  assert.equal(refreshed.info.rebuildReason, 'refresh');
  assert.equal(refreshed.info.cacheWritten, true);
  const dir = path.join(tmp, 'never');
  let info: LoadInfo | undefined;
  const split = await mnist({ cacheDir: dir, cache: false, onLoad: (i) => (info = i) });
  assert.equal(info!.source, 'json');
  assert.equal(info!.cachePath, null);
  assert.equal(fs.existsSync(dir), false);
  assert.ok(bytesOf(split.test.x).equals(bytesOf(mn.test.x)));
});

test('cache: an unwritable cache location warns and still returns the data', async () => {
  const blocker = path.join(tmp, 'a-file');
  fs.writeFileSync(blocker, 'not a directory');
  const { split, info, warnings } = await load(mnist, blocker);
  assert.equal(split.train.length, 8000);
  assert.equal(info.cacheWritten, false);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^mnist: could not write cache .*; continuing without it$/);
});

test('cacheDir: $RECTIFIER_CACHE_DIR wins, else $XDG_CACHE_HOME/rectifier, else ~/.cache/rectifier (never inside the package); clearCache removes only cache files', async () => {
  const saved = process.env['RECTIFIER_CACHE_DIR'];
  const savedXdg = process.env['XDG_CACHE_HOME'];
  try {
    delete process.env['RECTIFIER_CACHE_DIR'];
    const xdg = path.join(tmp, 'xdg');
    process.env['XDG_CACHE_HOME'] = xdg;
    assert.equal(cacheDir(), path.join(xdg, 'rectifier'));
    delete process.env['XDG_CACHE_HOME'];
    assert.equal(cacheDir(), path.join(os.homedir(), '.cache', 'rectifier'));
    assert.ok(!cacheDir().startsWith(repoRoot));
    const envDir = path.join(tmp, 'from-env');
    process.env['RECTIFIER_CACHE_DIR'] = envDir;
    assert.equal(cacheDir(), envDir);
    let info: LoadInfo | undefined;
    await mnist({ onLoad: (i) => (info = i) });
    assert.equal(info!.cachePath, path.join(envDir, 'mnist-v1.rcache'));
    fs.writeFileSync(path.join(envDir, 'notes.txt'), 'keep me');
    fs.writeFileSync(path.join(envDir, 'mnist-v1.rcache.123.abc.tmp'), 'leftover');
    const removed = clearCache();
    assert.deepEqual(removed.map((f) => path.basename(f)).sort(), ['mnist-v1.rcache', 'mnist-v1.rcache.123.abc.tmp']);
    assert.deepEqual(fs.readdirSync(envDir), ['notes.txt']);
    assert.deepEqual(clearCache(path.join(tmp, 'does-not-exist')), []);
  } finally {
    if (saved === undefined) delete process.env['RECTIFIER_CACHE_DIR'];
    else process.env['RECTIFIER_CACHE_DIR'] = saved;
    if (savedXdg === undefined) delete process.env['XDG_CACHE_HOME'];
    else process.env['XDG_CACHE_HOME'] = savedXdg;
  }
});

test('loaders validate their options', async () => {
  await assert.rejects(mnist({ cacheDir: '' }), /^Error: mnist: cacheDir must be a non-empty path string, got ""$/);
  await assert.rejects(mnist({ cache: 'yes' as unknown as boolean }), /mnist: cache must be a boolean, got "yes"/);
  await assert.rejects(
    fashionMnist({ cachedir: '/tmp' } as unknown as object),
    /fashionMnist: unknown option "cachedir"; expected one of cacheDir, cache, refresh, onWarning, onLoad/,
  );
  await assert.rejects(mnist({ onLoad: 3 as unknown as () => void }), /mnist: onLoad must be a function, got 3/);
  assert.throws(() => clearCache(''), /clearCache: dir must be a non-empty path string, got ""/);
});

test('a dataset file loads from bytes, a Blob or a file:// URL, validated, as a page loads it', async () => {
  const dir = path.join(tmp, 'from-file');
  let info: LoadInfo | undefined;
  const built = await mnist({ cacheDir: dir, onLoad: (i) => (info = i) });
  const file = info!.cachePath!;
  const bytes = fs.readFileSync(file);
  for (const from of [new Uint8Array(bytes), new Blob([bytes]), pathToFileURL(file)]) {
    const split = await mnist({ from });
    assert.equal(split.train.length, 8000);
    assert.ok(bytesOf(split.test.x).equals(bytesOf(built.test.x)));
    assert.deepEqual(Array.from(split.train.y.subarray(0, 50)), Array.from(built.train.y.subarray(0, 50)));
  }
  const damaged = new Uint8Array(bytes);
  damaged[100] ^= 1;
  await assert.rejects(mnist({ from: damaged }), /mnist: .* is not a usable mnist dataset file \(payload checksum mismatch\)/);
  await assert.rejects(fashionMnist({ from: new Uint8Array(bytes) }), /fashionMnist: .* is not a usable fashion-mnist dataset file \(it holds 8000 training and 2000 test samples, expected 60000 and 10000\)/);
});

test('a data package that is not installed is an error naming the package to install', async () => {
  const { loadImageSet } = await import('../src/data/images.js');
  const { MNIST_SET } = await import('../src/data/mnist.js');
  await assert.rejects(
    loadImageSet({ ...MNIST_SET, packageName: 'rectifier-missing-data-package' }, { cache: false }),
    /^Error: mnist: the npm package "rectifier-missing-data-package" is not installed \(rectifier does not install its data packages itself\); run npm install rectifier-missing-data-package$/,
  );
});
