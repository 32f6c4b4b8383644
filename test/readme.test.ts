/**
 * The README is the front door: every TypeScript example in it runs as written, and the commands it
 * shows exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

test('the quick start is exactly the two commands', () => {
  const quick = readme.slice(readme.indexOf('## Quick start'));
  const block = /```sh\n([\s\S]*?)```/.exec(quick)![1]!.trim().split('\n');
  assert.deepEqual(block, ['npm install && npm start', 'npm test']);
});

test('every ts example in the README runs', () => {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 2, 'the README has examples');
  // Inside the repository so that `import … from 'rectifier'` resolves to the sources.
  const dir = join(root, '.cache', 'readme-examples');
  mkdirSync(dir, { recursive: true });
  try {
    blocks.forEach((code, i) => {
      const file = join(dir, `example-${i}.ts`);
      writeFileSync(file, code);
      const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', file], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
      assert.equal(r.status, 0, `README example ${i + 1} failed:\n${code}\n${r.stderr}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the npm scripts the README names exist', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const m of readme.matchAll(/npm run (?:-s )?([a-z:]+)/g)) assert.ok(pkg.scripts[m[1]!], `npm run ${m[1]}`);
});
