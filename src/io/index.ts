/**
 * io/ — model bytes: the safetensors format as pure functions on bytes (encode, parse from any
 * `ByteSource`), and in Node, atomic file writes and safetensors read from a path.
 */
export { MAX_HEADER_BYTES, bytesSource, encodeSafetensors, parseSafetensors } from './safetensors.js';
export type { ByteSource, NamedArray, SafetensorsContents } from './safetensors.js';
export { readSafetensors, writeFileAtomic } from './files.js';
