/**
 * Fuzz target: the `rectifier` command line, run in process through `runCli`. Inputs are valid, quick
 * command lines (train on a 30-row table, evaluate, predict and inspect a saved model, report, activations,
 * lab) with tokens replaced by bad values (empty, NaN, Infinity, 1e309, 2^53 + 1, hex, a megabyte of text,
 * paths to directories, devices, pipes and missing folders), deleted, duplicated or swapped, unknown options
 * added and the subcommand changed. Every command ends in exit 0 with what it promised (the JSON line of
 * --json, the saved model), or in a non-zero exit with one message and no stack trace. A lab is started with
 * its stop signal already raised: it must check its arguments, then stop with exit 130 and write
 * results.json marked incomplete.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { layers, loadModel, sequential } from 'rectifier';
import { runCli } from '../../../src/cli/program.js';
import { exampleResults } from '../../helpers/report-example.js';
import { captured } from '../capture.js';
import { chance, longString, pick, smallInt } from '../mutate.js';
import { ReportedError, WrongResult, type FuzzCase, type FuzzTarget } from '../target.js';

interface Corpus {
  readonly files: Record<string, Uint8Array | string>;
}

interface Args {
  readonly argv: readonly string[];
}

const BASES: readonly (readonly string[])[] = [
  ['train', '--dataset', 'tiny.csv', '--epochs', '2', '--batch-size', '8', '--json', '--save', 'out.safetensors'],
  ['train', '--dataset', 'tiny.csv', '--model', '2-8-3', '--epochs', '1', '--optimizer', 'sgd', '--lr', '0.1', '--seed', '3', '--samples', '10', '--json'],
  ['train', '--dataset', 'tiny.csv', '--epochs', '1', '--activation', 'leaky_relu', '--init', 'he_normal', '--monitor', '--monitor-jsonl', 'm.jsonl'],
  ['evaluate', 'model.safetensors', '--dataset', 'tiny.csv', '--json'],
  ['evaluate', 'plain.safetensors', '--dataset', 'tiny.csv'],
  ['predict', 'model.safetensors', '--dataset', 'tiny.csv', '--samples', '3', '--json'],
  ['predict', 'nan.safetensors', '--dataset', 'tiny.csv', '--samples', '2'],
  ['inspect', 'model.safetensors', '--dataset', 'tiny.csv', '--samples', '5', '--split', 'train', '--json'],
  ['report', 'results.json', '--out', 'rep', '--json'],
  ['activations', '--json'],
  ['lab', 'depth', '--budget', 'tiny', '--seeds', '1', '--out', 'labout', '--json'],
  ['lab', 'dying', 'init', '--quick', '--out', 'labout'],
];

/** Option names the parser knows, to add with a bad value. */
const OPTIONS = ['--dataset', '--model', '--activation', '--epochs', '--batch-size', '--optimizer', '--lr', '--init', '--seed', '--samples', '--backend', '--save', '--monitor-jsonl', '--split', '--out', '--seeds', '--budget'];

/**
 * Values that are wrong for every option, or harmless where they are right: none asks for long work (a
 * count such as 3000000000 would be a valid --epochs, and a run of that length is not a hang).
 */
function badArg(rng: Parameters<FuzzTarget['generate']>[0]): string {
  return chance(rng, 0.08)
    ? longString(rng, pick(rng, [300, 100_000]))
    : pick(rng, [
      '', ' ', '-1', '0', '1.5', '-0', 'NaN', 'Infinity', '-Infinity', '1e309', '99999999999999999999', '9007199254740993', '0x10', '1e-3',
      'abc', '\u0000', '--', '-', '--json', '--help', 'é', '..', '.', '/', '/dev/null', '/dev/zero', 'pipe.csv', 'missing.csv',
      'nodir/x.safetensors', 'nodir/x.csv', '/proc/fuzz-out', 'tiny.csv', 'model.safetensors', 'nan.safetensors', 'results.json', 'dir.csv',
      'empty.csv', 'huge.csv', 'badlabel.csv', 'relu', 'cnn', '2-0-3', '784-10', 'he_normal', 'wasm', 'js', 'nope', 'test', 'train', 'full',
    ]);
}

