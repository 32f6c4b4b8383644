/**
 * The lab's experiments, in the order the report presents them (src/report/schema.ts EXPERIMENT_ORDER).
 */
import { convergence } from './experiments/convergence.js';
import { cost } from './experiments/cost.js';
import { depth } from './experiments/depth.js';
import { dying } from './experiments/dying.js';
import { init } from './experiments/init.js';
import { nonlinearity } from './experiments/nonlinearity.js';
import { recurrent } from './experiments/recurrent.js';
import { sparsity } from './experiments/sparsity.js';
import { variants } from './experiments/variants.js';
import type { AnyExperiment } from './types.js';

export const EXPERIMENTS: readonly AnyExperiment[] = [convergence, depth, init, sparsity, dying, cost, variants, nonlinearity, recurrent];

/** The ids, in run order. */
export const EXPERIMENT_IDS: readonly string[] = EXPERIMENTS.map((e) => e.id);
