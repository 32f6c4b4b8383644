/**
 * Where a page keeps model bytes: IndexedDB (any size), localStorage (small models: it holds a few MB of
 * text, and bytes go in as base64), and downloads (the browser saves a .safetensors file). The bytes are
 * exactly those of a Node file, so a model moves between the two unchanged.
 */

const DB_NAME = 'rectifier';
const STORE = 'models';
const LOCAL_PREFIX = 'rectifier:model:';
/** localStorage allows about 5 MB per origin, in UTF-16; base64 makes 4 characters of 3 bytes. */
export const LOCAL_STORAGE_MAX_BYTES = 2 * 1024 * 1024;

interface IdbRequest<T> {
  result: T;
  error: { message?: string } | null;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}

interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}

interface IdbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): void;
  transaction(store: string, mode: 'readonly' | 'readwrite'): {
    objectStore(name: string): { put(value: unknown, key: string): IdbRequest<unknown>; get(key: string): IdbRequest<unknown>; delete(key: string): IdbRequest<unknown> };
    oncomplete: (() => void) | null;
    onerror: (() => void) | null;
    error: { message?: string } | null;
  };
  close(): void;
}

function indexedDb(fn: string): { open(name: string, version?: number): IdbOpenRequest } {
  const idb = (globalThis as { indexedDB?: { open(name: string, version?: number): IdbOpenRequest } }).indexedDB;
  if (!idb) throw new Error(`${fn}: indexeddb:// needs a browser's IndexedDB, which this environment does not have`);
  return idb;
}

function request<T>(r: IdbRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(new Error(`${what}: ${r.error?.message ?? 'IndexedDB request failed'}`));
  });
}

async function openDb(fn: string): Promise<IdbDatabase> {
  const open = indexedDb(fn).open(DB_NAME, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE);
  };
  return request(open, `${fn}: cannot open the IndexedDB database "${DB_NAME}"`);
}

/** Stores the bytes under `name` in IndexedDB (database "rectifier", store "models"). */
export async function saveToIndexedDb(fn: string, name: string, bytes: Uint8Array): Promise<void> {
  const db = await openDb(fn);
  try {
    const tx = db.transaction(STORE, 'readwrite');
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(new Error(`${fn}: cannot store "${name}" in IndexedDB: ${tx.error?.message ?? 'transaction failed'}`));
    });
    // A copy of exactly these bytes (the argument may be a view into a larger buffer).
    tx.objectStore(STORE).put(bytes.slice().buffer, name);
    await done;
  } finally {
    db.close();
  }
}

export async function loadFromIndexedDb(fn: string, name: string): Promise<Uint8Array> {
  const db = await openDb(fn);
  try {
    const value = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(name), `${fn}: cannot read "${name}" from IndexedDB`);
    if (value === undefined) throw new Error(`${fn}: no model named "${name}" in IndexedDB (saved with model.save('indexeddb://${name}')?)`);
    if (!(value instanceof ArrayBuffer)) throw new Error(`${fn}: IndexedDB entry "${name}" is not model bytes`);
    return new Uint8Array(value);
  } finally {
    db.close();
  }
}

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function localStorageOf(fn: string): StorageLike {
  const storage = (globalThis as { localStorage?: StorageLike }).localStorage;
  if (!storage) throw new Error(`${fn}: localstorage:// needs a browser's localStorage, which this environment does not have`);
  return storage;
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export function saveToLocalStorage(fn: string, name: string, bytes: Uint8Array): void {
  if (bytes.length > LOCAL_STORAGE_MAX_BYTES) {
    throw new RangeError(`${fn}: the model is ${bytes.length} bytes; localstorage:// holds models up to ${LOCAL_STORAGE_MAX_BYTES} bytes; use indexeddb://${name}`);
  }
  try {
    localStorageOf(fn).setItem(LOCAL_PREFIX + name, toBase64(bytes));
  } catch (e) {
    throw new Error(`${fn}: localStorage refused ${bytes.length} bytes for "${name}" (${(e as Error).message}); use indexeddb://${name}`);
  }
}

export function loadFromLocalStorage(fn: string, name: string): Uint8Array {
  const text = localStorageOf(fn).getItem(LOCAL_PREFIX + name);
  if (text === null) throw new Error(`${fn}: no model named "${name}" in localStorage (saved with model.save('localstorage://${name}')?)`);
  return fromBase64(text);
}

interface DocumentLike {
  createElement(tag: 'a'): { href: string; download: string; click(): void; remove(): void; style: { display: string } };
  body: { appendChild(node: unknown): void };
}

/** Offers the bytes as a download named `<name>.safetensors` (unless the name has an extension). */
export function download(fn: string, name: string, bytes: Uint8Array): void {
  const doc = (globalThis as { document?: DocumentLike }).document;
  const urls = (globalThis as { URL?: { createObjectURL(b: unknown): string; revokeObjectURL(u: string): void } }).URL;
  const BlobCtor = (globalThis as { Blob?: new (parts: unknown[], o: { type: string }) => unknown }).Blob;
  if (!doc || !urls?.createObjectURL || !BlobCtor) throw new Error(`${fn}: downloads:// needs a browser page (document, Blob, URL.createObjectURL)`);
  const url = urls.createObjectURL(new BlobCtor([bytes], { type: 'application/octet-stream' }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = /\.[A-Za-z0-9]+$/.test(name) ? name : `${name}.safetensors`;
  a.style.display = 'none';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later: the download starts asynchronously.
  setTimeout(() => urls.revokeObjectURL(url), 10_000);
}
