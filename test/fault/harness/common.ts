// Shared pieces of the fault scenarios: the profile (fast in CI, FAULT_SOAK=1 by hand), bounded
// polling, the client runner that enqueues and watches, and small measurements.
import { DEFAULT_TIMING, Runner } from '../../../src/runner/runner.ts';
import type { TaskDefinition } from '../../../src/runner/types.ts';
import pg from 'pg';
import { ledgerTasks } from '../../fixtures/fault/ledger-tasks.ts';
import type { Query } from './ledger.ts';
import { waitFor as waitUntil } from '../../helpers/wait.ts';
import { clusterDatabase, startCluster, type ClusterOptions, type FaultDatabase, type PgCluster } from './cluster.ts';
import { installLedger } from './ledger.ts';
import type { Children } from './children.ts';

export const SOAK = process.env.FAULT_SOAK === '1';

export const PROFILE = SOAK
  ? { name: 'soak', jobs: 2000, outagePauseSeconds: 30, drainJobs: 100_000, drops: 20, racers: 8, racerCalls: 500 }
  : { name: 'fast', jobs: 200, outagePauseSeconds: 5, drainJobs: 1000, drops: 6, racers: 8, racerCalls: 500 };

/** The intervals every fixture runner uses unless a scenario says otherwise. */
export const RUNNER_TIMING = { heartbeatSeconds: 1, lostAfterSeconds: 3, housekeepingSeconds: 2 };
/** How often runners look for lost ones: the runner's default, which the fixture runners keep. */
export const LIVENESS_CHECK_MS = DEFAULT_TIMING.livenessCheckMs;

/** The shared bounded wait, with the fault suite's longer defaults and positional arguments. */
export function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 60_000, intervalMs = 100): Promise<NonNullable<T>> {
  return waitUntil(what, fn, { timeoutMs, intervalMs });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A Runner in the test process that only enqueues, reads and watches (it knows the ledger tasks). */
export async function clientRunner(databaseUrl: string, tasks?: TaskDefinition[]): Promise<{ runner: Runner; close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => {});
  const runner = new Runner({
    databaseUrl,
    tasks: tasks ?? ledgerTasks(pool),
    kind: 'test',
    work: false,
    register: false,
    poolSize: 4,
    onError: () => {},
  });
  await runner.start();
  return {
    runner,
    async close() {
      await runner.stop({ timeoutMs: 1000 }).catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}

/** A Query on one short-lived pool, closed by end(). */
export function queryPool(databaseUrl: string): { query: Query; end(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 3, application_name: 'fault oracle' });
  pool.on('error', () => {});
  return { query: (text, values) => pool.query(text, values as any[]), end: () => pool.end().catch(() => {}) };
}

/** Enqueues ledger-work jobs named by their keys, `parallel` at a time. */
export async function enqueueKeys(runner: Runner, keys: string[], args: (key: string, i: number) => object = () => ({}), parallel = 8): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < keys.length) {
        const i = next++;
        ids.set(keys[i], await runner.enqueue('ledger-work', { key: keys[i], ...args(keys[i], i) }, { name: keys[i] }));
      }
    }),
  );
  return ids;
}

export function keyRange(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * Waits until the server's sessions all began longer ago than the runners' lock grace (as the runner
 * defaults it from the heartbeat): until then a missing liveness lock is not judged, and a killed
 * runner is found by its silence instead (seconds later, with another reason).
 */
export async function pastLockGrace(query: Query, heartbeatSeconds: number): Promise<void> {
  const grace = Math.max(DEFAULT_TIMING.minLockGraceSeconds, 2 * heartbeatSeconds);
  await waitFor(
    "the server to be up longer than the runners' lock grace",
    async () =>
      (
        await query(`SELECT greatest(pg_postmaster_start_time(), pg_stat_get_bgwriter_stat_reset_time()) < now() - make_interval(secs => $1) AS ok`, [
          grace + 0.5,
        ])
      ).rows[0].ok,
    60_000,
    200,
  );
}

export interface LedgerCluster {
  cluster: PgCluster;
  db: FaultDatabase;
  client: Awaited<ReturnType<typeof clientRunner>>;
}

/** The usual scenario set-up: a cluster of the test's own, a database with the ledger, a client runner. */
export async function openLedgerCluster(database: string, options?: ClusterOptions): Promise<LedgerCluster> {
  const cluster = await startCluster(options);
  const db = await clusterDatabase(cluster, database);
  await installLedger(db.query);
  return { cluster, db, client: await clientRunner(db.url) };
}

/** Its tear-down: the scenario's processes first, then the client, the database and the cluster. */
export async function closeLedgerCluster(children: Children, c: Partial<LedgerCluster>): Promise<void> {
  await children.stopAll();
  await c.client?.close();
  await c.db?.close();
  await c.cluster?.destroy();
}
