/**
 * io/ — model bytes: the safetensors format as pure functions on bytes (encode, parse from any
 * `ByteSource`), and in Node, atomic file writes, safetensors read from a path, and directories replaced
 * as a whole (generations committed by a pointer file, for training checkpoints).
 */
export { MAX_HEADER_BYTES, bytesSource, encodeSafetensors, parseSafetensors } from './safetensors.js';
export type { ByteSource, NamedArray, SafetensorsContents } from './safetensors.js';
export { readSafetensors, writeFileAtomic } from './files.js';
export { readGenerationPointer, writeGeneration } from './generations.js';
export type { GenerationPointer, GenerationStage, GenerationWrite } from './generations.js';
