/**
 * Bytes from wherever a user has them: in memory (ArrayBuffer, a typed array), a Blob or File (a file
 * input, a drop), a fetch Response, a URL (fetched; `file://` URLs and plain paths read from the file
 * system in Node).
 */
import { describe } from '../util/describe.js';
import { filePathOf, fileSystem, hasFileSystem } from './file-system.js';

export type BytesSource = string | URL | ArrayBuffer | ArrayBufferView | Blob | Response;

/** Bytes and a name for messages (the path, URL or file name). */
export interface NamedBytes {
  readonly bytes: Uint8Array;
  readonly name: string;
}

/** A URL scheme: `https://x` → 'https', `C:\dir` (a Windows path) and `dir/file` → null. */
export function schemeOf(text: string): string | null {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(text);
  return m && m[1]!.length > 1 ? m[1]!.toLowerCase() : null;
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

function isResponse(value: unknown): value is Response {
  return typeof Response !== 'undefined' && value instanceof Response;
}

async function fetched(fn: string, url: string): Promise<NamedBytes> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`${fn}: cannot fetch ${url} (${(e as Error).message})`);
  }
  if (!response.ok) throw new Error(`${fn}: cannot fetch ${url}: HTTP ${response.status}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), name: url };
}

function readPath(fn: string, path: string, shown: string): NamedBytes {
  const fs = fileSystem(fn, 'pass a URL, a File or Blob, or the bytes');
  try {
    return { bytes: fs.readFile(path), name: shown };
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    // Node's file system names the file and the reason already ("cannot read x: it is a directory, …").
    if (message.startsWith('cannot read')) throw new Error(`${fn}: ${message}`);
    throw new Error(`${fn}: cannot read ${path} (${(e as { code?: string }).code ?? message})`);
  }
}

/** What a source is, for the error when it is none of the accepted kinds. */
export const BYTES_SOURCE_KINDS = 'a path or URL, a File or Blob, a Response, an ArrayBuffer or a typed array';

/** Reads a source's bytes. `fn` names the public function in messages. */
export async function readBytes(fn: string, source: BytesSource): Promise<NamedBytes> {
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: `${source.byteLength} bytes` };
  if (ArrayBuffer.isView(source)) {
    return { bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), name: `${source.byteLength} bytes` };
  }
  if (isBlob(source)) {
    const name = (source as { name?: unknown }).name;
    return { bytes: new Uint8Array(await source.arrayBuffer()), name: typeof name === 'string' && name !== '' ? name : `a Blob of ${source.size} bytes` };
  }
  if (isResponse(source)) {
    if (!source.ok) throw new Error(`${fn}: the Response for ${source.url || 'the request'} has HTTP status ${source.status}`);
    return { bytes: new Uint8Array(await source.arrayBuffer()), name: source.url || 'the Response' };
  }
  if (source instanceof URL || typeof source === 'string') {
    const text = String(source);
    if (text === '') throw new TypeError(`${fn}: expected ${BYTES_SOURCE_KINDS}, got an empty string`);
    const scheme = schemeOf(text);
    if (scheme === 'file') return readPath(fn, filePathOf(new URL(text)), text);
    // A path in Node; in a page, a URL relative to it.
    if (scheme === null) return hasFileSystem() ? readPath(fn, text, text) : fetched(fn, text);
    return fetched(fn, text);
  }
  throw new TypeError(`${fn}: expected ${BYTES_SOURCE_KINDS}, got ${describe(source)}`);
}
