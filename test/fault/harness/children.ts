// Child processes started by a fault test: fixture runners, producers and the real daemon. Each one is
// tracked by pid; the test kills only these pids, and stopAll() ends whatever is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RunnerFixtureConfig } from '../../fixtures/fault/runner.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = {
  runner: fileURLToPath(new URL('../../fixtures/fault/runner.ts', import.meta.url)),
  producer: fileURLToPath(new URL('../../fixtures/fault/producer.ts', import.meta.url)),
  bin: fileURLToPath(new URL('../../../bin/ifqueue.js', import.meta.url)),
};

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** stdout lines so far */
  lines: string[];
  /** when each stdout line arrived (Date.now()) */
  lineTimes: number[];
  /** stdout lines that parsed as JSON */
  events: Record<string, any>[];
  stderr(): string;
  exited: Promise<Exit>;
  alive(): boolean;
  /** Waits for a stdout line (or JSON event) matching; fails if the process exits first or time runs out. */
  waitForLine(match: RegExp | ((event: Record<string, any>) => boolean), timeoutMs?: number): Promise<string>;
  kill(signal: NodeJS.Signals): void;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  args?: string[];
}

export class Children {
  private readonly all: Child[] = [];

  /** A Node process running a script through tsx (the fixtures) with the test's environment plus `env`. */
  spawnScript(name: string, script: string, options: SpawnOptions = {}): Child {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...(options.args ?? [])], {
      cwd: root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return this.track(name, child);
  }

  /** `node bin/ifqueue.js <args>`: the real CLI (on another Node when `node` is given: the launcher path). */
  spawnCli(name: string, args: string[], env: Record<string, string> = {}, node = process.execPath): Child {
    const child = spawn(node, [FIXTURES.bin, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return this.track(name, child);
  }

  /** A fixture runner process, not waited for. */
  spawnRunner(name: string, databaseUrl: string, config: RunnerFixtureConfig = {}, env: Record<string, string> = {}): Child {
    return this.spawnScript(name, FIXTURES.runner, { env: { DATABASE_URL: databaseUrl, FAULT_RUNNER: JSON.stringify(config), ...env } });
  }

  /** A fixture runner; resolves once it printed its ready line. */
  async startRunner(name: string, databaseUrl: string, config: RunnerFixtureConfig = {}, env: Record<string, string> = {}): Promise<Child & { runnerId: string }> {
    return ready(this.spawnRunner(name, databaseUrl, config, env));
  }

  private track(name: string, proc: ChildProcess): Child {
    if (proc.pid === undefined) throw new Error(`${name} did not start`);
    const lines: string[] = [];
    const lineTimes: number[] = [];
    const events: Record<string, any>[] = [];
    let stderr = '';
    const waiters = new Set<() => void>();
    const exited = new Promise<Exit>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    let done = false;
    void exited.then(() => {
      done = true;
      for (const w of waiters) w();
    });
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      lines.push(line);
      lineTimes.push(Date.now());
      if (line.startsWith('{')) {
        try {
          events.push(JSON.parse(line));
        } catch {}
      }
      for (const w of waiters) w();
    });
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      // bounded: a runner reporting errors in a loop must not eat the test's memory
      stderr = (stderr + chunk).slice(-200_000);
    });
    const child: Child = {
      name,
      pid: proc.pid,
      process: proc,
      lines,
      lineTimes,
      events,
      stderr: () => stderr,
      exited,
      alive: () => !done,
      kill(signal) {
        if (!done) proc.kill(signal);
      },
      waitForLine(match, timeoutMs = 30_000) {
        const test = (line: string) => {
          if (match instanceof RegExp) return match.test(line);
          if (!line.startsWith('{')) return false;
          try {
            return match(JSON.parse(line));
          } catch {
            return false;
          }
        };
        return new Promise<string>((resolve, reject) => {
          let seen = 0;
          const check = () => {
            for (; seen < lines.length; seen++) {
              if (test(lines[seen])) return finish(() => resolve(lines[seen]));
            }
            if (done) finish(() => reject(new Error(`${name} exited before printing ${match}; stderr: ${stderr.slice(-2000)}`)));
          };
          const timer = setTimeout(
            () => finish(() => reject(new Error(`${name} did not print ${match} within ${timeoutMs} ms; last lines: ${JSON.stringify(lines.slice(-5))}; stderr: ${stderr.slice(-2000)}`))),
            timeoutMs,
          );
          const finish = (f: () => void) => {
            clearTimeout(timer);
            waiters.delete(check);
            f();
          };
          waiters.add(check);
          check();
        });
      },
    };
    this.all.push(child);
    return child;
  }

  living(): Child[] {
    return this.all.filter((c) => c.alive());
  }

  /** SIGTERM to every child still running, SIGKILL after `graceMs`. */
  async stopAll(graceMs = 8000): Promise<void> {
    const living = this.living();
    for (const c of living) c.kill('SIGTERM');
    await Promise.all(
      living.map(async (c) => {
        const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
        await c.exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** True while a pid exists and is not a zombie (a killed child of a dead parent may linger unreaped). */
export async function pidAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export interface Supervised {
  /** how many times the process died by a signal it did not get from stop() */
  crashes(): number;
  current(): Child | null;
  stop(): Promise<void>;
}

/** Keeps one runner alive like systemd would: restarted whenever it dies, until stop(). */
export function supervise(spawn: (generation: number) => Child): Supervised {
  let stopped = false;
  let crashes = 0;
  let current: Child | null = null;
  const loop = (async () => {
    for (let generation = 1; !stopped; generation++) {
      const child = spawn(generation);
      current = child;
      const exit = await child.exited;
      if (!stopped && exit.signal === 'SIGKILL') crashes++;
    }
  })();
  return {
    crashes: () => crashes,
    current: () => current,
    async stop() {
      stopped = true;
      current?.kill('SIGTERM');
      await loop;
    },
  };
}

/** Waits for a fixture runner's ready line and adds its runner id. */
export async function ready(child: Child, timeoutMs = 60_000): Promise<Child & { runnerId: string }> {
  await child.waitForLine((e) => e.event === 'ready', timeoutMs);
  const line = child.events.find((e) => e.event === 'ready')!;
  return Object.assign(child, { runnerId: line.runnerId as string });
}

/** Fails as soon as the child exits, with its stderr, instead of waiting for `work` to time out. */
export function whileAlive<T>(child: Child, work: Promise<T>): Promise<T> {
  const died = child.exited.then((exit) => {
    throw new Error(`${child.name} exited (${exit.signal ?? exit.code}) while the test waited on it; stderr: ${child.stderr().slice(-2000)}`);
  });
  died.catch(() => {});
  return Promise.race([work, died]);
}
