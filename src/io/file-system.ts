/**
 * The file system, where there is one. Library code that can write or read a file (model.save to a path,
 * the fit monitor's JSON lines, loadModel from a path) reaches it through here, so that it imports no
 * Node module itself and stays in the browser entry; Node's entry installs Node's file system
 * (files.ts) when it loads. Without one (a page), asking for a file is an error that says what to
 * use instead.
 */

export interface FileSystem {
  /** The whole file. */
  readFile(path: string): Uint8Array;
  /** Replaces the file atomically (temporary file in the same directory, fsync, rename). */
  writeFileAtomic(path: string, contents: Uint8Array | string): void;
  /** Appends UTF-8 text. */
  appendText(path: string, text: string): void;
}

let installed: FileSystem | null = null;

/** Installs (or, with null, removes) the file system; Node's entry installs Node's. */
export function setFileSystem(fs: FileSystem | null): void {
  installed = fs;
}

/** Whether paths can be read and written here. */
export function hasFileSystem(): boolean {
  return installed !== null;
}

/** The file system, or an Error from `fn` saying that files need Node and what a page uses instead. */
export function fileSystem(fn: string, instead: string): FileSystem {
  if (installed) return installed;
  throw new Error(`${fn}: file paths need Node's file system, which this build of rectifier does not have (in Node, import 'rectifier' without a browser bundler, or 'rectifier/node'); in a browser, ${instead}`);
}

/** The path a `file://` URL names (POSIX, or a Windows drive path). */
export function filePathOf(url: URL): string {
  const path = decodeURIComponent(url.pathname);
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
}