/** Applies 1 to 3 edits to a valid command line. */
function mutateArgv(rng: Parameters<FuzzTarget['generate']>[0], base: readonly string[]): { argv: string[]; how: string } {
  const argv = [...base];
  const hows: string[] = [];
  const edits = smallInt(rng, 1, 3);
  for (let e = 0; e < edits; e++) {
    const i = 1 + rng.int(Math.max(1, argv.length - 1));
    switch (rng.int(9)) {
      case 0:
      case 1:
      case 2: {
        const v = badArg(rng);
        argv[i] = v;
        hows.push(`argv[${i}] = ${v.length > 20 ? `string(${v.length})` : JSON.stringify(v)}`);
        break;
      }
      case 3:
        argv.splice(i, 1);
        hows.push(`argv[${i}] deleted`);
        break;
      case 4: {
        const option = pick(rng, OPTIONS);
        const v = badArg(rng);
        argv.splice(i, 0, option, v);
        hows.push(`${option} ${v.length > 20 ? `string(${v.length})` : JSON.stringify(v)} inserted`);
        break;
      }
      case 5: {
        const extra = pick(rng, ['--nope', '-x', '--epochs=', '--epochs=3x', '---epochs', '--json=false', '--no-json', '-h', 'extra-positional']);
        argv.splice(i, 0, extra);
        hows.push(`${extra} inserted`);
        break;
      }
      case 6:
        argv.push(argv[i] ?? '--json');
        hows.push(`argv[${i}] repeated at the end`);
        break;
      case 7: {
        if (argv.length < 3) break;
        const a = 1 + rng.int(argv.length - 1);
        const b = 1 + rng.int(argv.length - 1);
        [argv[a], argv[b]] = [argv[b]!, argv[a]!];
        hows.push(`argv[${a}] and argv[${b}] swapped`);
        break;
      }
      default: {
        const command = pick(rng, ['train', 'evaluate', 'predict', 'inspect', 'report', 'activations', 'help', 'TRAIN', '', 'nope']);
        argv[0] = command;
        hows.push(`command ${JSON.stringify(command)}`);
      }
    }
  }
  return { argv, how: hows.join('; ') };
}

export const target: FuzzTarget<Corpus> = {
  name: 'cli',

  async corpus(dir) {
    const rows = ['a,b,label'];
    for (let i = 0; i < 30; i++) rows.push(`${((i * 7) % 11) / 5 - 1},${((i * 5) % 13) / 6 - 1},${i % 3}`);
    const model = (name: string, compiled: boolean, poison = false): Uint8Array => {
      const m = sequential({ inputShape: [2], seed: 5, layers: [layers.dense({ units: 8, activation: 'relu' }), layers.dense({ units: 3 })] });
      if (compiled) m.compile({ optimizer: 'adam', loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
      if (poison) for (const p of m.weights()) p.assign(new Float32Array(p.size).fill(Number.NaN));
      m.save(join(dir, name));
      m.dispose();
      return new Uint8Array(readFileSync(join(dir, name)));
    };
    const results = exampleResults();
    return {
      files: {
        'tiny.csv': rows.join('\n'),
        'empty.csv': '',
        'huge.csv': 'a,b,label\n1,1e39,0\n2,3,1\n',
        'badlabel.csv': `a,b,label\n1,2,0\n2,3,${3e9}\n`,
        'model.safetensors': model('model.safetensors', true),
        'plain.safetensors': model('plain.safetensors', false),
        'nan.safetensors': model('nan.safetensors', true, true),
        'results.json': JSON.stringify({ ...results, experiments: { variants: results.experiments.variants } }),
        'dir.csv/inner.csv': 'a,b\n1,0\n',
      },
    };
  },

  generate(rng, corpus): FuzzCase {
    const base = pick(rng, BASES);
    const { argv, how } = mutateArgv(rng, base);
    // A named pipe costs a process to make, so only cases that name it get one.
    const fifos = argv.includes('pipe.csv') ? ['pipe.csv'] : [];
    return { files: corpus.files, fifos, args: { argv } satisfies Args, how, mayLeave: ['m.jsonl', 'out.safetensors'] };
  },

  async run(raw, dir) {
    const args = raw as Args;
    const before = new Set(listFiles(dir));
    const stop = new AbortController();
    stop.abort();
    const code = await runCli(args.argv, { signal: stop.signal });
    const { stdout, stderr } = captured();
    const command = args.argv[0];
    const created = listFiles(dir).filter((f) => !before.has(f));
    if (code === 130 && (command === 'lab' || command === 'start')) {
      // The last --out wins, as commander reads options; the lab's default folder otherwise.
      const outAt = args.argv.lastIndexOf('--out');
      const out = outAt >= 0 ? args.argv[outAt + 1]! : 'lab-results';
      let results: { complete?: unknown };
      try {
        results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { complete?: unknown };
      } catch (e) {
        throw new WrongResult(`the stopped lab left no readable ${join(out, 'results.json')}: ${(e as Error).message.slice(0, 200)}`);
      }
      if (results.complete !== false) throw new WrongResult('a lab stopped before it began says it is complete');
      return { outputs: created.filter((f) => !isHidden(f)) };
    }
    if (code !== 0) throw new ReportedError(stderr.trim() || `exit code ${code} and nothing on stderr`);
    const helped = args.argv.includes('--help') || args.argv.includes('-h') || command === 'help';
    if (args.argv.includes('--json') && !helped) {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        JSON.parse(last);
      } catch {
        throw new WrongResult(`--json, but the last line of stdout is not JSON: ${last.slice(0, 200)}`);
      }
    }
    const saveAt = args.argv.indexOf('--save');
    if (command === 'train' && !helped && saveAt >= 0 && args.argv[saveAt + 1] !== undefined && !args.argv[saveAt + 1]!.startsWith('-')) {
      const saved = await loadModel(args.argv[saveAt + 1]!);
      saved.dispose();
    }
    return { outputs: created.filter((f) => !isHidden(f)) };
  },

  hasContext(message) {
    // The CLI speaks for itself: its messages start with `rectifier:` or commander's `error:`.
    return /^(rectifier: |error: )/.test(message);
  },
};

function isHidden(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.'));
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? listFiles(p, base) : [relative(base, p)];
  });
}


