/** The fuzz targets and the sizes of a run, shared by the CI test and `npm run fuzz`. */
import type { FuzzTarget } from './target.js';

export const TARGET_NAMES = ['safetensors', 'onnx', 'cache', 'csv', 'report', 'cli'] as const;
/** What CI runs: a fixed seed, and at least 1,000 inputs per target. */
export const CI_SEED = 1;
export const CI_CASES = 1000;
/** `npm run fuzz -- --long`. */
export const LONG_CASES = 20_000;

export async function loadTargets(names: readonly string[]): Promise<FuzzTarget[]> {
  for (const n of names) {
    if (!(TARGET_NAMES as readonly string[]).includes(n)) throw new Error(`unknown fuzz target ${JSON.stringify(n)}; the targets are ${TARGET_NAMES.join(', ')}`);
  }
  return Promise.all(names.map(async (n) => ((await import(`./targets/${n}.ts`)) as { target: FuzzTarget }).target));
}
