// Benchmark roles run in child processes (TypeScript through tsx) and talk to the parent over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Message = { type: string; [key: string]: unknown };

export interface Child {
  process: ChildProcess;
  /** resolves with the next message of this type (or rejects when the child exits first) */
  next<T extends Message = Message>(type: string, timeoutMs?: number): Promise<T>;
  send(message: Message): void;
  /** resolves with the exit code; kills the child if it has not exited after timeoutMs */
  stop(timeoutMs?: number): Promise<number | null>;
}

const children = new Set<ChildProcess>();

/**
 * Starts `script` (absolute path) with node + tsx (tsx: false for a bundled script); extra node flags
 * (e.g. --cpu-prof) go in execArgv.
 */
export function startChild(script: string, args: string[], options: { execArgv?: string[]; env?: NodeJS.ProcessEnv; stdio?: 'inherit' | 'pipe'; tsx?: boolean } = {}): Child {
  const child = fork(script, args, {
    execArgv: [...(options.tsx === false ? [] : ['--import', 'tsx']), ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: options.stdio === 'pipe' ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const inbox: Message[] = [];
  const waiters: { type: string; resolve: (m: Message) => void; reject: (e: Error) => void }[] = [];
  let exited: Error | null = null;
  child.on('message', (raw) => {
    const m = raw as Message;
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
    else inbox.push(m);
  });
  const exitPromise = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      exited = new Error(`${script} exited (${signal ?? code}) before answering`);
      for (const w of waiters.splice(0)) w.reject(exited);
      resolve(code);
    }),
  );
  return {
    process: child,
    next<T extends Message>(type: string, timeoutMs = 120_000): Promise<T> {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as T);
      if (exited) return Promise.reject(exited);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${type}" from ${script} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          type,
          resolve: (m) => (clearTimeout(timer), resolve(m as T)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
      });
    },
    send(message) {
      child.send(message);
    },
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.send({ type: 'stop' }, () => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exitPromise;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Bundles a role with esbuild as scripts/build.mjs bundles the CLI (dependencies external), into
 * .tmp/bench-roles/, so it runs as `ifqueue` runs: without compiling TypeScript at start.
 */
export async function bundleRole(script: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = path.join(fileURLToPath(new URL('../../../.tmp/bench-roles/', import.meta.url)), path.basename(script).replace(/\.tsx?$/, '.mjs'));
  await build({ entryPoints: [script], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node22', packages: 'external', jsx: 'automatic', logLevel: 'warning' });
  return outfile;
}

/** Kills children still running (on failure or Ctrl+C). */
export function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
}

/** In a child: sends a message to the parent. */
export function tell(message: Message): void {
  process.send?.(message);
}

/** In a child: the next message of a type from the parent. */
export function heard<T extends Message = Message>(type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if ((m as Message).type === type) {
        process.off('message', on);
        resolve(m as T);
      }
    };
    process.on('message', on);
  });
}
