/**
 * io/ — model bytes: the safetensors format as pure functions on bytes (encode, parse from any
 * `ByteSource`; F32, and every numeric dtype on request for files from elsewhere), and in Node, atomic
 * file writes, safetensors read from a path, whole files read after a size check, and directories
 * replaced as a whole (generations committed by a pointer file, for training checkpoints).
 */
export { MAX_HEADER_BYTES, bytesSource, encodeSafetensors, parseSafetensors } from './safetensors.js';
export type { ByteSource, NamedArray, ParseSafetensorsOptions, SafetensorsContents, SafetensorsDtype } from './safetensors.js';
export { readHead, readSafetensors, readWholeFile, writeFileAtomic } from './files.js';
export { makeDirectory, readGenerationPointer, writeGeneration } from './generations.js';
export type { GenerationPointer, GenerationStage, GenerationWrite } from './generations.js';
