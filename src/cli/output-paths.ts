/**
 * Checks of the files a command will write, made before any long work starts: a typo in `--save` should
 * cost nothing, not a finished training run.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A path as shown in a message: a pasted megabyte is cut. */
export function shownPath(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}… (${path.length} characters)` : path;
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/**
 * Fails unless `file` can be written by a rename into place: its folder exists and takes a new file (a
 * probe is created and removed), and the path is not a directory, a device or a pipe (a rename would
 * replace the device itself). Returns the absolute path.
 */
export function checkOutputFile(file: string, option: string): string {
  if (typeof file !== 'string' || file.trim() === '') throw new Error(`${option} must be a file path, got ${JSON.stringify(file)}`);
  const absolute = resolve(file);
  let stat: Stats | null = null;
  try {
    stat = statSync(absolute);
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new Error(`${option} ${shownPath(file)}: cannot write there (${code})`);
  }
  if (stat?.isDirectory()) throw new Error(`${option} ${shownPath(file)} is a directory; give a file path inside it`);
  if (stat && !stat.isFile()) throw new Error(`${option} ${shownPath(file)} is ${kindOf(stat)}, not a file to write`);
  const dir = dirname(absolute);
  let dirStat: Stats;
  try {
    dirStat = statSync(dir);
  } catch (error) {
    throw new Error(`${option} ${shownPath(file)}: the folder ${shownPath(dirname(file))} does not exist (${errorCode(error)}); create it first`);
  }
  if (!dirStat.isDirectory()) throw new Error(`${option} ${shownPath(file)}: ${shownPath(dirname(file))} is not a folder`);
  const probe = join(dir, `.rectifier-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
  } catch (error) {
    throw new Error(`${option} ${shownPath(file)}: cannot write in ${shownPath(dirname(file))} (${errorCode(error)})`);
  }
  rmSync(probe, { force: true });
  return absolute;
}
