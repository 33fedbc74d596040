// Runs a task's child process through execa: argument vector only (never a shell), output lines
// streamed into the job log, the whole process group killed on abort or timeout.
import { execa } from 'execa';
import type { ExecOptions, ExecResult } from './types.ts';

export type OutputSink = (stream: 'stdout' | 'stderr', line: string) => void;

const TAIL_LINES = 50;

export class ExecError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly tail: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExecError';
  }
}

export async function runChild(
  file: string,
  args: readonly string[],
  sink: OutputSink,
  signal: AbortSignal,
  options: ExecOptions = {},
): Promise<ExecResult> {
  if (signal.aborted) throw new ExecError(`${file} not started: job aborted`, null, []);
  const tail: string[] = [];
  let bytes = 0;
  const maxBytes = options.maxOutputBytes ?? 8 * 1024 * 1024;
  let dropped = false;
  const record = (stream: 'stdout' | 'stderr', line: string) => {
    bytes += line.length + 1;
    if (bytes > maxBytes) {
      if (!dropped) sink('stderr', `[output beyond ${maxBytes} bytes dropped]`);
      dropped = true;
      return;
    }
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    sink(stream, line);
  };

  // detached: the child leads its own process group, so killing -pid also ends its children.
  const child = execa(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    detached: true,
    reject: false,
    stdin: 'ignore',
    buffer: false,
    encoding: 'utf8',
    lines: false,
  });
  const killGroup = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, 2000).unref();
  };
  let timedOut = false;
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        killGroup();
      }, options.timeoutMs)
    : undefined;
  const onAbort = () => killGroup();
  signal.addEventListener('abort', onAbort, { once: true });

  const pump = async (stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr') => {
    if (!stream) return;
    let rest = '';
    stream.setEncoding?.('utf8');
    for await (const chunk of stream as AsyncIterable<string>) {
      rest += chunk;
      let nl: number;
      while ((nl = rest.search(/\r?\n|\r/)) >= 0) {
        const m = rest.slice(nl).match(/^\r?\n|^\r/)!;
        record(name, rest.slice(0, nl));
        rest = rest.slice(nl + m[0].length);
      }
      if (rest.length > 64 * 1024) {
        record(name, rest);
        rest = '';
      }
    }
    if (rest) record(name, rest);
  };

  try {
    const [result] = await Promise.all([child, pump(child.stdout, 'stdout'), pump(child.stderr, 'stderr')]);
    if (timedOut) throw new ExecError(`${file} ran past its ${options.timeoutMs} ms timeout and was killed`, null, tail);
    if (signal.aborted) throw new ExecError(`${file} killed: job aborted`, null, tail);
    if (result.failed && result.exitCode === undefined) {
      throw new ExecError(`${file} could not run: ${result.shortMessage ?? result.message}`, null, tail, { cause: result.cause });
    }
    const exitCode = result.exitCode ?? -1;
    if (exitCode !== 0) throw new ExecError(`${file} exited with code ${exitCode}`, exitCode, tail);
    return { exitCode, tail };
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
