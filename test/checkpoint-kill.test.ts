/**
 * Resumed equals uninterrupted, with real kills: a training run in a child process (helpers/checkpoint-child.ts)
 * is killed with SIGKILL again and again, at random moments and inside checkpoint writes (at each stage of
 * a write, paused there by the write test hook), and resumed each time from its checkpoint directory. The
 * run that finally completes must end with weights byte-identical to the same run never interrupted (and
 * the same history). After each kill, the checkpoint directory must name a complete checkpoint: the
 * previous one when the kill came before the commit, the new one after, and the next child must resume
 * exactly there. Both backends; their kill sequences run side by side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpointState, type BackendName } from 'rectifier';
import { trainSpiral } from './helpers/checkpoint-run.js';
import type { ChildConfig } from './helpers/checkpoint-child.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const EPOCHS = 6;

type Kill = { kind: 'random'; withinMs: number } | { kind: 'pause'; stage: string; nth: number };

interface ChildRun {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last line the child printed before it was killed. */
  lastLine: string;
  stderr: string;
}

function runChild(config: ChildConfig, kill: Kill | null): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'test/helpers/checkpoint-child.ts', JSON.stringify(config)], { cwd: root });
    const lines: string[] = [];
    let stderr = '';
    let killed = false;
    let lastLine = '';
    const killNow = () => {
      if (killed) return;
      killed = true;
      lastLine = lines[lines.length - 1] ?? '';
      child.kill('SIGKILL');
    };
    child.stderr.on('data', (d) => { stderr += d; });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (killed) return;
      lines.push(line);
      if (kill?.kind === 'pause' && line === `PAUSED ${kill.stage}`) killNow();
      // The random moment is counted from the first step this child trains (after its start-up).
      if (kill?.kind === 'random' && line.startsWith('STEP') && lines.filter((l) => l.startsWith('STEP')).length === 1) {
        setTimeout(killNow, Math.random() * kill.withinMs);
      }
    });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`child timed out; stderr: ${stderr}`)); }, 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ lines, code, signal, lastLine: lastLine || (lines[lines.length - 1] ?? ''), stderr });
    });
  });
}

function pointerStep(dir: string): number | null {
  try {
    return readCheckpointState(dir).state.position.globalStep;
  } catch (e) {
    if (/holds no checkpoint/.test((e as Error).message)) return null;
    throw e;
  }
}

/** Kills and resumes a run until it completes; returns the final weights' bytes, its history, and what each kill hit. */
async function killAndResume(backend: BackendName, plan: Kill[]): Promise<{ bytes: Buffer; history: string; kills: string[]; resumedAt: number[] }> {
  const work = mkdtempSync(join(tmpdir(), `rectifier-kill-${backend}-`));
  const dir = join(work, 'checkpoints');
  const out = join(work, 'final.safetensors');
  const config = (pause: ChildConfig['pause']): ChildConfig => ({ dir, out, backend, epochs: EPOCHS, slowMs: 2, stepMs: 3, pause });
  const kills: string[] = [];
  const resumedAt: number[] = [];
  let expectedResume: number | null = null;
  for (const kill of [...plan, null]) {
    const run = await runChild(config(kill?.kind === 'pause' ? { stage: kill.stage, nth: kill.nth } : null), kill);
    const resumed = run.lines.find((l) => l.startsWith('RESUMED'));
    const resumedStep = resumed ? Number(resumed.split(' ')[3]) : null;
    assert.equal(resumedStep, expectedResume, `${backend}: the child resumed at step ${resumedStep}, the checkpoint directory named ${expectedResume}`);
    if (resumedStep !== null) resumedAt.push(resumedStep);
    if (kill === null || run.signal !== 'SIGKILL') {
      assert.equal(run.code, 0, `${backend}: the last child failed: ${run.stderr}`);
      assert.equal(run.lines[run.lines.length - 1], 'DONE');
      if (kill !== null) kills.push('none (the run completed before the random moment)');
      break;
    }
    // Where the kill landed: inside a checkpoint write (a STAGE line other than the last), or between steps.
    const steps = run.lines.filter((l) => l.startsWith('STEP'));
    const lastStep = steps.length ? Number(steps[steps.length - 1]!.split(' ')[1]) : (resumedStep ?? 0);
    const stage = /^(?:STAGE|PAUSED) (.+)$/.exec(run.lastLine)?.[1] ?? null;
    const pointer = pointerStep(dir);
    const entries = existsSync(dir) ? readdirSync(dir).length : 0;
    if (stage !== null && stage !== 'cleaned') {
      kills.push(`${kill.kind} kill during the checkpoint write of step ${lastStep}, after stage "${stage}"`);
      if (kill.kind !== 'pause') {
        // A random kill lands some time after the last line the child printed: the write may have gone on
        // to its commit meanwhile, so only the pointer's bounds are certain.
        assert.ok(pointer === null || pointer <= lastStep, `${backend}: after a kill during the write of step ${lastStep}, the pointer names ${pointer}`);
      } else if (stage === 'committed') {
        assert.equal(pointer, lastStep, `${backend}: killed after the commit, the new checkpoint (step ${lastStep}) is the latest`);
      } else {
        assert.ok(pointer === null || pointer < lastStep, `${backend}: killed before the commit (${stage}), the previous checkpoint stays the latest (pointer ${pointer}, write of ${lastStep})`);
        assert.ok(entries > (pointer === null ? 0 : 2), `${backend}: a write killed at "${stage}" leaves its partial files beside the checkpoint (${entries} entries)`);
      }
    } else {
      kills.push(`${kill.kind} kill at step ${lastStep}${stage === 'cleaned' ? ' (just after a checkpoint write)' : ''}`);
    }
    expectedResume = pointer;
  }
  // The final write removed everything the kills left behind.
  const left = readdirSync(dir).sort();
  assert.equal(left.length, 2, `${backend}: only checkpoint.json and the latest checkpoint remain, got ${left.join(', ')}`);
  assert.match(left[1]!, /^step-\d+$/);
  return { bytes: readFileSync(out), history: readFileSync(`${out}.history.json`, 'utf8'), kills, resumedAt };
}

