/**
 * Output of the code under test, swallowed in a fuzz worker: a case's verdict is what matters, and the CLI
 * target judges what a command printed through captured().
 */
let stdout = '';
let stderr = '';
const CAPTURE_LIMIT = 1 << 20;

function redirect(stream: NodeJS.WriteStream, append: (s: string) => void): void {
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
}

/** From now on, this process's stdout and stderr go to the capture buffers (called once, by the worker). */
export function startCapture(): void {
  redirect(process.stdout, (s) => { if (stdout.length < CAPTURE_LIMIT) stdout += s; });
  redirect(process.stderr, (s) => { if (stderr.length < CAPTURE_LIMIT) stderr += s; });
}

export function resetCapture(): void {
  stdout = '';
  stderr = '';
}

/** What the current case printed so far. */
export function captured(): { stdout: string; stderr: string } {
  return { stdout, stderr };
}
