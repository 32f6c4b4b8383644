import { generateCase } from './harness.js';
import { loadTargets } from './suite.js';
import { mkdtempSync } from 'node:fs';
const [t] = await loadTargets([process.argv[2]!]);
const corpus = await t!.corpus(mkdtempSync('/tmp/fz-'));
const t0 = performance.now();
let bytes = 0; let worst = 0, worstI = -1;
for (let i = 0; i < 300; i++) { const a = performance.now(); const c = generateCase(t!, corpus, 1, i); const d = performance.now() - a; if (d > worst) { worst = d; worstI = i; } for (const v of Object.values(c.files)) bytes += v.length; }
console.log('gen ms/case', ((performance.now() - t0) / 300).toFixed(2), 'MB/case', (bytes / 300 / 1e6).toFixed(2), 'worst', worst.toFixed(0), worstI);