test('a run killed with SIGKILL at random moments and inside checkpoint writes, and resumed, ends bit-identical to the uninterrupted run (wasm and js)', async (t) => {
  const references = new Map<BackendName, { bytes: Buffer; history: string }>();
  for (const backend of ['wasm', 'js'] as const) {
    const { model, history } = await trainSpiral({ backend, epochs: EPOCHS, dir: null });
    const file = join(mkdtempSync(join(tmpdir(), 'rectifier-ref-')), 'ref.safetensors');
    model.save(file);
    model.dispose();
    references.set(backend, { bytes: readFileSync(file), history: JSON.stringify(history) });
  }

  const stages = ['directory-created', 'file-written:model.safetensors', 'file-written:state.safetensors', 'file-written:state.json', 'renamed', 'committed'];
  const wasmPlan: Kill[] = [
    { kind: 'random', withinMs: 250 },
    ...stages.slice(0, 3).map((stage) => ({ kind: 'pause' as const, stage, nth: 2 })),
    { kind: 'random', withinMs: 250 },
    ...stages.slice(3).map((stage) => ({ kind: 'pause' as const, stage, nth: 2 })),
    { kind: 'random', withinMs: 150 },
  ];
  const jsPlan: Kill[] = [
    { kind: 'random', withinMs: 250 },
    { kind: 'pause', stage: 'file-written:state.safetensors', nth: 2 },
    { kind: 'random', withinMs: 200 },
    { kind: 'pause', stage: 'committed', nth: 1 },
  ];
  const [wasm, js] = await Promise.all([killAndResume('wasm', wasmPlan), killAndResume('js', jsPlan)]);
  for (const [backend, run] of [['wasm', wasm], ['js', js]] as const) {
    t.diagnostic(`${backend}: ${run.kills.length} kills: ${run.kills.join('; ')}; resumed at steps ${run.resumedAt.join(', ')}`);
    const ref = references.get(backend)!;
    assert.ok(run.bytes.equals(ref.bytes), `${backend}: the resumed run's final model file differs from the uninterrupted run's`);
    assert.equal(run.history, ref.history, `${backend}: the resumed run's history differs from the uninterrupted run's`);
    assert.ok(run.kills.filter((k) => k.includes('during the checkpoint write')).length >= (backend === 'wasm' ? 6 : 2), `${backend}: kills inside writes: ${run.kills.join('; ')}`);
  }
});
