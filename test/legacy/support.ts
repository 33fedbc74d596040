// Shared pieces of the legacy tests: a database with IFDB's schema and the ledger, stand-ins for the
// ifqueue tasks that record into the ledger, the stand-in worker as a child process, bounded waits.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { Runner, type RunnerOptions } from '../../src/runner/runner.ts';
import type { TaskDefinition } from '../../src/runner/types.ts';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { LEDGER_DDL, record } from '../fixtures/legacy/ledger.ts';

export const WORKER_SCRIPT = fileURLToPath(new URL('../fixtures/legacy/ifdbworker.ts', import.meta.url));

export async function legacyDatabase(label: string): Promise<TestDatabase> {
  const db = await createTestDatabase(label);
  await loadIfdbSchema(db);
  await db.query(LEDGER_DDL);
  return db;
}

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ifq-legacy-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** ifqueue tasks with the real names and argument shapes that only record their execution. */
export function standInTasks(db: TestDatabase, o: { taskMs?: number; failUrlIds?: Set<number>; failFirstAttemptUrlIds?: Set<number> } = {}): TaskDefinition[] {
  const pause = () => new Promise((r) => setTimeout(r, o.taskMs ?? 20));
  const quick = { retry: { retries: 0, delaySeconds: 0, backoff: false } };
  return [
    defineTask({
      name: 'clone-file',
      description: 'stand-in',
      schema: z.object({ urlId: z.number().int().positive() }).strict(),
      concurrency: 4,
      ...quick,
      async handler({ urlId }, ctx) {
        ctx.log.info(`cloning url ${urlId}`);
        await pause();
        await record(db, `clone:${urlId}`, 'ifqueue');
        if (o.failUrlIds?.has(urlId)) throw new Error(`HTTP 404 for url ${urlId}`);
        if (o.failFirstAttemptUrlIds?.has(urlId) && ctx.job.attempt === 1) throw new Error(`HTTP 503 for url ${urlId} (attempt 1)`);
        return { urlId };
      },
    }),
    defineTask({
      name: 'mark-broken',
      description: 'stand-in on-fail',
      schema: z.object({ job: z.any(), error: z.any() }),
      ...quick,
      async handler(args: any) {
        await record(db, `mark-broken:${args.job.args.urlId}`, 'ifqueue');
      },
    }),
    defineTask({
      name: 'recode-game',
      description: 'stand-in',
      schema: z.object({ gameUrlId: z.number().int().positive() }).strict(),
      ...quick,
      async handler({ gameUrlId }) {
        await record(db, `recode:${gameUrlId}`, 'ifqueue');
      },
    }),
    ...['import-games', 'import-force-update-urls', 'force-reimport'].map((name) =>
      defineTask({
        name,
        description: 'stand-in',
        schema: z.object({ appendUrls: z.boolean().optional() }).strict(),
        ...quick,
        async handler(args) {
          await record(db, `${name}:${JSON.stringify(args)}:${Date.now()}`, 'ifqueue');
        },
      }),
    ),
    defineTask({
      name: 'fetch-feeds',
      description: 'stand-in',
      schema: z.object({}).strict(),
      ...quick,
      async handler() {
        await record(db, `fetch-feeds:${Date.now()}`, 'ifqueue');
      },
    }),
  ];
}

export async function startRunner(db: TestDatabase, tasks: TaskDefinition[], options: Partial<RunnerOptions> = {}): Promise<Runner> {
  const runner = new Runner({
    kind: 'test',
    heartbeatSeconds: 1,
    lostAfterSeconds: 3,
    shutdownTimeoutMs: 5_000,
    pollSeconds: { notify: 2, fallback: 1 },
    poolSize: 6,
    onError: () => {},
    ...options,
    databaseUrl: db.url,
    tasks,
  });
  await runner.start();
  return runner;
}

export interface StandInWorker {
  child: ChildProcess;
  pid: number;
  output: string[];
  exited: Promise<number | null>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM if still running, then wait */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  taskMs?: number;
  /** between selecting a row and saving it as started (widens the race the take guard closes) */
  takeDelayMs?: number;
  /** longest sleep without a SIGUSR1 (default 500 ms) */
  maxSleepMs?: number;
  /** die on a refused save, as the real worker does (default: log it and go on) */
  exitOnRefusedSave?: boolean;
}

export function workerArgs(url: string, pidFile: string, o: WorkerOptions = {}): string[] {
  return [
    WORKER_SCRIPT, 'ifdbworker', '--db', url, '--pid-file', pidFile, '--task-ms', String(o.taskMs ?? 30), '--take-delay-ms', String(o.takeDelayMs ?? 0),
    '--max-sleep-ms', String(o.maxSleepMs ?? 500), ...(o.exitOnRefusedSave ? ['--exit-on-refused-save'] : []),
  ];
}

/** Starts the stand-in worker and waits until its pid file names it. */
export async function spawnWorker(url: string, pidFile: string, o: WorkerOptions = {}): Promise<StandInWorker> {
  const child = spawn(process.execPath, workerArgs(url, pidFile, o), { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const worker: StandInWorker = {
    child,
    pid: child.pid!,
    output,
    exited,
    async waitForOutput(pattern, timeoutMs = 15_000) {
      return waitFor(`worker output ${pattern}`, () => output.find((l) => pattern.test(l)) ?? null, { timeoutMs });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const { readFile } = await import('node:fs/promises');
  await waitFor('the stand-in worker to write its pid file', async () => (await readFile(pidFile, 'utf8').catch(() => '')).trim() === String(child.pid));
  return worker;
}

import { waitFor, type WaitOptions } from '../helpers/wait.ts';
export { waitFor, type WaitOptions };

export interface RowState {
  id: number;
  name: string | null;
  pending: boolean;
  success: boolean;
  fail: boolean;
  start_time: Date | null;
  finish_time: Date | null;
  log: string;
  cron: string | null;
}

export async function rows(db: TestDatabase, ids?: number[]): Promise<RowState[]> {
  const { rows: r } = await db.query(
    `SELECT id::int AS id, name, pending, success, fail, start_time, finish_time, log, cron FROM core_taskqueueelement
     WHERE $1::bigint[] IS NULL OR id = ANY($1::bigint[]) ORDER BY id`,
    [ids ?? null],
  );
  return r;
}

export async function ledger(db: TestDatabase): Promise<{ key: string; runner: string }[]> {
  return (await db.query(`SELECT key, runner FROM legacy_ledger ORDER BY id`)).rows;
}
