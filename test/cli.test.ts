/**
 * The `rectifier` command end to end, as a user runs it: train → save → evaluate → predict, the JSON
 * contract of --json, and the errors for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(stdout: string): any {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

test('train --model rnn --init identity on the adding problem: an IRNN, an MSE summary with no accuracy', () => {
  const r = cli('train', '--dataset', 'adding-10', '--model', 'rnn', '--activation', 'relu', '--init', 'identity', '--epochs', '8', '--lr', '0.003', '--samples', '2000', '--json');
  assert.equal(r.code, 0, r.stderr);
  const s = lastJson(r.stdout);
  assert.equal(s.model, 'rnn');
  assert.equal(s.testAccuracy, null);
  assert.ok(s.testLoss < 0.1, `IRNN test MSE on adding-10 after 8 epochs: ${s.testLoss} (predicting the mean: 1/6)`);
});

test('train --json on spiral ends with one JSON summary, and relu separates what linear cannot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-cli-'));
  const file = join(dir, 'spiral.safetensors');
  const relu = cli('train', '--dataset', 'spiral', '--epochs', '60', '--seed', '3', '--json', '--save', file);
  assert.equal(relu.code, 0, relu.stderr);
  const s = lastJson(relu.stdout);
  for (const key of ['testAccuracy', 'testLoss', 'epochs', 'seconds']) assert.ok(key in s, `summary has ${key}`);
  assert.equal(s.epochs, 60);
  assert.ok(s.testAccuracy >= 0.95, `relu spiral accuracy ${s.testAccuracy}`);
  assert.ok(existsSync(file));

  const linear = cli('train', '--dataset', 'spiral', '--epochs', '60', '--seed', '3', '--activation', 'linear', '--json');
  assert.equal(linear.code, 0, linear.stderr);
  assert.ok(lastJson(linear.stdout).testAccuracy < 0.7, 'a linear model cannot separate three spiral arms');

  const evaluated = cli('evaluate', file, '--dataset', 'spiral', '--json');
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const e = lastJson(evaluated.stdout);
  assert.ok(Math.abs(e.accuracy - s.testAccuracy) < 1e-9, `evaluate after load gives the accuracy measured after training: ${e.accuracy} vs ${s.testAccuracy}`);

  const predicted = cli('predict', file, '--dataset', 'spiral', '--samples', '5', '--json');
  assert.equal(predicted.code, 0, predicted.stderr);
  const rows = lastJson(predicted.stdout);
  assert.equal(rows.length, 5);
  for (const r of rows) {
    assert.ok(r.predicted >= 0 && r.predicted < 3);
    assert.ok(r.probability > 0 && r.probability <= 1);
  }
});

test('train --monitor prints a health table per epoch; inspect reports each layer of a saved model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-cli-'));
  const file = join(dir, 'm.safetensors');
  const jsonl = join(dir, 'health.jsonl');
  const r = cli('train', '--dataset', 'circles', '--epochs', '2', '--monitor', '--monitor-jsonl', jsonl, '--save', file);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.stdout.match(/Epoch \d health:/g) ?? []).length, 2, r.stdout);
  assert.match(r.stdout, /dense_1\s+relu/);
  const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2 * 3, 'one line per epoch per layer (two hidden relu layers and the logits)');
  assert.deepEqual([...new Set(lines.map((l) => l.epoch))], [0, 1]);

  const inspected = cli('inspect', file, '--dataset', 'circles', '--samples', '200', '--json');
  assert.equal(inspected.code, 0, inspected.stderr);
  const report = lastJson(inspected.stdout);
  const layersOf = (report.layers ?? report) as Array<{ name: string; activation: string | null; sparsity: number }>;
  assert.deepEqual(layersOf.map((l) => l.activation), ['relu', 'relu', null]);
  for (const l of layersOf.slice(0, 2)) assert.ok(l.sparsity > 0 && l.sparsity < 1, `${l.name} sparsity ${l.sparsity}`);
});

test('bad input is a one-line message and a non-zero exit, not a stack trace', () => {
  const cases: Array<[string[], RegExp]> = [
    [['train', '--dataset', 'spiral', '--activation', 'rleu'], /unknown activation "rleu"; did you mean "relu"/],
    [['train', '--dataset', 'cifar'], /--dataset must be one of fashion-mnist, mnist, spiral, circles, xor, gaussians, seq-mnist, pixel-mnist, pmnist, char-text, adding, adding-<T> or a path to a \.csv file, got "cifar"/],
    [['train', '--dataset', 'adding-20', '--model', 'mlp'], /--dataset adding-20 is a sequence task: use --model rnn, lstm or gru/],
    [['train', '--dataset', 'spiral', '--model', 'lstm'], /--model lstm needs sequences/],
    [['train', '--dataset', 'spiral', '--epochs', 'two'], /--epochs must be an integer, got "two"/],
    [['train', '--dataset', 'spiral', '--epochs', '0'], /--epochs must be a positive integer, got 0/],
    [['train', '--dataset', 'spiral', '--model', 'cnn'], /--model cnn needs image data/],
    [['train', '--dataset', 'spiral', '--model', '3-8-3'], /the first width is the input size and must be 2/],
    [['train', '--dataset', 'spiral', '--optimizer', 'rmsprop'], /--optimizer must be one of sgd, adam, adamw/],
    [['evaluate', '/nonexistent/model.safetensors', '--dataset', 'spiral'], /model\.safetensors/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /^\s+at /m, `${args.join(' ')} printed a stack trace`);
  }
});

test('activations --json lists the whole table', () => {
  const r = cli('activations', '--json');
  assert.equal(r.code, 0, r.stderr);
  const rows = lastJson(r.stdout);
  assert.equal(rows.length, 20);
  assert.deepEqual(rows.find((x: any) => x.id === 'leaky_relu').params, { alpha: 0.01 });
});
