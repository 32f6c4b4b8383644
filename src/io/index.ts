/**
 * io/ — model bytes: the safetensors format as pure functions on bytes (encode, parse from any
 * `ByteSource`; F32, and every numeric dtype on request for files from elsewhere), where bytes go and
 * come from (files in Node; in a page IndexedDB, localStorage, downloads, URLs, File/Blob), and the file
 * system hook that keeps this folder out of Node's modules: Node's file system (files.ts: atomic writes,
 * safetensors read from a path, whole files read after a size check; generations.ts: directories
 * replaced as a whole, for training checkpoints) is installed by the Node code that imports it (Node's
 * entry, data/node.ts, the CLI) and is not exported from here.
 */
export { MAX_HEADER_BYTES, bytesSource, encodeSafetensors, parseSafetensors } from './safetensors.js';
export type { ByteSource, NamedArray, ParseSafetensorsOptions, SafetensorsContents, SafetensorsDtype } from './safetensors.js';
export { fileSystem, hasFileSystem, setFileSystem } from './file-system.js';
export type { FileSystem } from './file-system.js';
export { readBytes } from './sources.js';
export type { BytesSource, NamedBytes } from './sources.js';
export { readModelBytes, writeModelBytes } from './model-bytes.js';
export type { ModelDestination, ModelSource } from './model-bytes.js';
export { LOCAL_STORAGE_MAX_BYTES } from './browser-stores.js';
