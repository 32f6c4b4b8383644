/**
 * A child process for test/checkpoint-kill.test.ts: runs ./checkpoint-run.ts with checkpoints (resuming
 * when the directory holds one) and saves the final weights and history. The parent kills it with SIGKILL.
 *
 * Argument: one JSON object (`ChildConfig`). Progress goes to stdout as lines written synchronously, so
 * the parent knows where the child was when it killed it: READY, RESUMED <epoch> <step> <globalStep>,
 * STEP <globalStep>, STAGE <checkpoint write stage>, PAUSED <stage>, DONE.
 *
 * The test hook of checkpoint writes (generationWriteHooks in src/io/generations.ts, not part of the
 * package's API) slows each stage of a write by `slowMs`, so that kills at random moments often land
 * inside one, and pauses at the `nth` time a `pause` stage is reached, so that the parent kills the child
 * exactly there.
 */
import { writeFileSync, writeSync } from 'node:fs';
import type { BackendName } from '../../src/backend/index.js';
import { generationWriteHooks } from '../../src/io/generations.js';
import { trainSpiral } from './checkpoint-run.js';

export interface ChildConfig {
  dir: string;
  out: string;
  backend: BackendName;
  epochs: number;
  slowMs: number;
  stepMs: number;
  pause: { stage: string; nth: number } | null;
}

const config = JSON.parse(process.argv[2]!) as ChildConfig;
const say = (line: string) => writeSync(1, `${line}\n`);
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let reached = 0;
generationWriteHooks.onStage = (stage) => {
  say(`STAGE ${stage}`);
  if (config.pause && stage === config.pause.stage && ++reached === config.pause.nth) {
    say(`PAUSED ${stage}`);
    sleep(60_000);
  }
  if (config.slowMs > 0) sleep(config.slowMs);
};

let globalStep = 0;
say('READY');
const { model, history } = await trainSpiral({ backend: config.backend, epochs: config.epochs, dir: config.dir }, [{
  onTrainBegin({ resumedFrom }) {
    globalStep = resumedFrom?.globalStep ?? 0;
    if (resumedFrom) say(`RESUMED ${resumedFrom.epoch} ${resumedFrom.step} ${resumedFrom.globalStep}`);
  },
  onBatchEnd() {
    say(`STEP ${++globalStep}`);
    // Stands for a heavier model: time passes, the numbers do not change.
    if (config.stepMs > 0) sleep(config.stepMs);
  },
}]);
model.save(config.out);
writeFileSync(`${config.out}.history.json`, JSON.stringify(history));
say('DONE');
