// Measures the one-off JSON → binary cache conversion and the cached load of the bundled image
// sets, in a fresh temporary cache directory so an existing cache does not hide the first cost.
// Run: node --import tsx scripts/data-timing.ts

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fashionMnist, mnist, type LoadInfo } from '../src/data/node.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rectifier-data-timing-'));
try {
  for (const [name, load] of [
    ['fashion-mnist', fashionMnist],
    ['mnist', mnist],
  ] as const) {
    for (const pass of ['convert', 'cached', 'cached']) {
      let info: LoadInfo | undefined;
      const split = await load({ cacheDir: dir, onLoad: (i) => (info = i) });
      const size = fs.statSync(info!.cachePath!).size;
      console.log(
        `${name.padEnd(14)} ${pass.padEnd(8)} source=${info!.source.padEnd(5)} ${info!.ms.toFixed(0).padStart(6)} ms  ` +
          `train ${split.train.length} test ${split.test.length}  cache ${(size / 1e6).toFixed(1)} MB`,
      );
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
