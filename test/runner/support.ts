// Shared helpers for the runner tests: runners with short intervals that are always stopped,
// bounded polling (never a fixed sleep as an assertion), and direct reads of pg-boss's job table.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Runner, type RunnerOptions } from '../../src/runner/runner.ts';
import type { EventName, RunnerEvents, TaskDefinition } from '../../src/runner/types.ts';
import type { TestDatabase } from '../helpers/db.ts';

/** Small intervals so lost runners, heartbeats and retries happen within seconds. */
export const FAST: Partial<RunnerOptions> = {
  kind: 'test',
  heartbeatSeconds: 1,
  lostAfterSeconds: 3,
  shutdownTimeoutMs: 5_000,
  pollSeconds: { notify: 2, fallback: 1 },
  poolSize: 4,
};

/** Tracks every runner a test file starts, so after() can stop them all. */
export class RunnerPool {
  private readonly runners: Runner[] = [];
  readonly errors: string[] = [];

  constructor(private readonly db: TestDatabase) {}

  /** A started runner on the test database (work: true unless overridden). */
  async start(tasks: TaskDefinition[], options: Partial<RunnerOptions> = {}): Promise<Runner> {
    const runner = this.create(tasks, options);
    await runner.start();
    return runner;
  }

  /** A runner that is not started yet (for tests that race start()). */
  create(tasks: TaskDefinition[], options: Partial<RunnerOptions> = {}): Runner {
    const runner = new Runner({
      ...FAST,
      onError: (where, message) => this.errors.push(`${where}: ${message}`),
      ...options,
      databaseUrl: this.db.url,
      tasks,
    });
    this.runners.push(runner);
    return runner;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.runners.splice(0).map((r) => r.stop({ timeoutMs: 1000 }).catch(() => {})));
  }
}

import { waitFor, type WaitOptions } from '../helpers/wait.ts';
export { waitFor, type WaitOptions };

export interface BossJobRow {
  id: string;
  name: string;
  state: string;
  priority: number;
  retry_count: number;
  retry_limit: number;
  start_after: Date;
  started_on: Date | null;
  completed_on: Date | null;
  output: any;
  data: any;
}

export async function bossJob(db: TestDatabase, id: string): Promise<BossJobRow | undefined> {
  return (await db.query<BossJobRow>('SELECT * FROM pgboss.job WHERE id = $1', [id])).rows[0];
}

/**
 * Waits until the job is in one of the states and returns its row. For settled states it also waits
 * for the attempt to be recorded (the runner writes it, and flushes the log, just after pg-boss's update).
 */
export async function waitForState(db: TestDatabase, id: string, states: string | string[], options?: WaitOptions): Promise<BossJobRow> {
  const wanted = Array.isArray(states) ? states : [states];
  const settled = wanted.every((s) => ['completed', 'failed', 'cancelled', 'retry'].includes(s));
  return waitFor(`job ${id} to be ${wanted.join('/')}`, async () => {
    const row = await bossJob(db, id);
    if (!row || !wanted.includes(row.state)) return null;
    if (settled) {
      const { rows } = await db.query(`SELECT 1 FROM ifqueue.job_attempt WHERE job_id = $1 AND outcome = 'running'`, [id]);
      if (rows.length) return null;
    }
    return row;
  }, options);
}

/** Records the payloads of events seen by a runner. */
export function recordEvents<E extends EventName>(runner: Runner, events: E[]): { seen: { event: E; payload: RunnerEvents[E] }[]; off: () => void } {
  const seen: { event: E; payload: RunnerEvents[E] }[] = [];
  const offs = events.map((event) => runner.on(event, (payload) => seen.push({ event, payload })));
  return { seen, off: () => offs.forEach((f) => f()) };
}

/** Pauses or resumes a queue and waits until this runner has heard of it (its workers act on the event). */
export async function setQueuePaused(runner: Runner, task: string, paused: boolean): Promise<void> {
  let heard = false;
  const off = runner.on('queue:changed', (e) => {
    if (e.task === task && e.paused === paused) heard = true;
  });
  try {
    await (paused ? runner.pauseQueue(task) : runner.resumeQueue(task));
    await waitFor(`queue ${task} to be ${paused ? 'paused' : 'resumed'}`, () => heard);
  } finally {
    off();
  }
}

/** A promise with its resolve function exposed (to hold a task until a test lets it go). */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export interface ChildRunner {
  pid: number;
  runnerId: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

const CHILD_SCRIPT = fileURLToPath(new URL('../fixtures/runner/child-runner.ts', import.meta.url));

/** Tracks the runner child processes a test file starts; after() kills the ones still alive (by pid). */
export class ChildRunners {
  private readonly children = new Set<ChildProcess>();

  async start(db: TestDatabase, env: Record<string, string> = {}): Promise<ChildRunner> {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT], {
      env: { ...process.env, IFQ_DATABASE_URL: db.url, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(child);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        this.children.delete(child);
        resolve({ code, signal });
      }),
    );
    let gone = false;
    void exited.then(() => (gone = true));
    const ready = await waitFor('the child runner to be ready', () => {
      if (gone) throw new Error(`child exited early: ${out}`);
      return /^ready (\S+)$/m.exec(out);
    }, { timeoutMs: 30_000 });
    return { pid: child.pid!, runnerId: ready[1], output: () => out, exited, kill: (signal) => child.kill(signal) };
  }

  killAll(): void {
    for (const child of this.children) child.kill('SIGKILL');
  }
}
