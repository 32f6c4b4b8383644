/**
 * `rectifier train` with checkpoints, as a user runs it: Ctrl-C (SIGINT) finishes the step, writes a
 * checkpoint, prints how to resume and exits 130; `--resume` continues with the stored options to the
 * model file an uninterrupted run saves, byte for byte; a different training option is an error naming
 * it; without --checkpoint, Ctrl-C still writes one, into a new directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the CLI in `cwd`; with `interruptOn`, sends SIGINT once stdout shows that text. */
function cli(args: string[], options: { cwd?: string; interruptOn?: RegExp } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', tsx, join(root, 'src/cli/main.ts'), ...args], { cwd: options.cwd ?? root });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (options.interruptOn && !sent && options.interruptOn.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out: ${args.join(' ')}\n${stderr}`)); }, 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

test('Ctrl-C during train writes a checkpoint and exits 130; --resume ends with the uninterrupted model file; other training options are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-cli-ckpt-'));
  const ck = join(dir, 'run');
  const common = ['train', '--dataset', 'spiral', '--epochs', '20', '--seed', '4', '--activation', 'leaky_relu'];
  const [reference, interrupted] = await Promise.all([
    cli([...common, '--save', join(dir, 'reference.safetensors'), '--json']),
    cli([...common, '--checkpoint', ck, '--every', '7steps', '--save', join(dir, 'resumed.safetensors')], { interruptOn: /^epoch 2\/20 /m }),
  ]);
  assert.equal(reference.code, 0, reference.stderr);
  assert.equal(interrupted.code, 130, `exit ${interrupted.code} ${interrupted.signal}: ${interrupted.stderr}`);
  assert.match(interrupted.stderr, /Stopping after this step and writing a checkpoint/);
  assert.match(interrupted.stderr, /Interrupted before epoch \d+\/20, step \d+\/38\. The checkpoint is in .*run; continue with:\n {2}rectifier train --resume \S+run\n/);
  assert.ok(!existsSync(join(dir, 'resumed.safetensors')), 'an interrupted run saves no model');
  const pointer = JSON.parse(readFileSync(join(ck, 'checkpoint.json'), 'utf8'));
  assert.equal(pointer.complete, false);
  assert.ok(pointer.globalStep >= 2 * 38 && pointer.globalStep < 20 * 38, `stopped at step ${pointer.globalStep}`);

  const conflict = await cli(['train', '--resume', ck, '--seed', '5', '--batch-size', '64']);
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /^rectifier: --seed 5 conflicts with the checkpoint's --seed 4; a resumed run keeps the options it began with: leave --seed out\n$/);
  const fresh = await cli([...common, '--checkpoint', ck]);
  assert.equal(fresh.code, 1);
  assert.match(fresh.stderr, /--checkpoint \S+run already holds a checkpoint; continue that run with rectifier train --resume \S+run, or choose another directory/);

  // The stored options: the batch size given equals the stored one, so it is no conflict.
  const resumed = await cli(['train', '--resume', ck, '--batch-size', '64', '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = lastJson(resumed.stdout);
  assert.equal(summary.activation, 'leaky_relu');
  assert.equal(summary.seed, 4);
  assert.equal(summary.testAccuracy, lastJson(reference.stdout).testAccuracy);
  const a = readFileSync(join(dir, 'reference.safetensors'));
  const b = readFileSync(join(dir, 'resumed.safetensors'));
  assert.ok(a.equals(b), 'the resumed run saves the same bytes as the uninterrupted one');
  assert.equal(JSON.parse(readFileSync(join(ck, 'checkpoint.json'), 'utf8')).complete, true);
});

test('without --checkpoint, Ctrl-C writes a checkpoint into a new directory and says how to resume it', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'rectifier-cli-ckpt-'));
  const run = await cli(['train', '--dataset', 'circles', '--epochs', '40', '--samples', '800'], { cwd, interruptOn: /^epoch 2\/40 /m });
  assert.equal(run.code, 130, run.stderr);
  const made = readdirSync(cwd);
  assert.equal(made.length, 1, `one new directory: ${made}`);
  assert.match(made[0]!, /^rectifier-checkpoint-\d{8}-\d{6}$/);
  assert.match(run.stderr, new RegExp(`continue with:\\n  rectifier train --resume ${made[0]}\\n`));
  const every = await cli(['train', '--dataset', 'circles', '--every', '2'], { cwd });
  assert.equal(every.code, 1);
  assert.match(every.stderr, /--every needs --checkpoint <dir>/);
  const resumed = await cli(['train', '--resume', made[0]!, '--samples', '900'], { cwd });
  assert.equal(resumed.code, 1);
  assert.match(resumed.stderr, /--samples 900 conflicts with the checkpoint's --samples 800/);
});

test('a run killed with SIGKILL resumes from its last checkpoint, and the monitor\'s JSON lines hold each epoch once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-cli-ckpt-'));
  const jsonl = join(dir, 'health.jsonl');
  const ck = join(dir, 'run');
  const args = ['train', '--dataset', 'circles', '--epochs', '30', '--samples', '800', '--checkpoint', ck, '--every', '4', '--monitor-jsonl', jsonl];
  const killed = await new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', tsx, join(root, 'src/cli/main.ts'), ...args], { cwd: dir });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/^epoch 7\/30 /m.test(stdout)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr: '' }));
  });
  assert.equal(killed.signal, 'SIGKILL');
  const before = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch as number);
  assert.ok(before.includes(6), 'the killed run had written the lines of epochs past its last checkpoint');
  const { epoch } = JSON.parse(readFileSync(join(ck, 'checkpoint.json'), 'utf8'));
  assert.ok(epoch >= 4 && epoch <= 8 && epoch % 4 === 0, `the last checkpoint is at an epoch's end every 4 epochs, got ${epoch}`);
  const resumed = await cli(['train', '--resume', ck, '--json'], { cwd: dir });
  assert.equal(resumed.code, 0, resumed.stderr);
  const epochs = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch as number);
  assert.deepEqual(epochs, Array.from({ length: 30 }, (_, e) => [e, e, e]).flat(), 'three layers per epoch, each epoch once, in order');
});
