/**
 * The `rectifier` command on bad requests and broken models: output paths checked before training, a
 * non-finite loss that still saves and summarises what was kept, models whose outputs are not finite, a
 * model saved without compile settings, empty option values, unknown help topics, and commands that free
 * what they loaded when they fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layers, loadModel, memory, sequential } from 'rectifier';
import { runCli } from '../src/cli/program.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rectifier-cli-errors-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A [2] → 3 model for the spiral set; `poison` fills its weights with NaN. */
function saveModel(name: string, options: { compiled: boolean; poison?: boolean }): string {
  const model = sequential({ inputShape: [2], seed: 1, layers: [layers.dense({ units: 8, activation: 'relu' }), layers.dense({ units: 3 })] });
  if (options.compiled) model.compile({ optimizer: 'adam', loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  if (options.poison) for (const p of model.weights()) p.assign(new Float32Array(p.size).fill(Number.NaN));
  const file = join(dir, name);
  model.save(file);
  model.dispose();
  return file;
}

test('train checks --save before training: a missing folder, a directory or a device is an error at once', () => {
  // --save nodir/x.safetensors used to train every epoch and then fail with ENOENT, losing the model.
  const missing = join(dir, 'nodir', 'x.safetensors');
  const r = cli('train', '--dataset', 'spiral', '--epochs', '1', '--save', missing);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^rectifier: --save .*nodir\/x\.safetensors: the folder .*nodir does not exist \(ENOENT\); create it first\n$/);
  assert.doesNotMatch(r.stdout, /epoch 1\/1/, 'no epoch was run');
  assert.match(cli('train', '--dataset', 'spiral', '--save', dir).stderr, /^rectifier: --save .* is a directory; give a file path inside it\n$/);
  // A rename onto /dev/null would replace the device itself.
  assert.match(cli('train', '--dataset', 'spiral', '--save', '/dev/null').stderr, /^rectifier: --save \/dev\/null is a character device, not a file to write\n$/);
  assert.match(cli('train', '--dataset', 'spiral', '--monitor-jsonl', join(dir, 'nodir', 'm.jsonl')).stderr, /^rectifier: --monitor-jsonl .* does not exist/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no probe file is left');
});

test('train after a non-finite loss saves the weights kept, prints the JSON summary with the failure, and exits 1', async () => {
  const file = join(dir, 'kept.safetensors');
  const r = cli('train', '--dataset', 'spiral', '--epochs', '3', '--lr', '1e30', '--json', '--save', file);
  assert.equal(r.code, 1, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(summary.saved, file);
  assert.equal(summary.failure.loss, 'NaN');
  assert.match(summary.failure.message, /^the loss became NaN at epoch \d+, step \d+; training stopped and the weights of the last finite loss were kept/);
  assert.ok(Number.isFinite(summary.testLoss) && summary.testAccuracy >= 0, 'the kept weights are evaluated');
  assert.match(r.stderr, /^rectifier: train: the loss became NaN .* Those weights were saved to .*kept\.safetensors\.\n$/);
  const model = await loadModel(file);
  assert.ok(model.weights().every((p) => (p.value.data as Float32Array).every(Number.isFinite)), 'the saved weights are the finite ones');
  model.dispose();
});

test('predict and evaluate on a model whose outputs are not finite say so and exit 1', () => {
  const file = saveModel('nan.safetensors', { compiled: true, poison: true });
  // predict used to crash on "Cannot read properties of undefined (reading 'padEnd')", and --json said
  // "predicted": -1; evaluate reported accuracy 0.333 with exit 0.
  for (const args of [['predict', file, '--dataset', 'spiral', '--samples', '3'], ['predict', file, '--dataset', 'spiral', '--json'], ['evaluate', file, '--dataset', 'spiral', '--json']]) {
    const r = cli(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, new RegExp(`^rectifier: ${args[0]}: .*nan\\.safetensors outputs NaN for test sample 0 \\(output 0\\); its outputs are not finite`));
    assert.equal(r.stdout, '');
  }
});

test('evaluate on a model saved without compile settings uses softmax cross-entropy for its class outputs', () => {
  const file = saveModel('plain.safetensors', { compiled: false });
  // It used to say "call model.compile(...)", which a CLI user cannot do.
  const r = cli('evaluate', file, '--dataset', 'spiral', '--json');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout.trim());
  assert.equal(result.defaultLoss, 'softmax_cross_entropy');
  assert.ok(result.loss > 0 && Number.isFinite(result.loss));
  assert.ok(result.accuracy >= 0 && result.accuracy <= 1);
});

test('an empty integer option is reported as empty, not as 0; help on an unknown command says so', () => {
  assert.match(cli('train', '--dataset', 'spiral', '--epochs', '').stderr, /^rectifier: --epochs must be an integer, got ""\n$/);
  assert.match(cli('train', '--dataset', 'spiral', '--seed', '99999999999999999999').stderr, /^rectifier: --seed must be an integer, got "99999999999999999999"\n$/);
  const help = cli('help', 'nope');
  assert.equal(help.code, 1);
  assert.match(help.stderr, /^rectifier: help: unknown command "nope"; the commands are start, lab, /);
  assert.match(cli('report', 'x', '--out', '--json').stderr, /^rectifier: --out needs a path or a name, got "--json", which looks like an option; write \.\/--json/);
  assert.match(cli('lab', 'x'.repeat(100_000)).stderr, /^rectifier: lab: unknown experiment "x{190}…" \(100000 characters\); valid experiments: /);
});

test('runCli frees the models it loaded and trained, whether the command succeeds or fails', async () => {
  const file = saveModel('free.safetensors', { compiled: true });
  const csv = join(dir, 'small.csv');
  writeFileSync(csv, ['a,b,label', ...Array.from({ length: 20 }, (_, i) => `${i / 10},${-i / 10},${i % 3}`)].join('\n'));
  const before = memory().numTensors;
  assert.equal(await runCli(['evaluate', file, '--dataset', 'nope']), 1);
  assert.equal(await runCli(['predict', file, '--dataset', join(dir, 'missing.csv')]), 1);
  assert.equal(await runCli(['train', '--dataset', csv, '--epochs', '1', '--json']), 0);
  assert.equal(memory().numTensors, before, 'no tensor outlives the commands');
  assert.ok(existsSync(file));
});
