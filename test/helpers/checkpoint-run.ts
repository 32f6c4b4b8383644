/**
 * The training run of the checkpoint tests: a small model with every kind of training state (Adam
 * moments, a cosine schedule, batch-norm running statistics, dropout masks, rrelu slopes, shuffling,
 * validation history) on the spiral, checkpointed every 5 steps into `dir` and resumed from it when it
 * holds a checkpoint. test/checkpoint-kill.test.ts runs it uninterrupted in its own process and killed
 * and resumed in child processes (./checkpoint-child.ts).
 */
// The engine's modules by path rather than the package entry: a child process that loads only these
// starts in half the time, and the kill test starts many.
import type { BackendName } from '../../src/backend/index.js';
import { spiral } from '../../src/data/synthetic.js';
import { latestCheckpoint, layers, sequential, type Callbacks, type History, type Sequential } from '../../src/nn/index.js';
import { optimizers } from '../../src/optim/index.js';
import { setBackend } from '../../src/runtime/index.js';

export interface RunConfig {
  readonly backend: BackendName;
  readonly epochs: number;
  /** Checkpoint directory, or null for a run without checkpoints. */
  readonly dir: string | null;
}

export const BATCH_SIZE = 32;
/** 15 steps per epoch: checkpoints fall mid-epoch (5, 10) and at an epoch's end (15). */
export const CHECKPOINT_STEPS = 5;

export async function trainSpiral(config: RunConfig, callbacks: Callbacks[] = []): Promise<{ model: Sequential; history: History }> {
  await setBackend(config.backend);
  const { train, test } = spiral({ n: 600, seed: 1 });
  const model = sequential({
    inputShape: [2],
    seed: 7,
    layers: [
      layers.dense({ units: 32, activation: 'relu' }),
      layers.batchNorm(),
      layers.dropout({ rate: 0.1 }),
      layers.dense({ units: 32 }),
      layers.rrelu(),
      layers.dense({ units: 3 }),
    ],
  });
  const steps = config.epochs * Math.ceil(train.length / BATCH_SIZE);
  model.compile({
    optimizer: optimizers.adam({ learningRate: optimizers.schedules.cosineDecay({ initialLearningRate: 0.02, decaySteps: steps }) }),
    loss: 'softmax_cross_entropy',
    metrics: ['accuracy'],
  });
  const resume = config.dir !== null && latestCheckpoint(config.dir) !== null ? config.dir : undefined;
  const history = await model.fit(train.x, train.y, {
    epochs: config.epochs,
    batchSize: BATCH_SIZE,
    validationData: [test.x, test.y],
    callbacks,
    ...(config.dir !== null ? { checkpoint: { path: config.dir, every: { steps: CHECKPOINT_STEPS } } } : {}),
    ...(resume !== undefined ? { resume } : {}),
  });
  return { model, history };
}
