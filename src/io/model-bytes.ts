/**
 * Where model bytes go (`model.save(destination)`) and come from (`loadModel(source)`):
 *
 *   'model.safetensors', 'file:///…'   a file (Node)
 *   'indexeddb://name'                  the page's IndexedDB (any size)
 *   'localstorage://name'               the page's localStorage (small models)
 *   'downloads://name'                  a download of name.safetensors (save only)
 *   'https://…', a relative URL         fetched (load only)
 *   File, Blob, Response, bytes         (load only)
 *
 * The bytes are the same safetensors file everywhere.
 */
import { describe } from '../util/describe.js';
import { download, loadFromIndexedDb, loadFromLocalStorage, saveToIndexedDb, saveToLocalStorage } from './browser-stores.js';
import { filePathOf, fileSystem } from './file-system.js';
import { readBytes, schemeOf, BYTES_SOURCE_KINDS, type BytesSource, type NamedBytes } from './sources.js';

export type ModelDestination = string | URL;
export type ModelSource = BytesSource;

const STORES = ['indexeddb', 'localstorage', 'downloads'] as const;

/** The name after `scheme://`, checked. */
function storeName(fn: string, text: string, scheme: string): string {
  const name = text.slice(scheme.length + 3);
  if (name === '' || !text.slice(scheme.length).startsWith('://')) {
    throw new TypeError(`${fn}: expected ${scheme}://<name>, got ${JSON.stringify(text)}`);
  }
  return name;
}

/**
 * Writes model bytes. A file is written before this returns (errors still come as a rejection); the
 * browser stores complete when the promise resolves.
 */
export function writeModelBytes(fn: string, destination: ModelDestination, bytes: Uint8Array): Promise<void> {
  try {
    if (typeof destination !== 'string' && !(destination instanceof URL)) {
      throw new TypeError(`${fn}: destination must be a path, a file:// URL, or indexeddb://, localstorage:// or downloads:// and a name, got ${describe(destination)}`);
    }
    const text = String(destination);
    if (text === '') throw new TypeError(`${fn}: destination must be a non-empty path or URL, got ""`);
    const scheme = schemeOf(text);
    const instead = "save to 'indexeddb://name', 'localstorage://name' or 'downloads://name'";
    switch (scheme) {
      case null:
        fileSystem(fn, instead).writeFileAtomic(text, bytes);
        return Promise.resolve();
      case 'file':
        fileSystem(fn, instead).writeFileAtomic(filePathOf(new URL(text)), bytes);
        return Promise.resolve();
      case 'indexeddb':
        return saveToIndexedDb(fn, storeName(fn, text, scheme), bytes);
      case 'localstorage':
        saveToLocalStorage(fn, storeName(fn, text, scheme), bytes);
        return Promise.resolve();
      case 'downloads':
        download(fn, storeName(fn, text, scheme), bytes);
        return Promise.resolve();
      default:
        throw new TypeError(`${fn}: cannot save to ${scheme}:// URLs; expected a path, a file:// URL, or ${STORES.map((s) => `${s}://`).join(', ')} and a name`);
    }
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Reads model bytes from any source above. */
export async function readModelBytes(fn: string, source: ModelSource): Promise<NamedBytes> {
  if (typeof source === 'string' || source instanceof URL) {
    const text = String(source);
    const scheme = schemeOf(text);
    if (scheme === 'indexeddb') return { bytes: await loadFromIndexedDb(fn, storeName(fn, text, scheme)), name: text };
    if (scheme === 'localstorage') return { bytes: loadFromLocalStorage(fn, storeName(fn, text, scheme)), name: text };
    if (scheme === 'downloads') throw new TypeError(`${fn}: downloads:// is for saving; load the downloaded file from a File (a file input) or its URL`);
  } else if (!(source instanceof ArrayBuffer || ArrayBuffer.isView(source) || (typeof Blob !== 'undefined' && source instanceof Blob) || (typeof Response !== 'undefined' && source instanceof Response))) {
    throw new TypeError(`${fn}: source must be ${BYTES_SOURCE_KINDS}, or indexeddb:// or localstorage:// and a name, got ${describe(source)}`);
  }
  return readBytes(fn, source);
}
