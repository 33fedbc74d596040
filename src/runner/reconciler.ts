// Periodic and on-demand housekeeping shared by all runners: heartbeat, lost runners (their jobs are
// failed so pg-boss retries them), orphaned claims (jobs a fetch claimed but no runner began: put back),
// dependencies (release or fail dependents), on-fail handlers,
// retention of completed jobs, and the paused-queue list.
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { bossDbFor, inTransaction } from './db.ts';
import { encodeEvents, publishEvents, type EventTuple } from './events.ts';
import type { Sql } from './sql.ts';
import type { OnFailArgs, RunnerEvents } from './types.ts';

const RETENTION_LOCK = 0x1f_9e_0e_02;

export interface ReconcilerDeps {
  pool: pg.Pool;
  boss: PgBoss;
  sql: Sql;
  origin: string;
  runnerId: string | null;
  heartbeatSeconds: number;
  lostAfterSeconds: number;
  retentionSeconds: number;
  /** enqueue through the runner API (validates the on-fail task's arguments) */
  enqueueOnFail: (task: string, args: OnFailArgs, db: pg.PoolClient) => Promise<string>;
  onPaused: (paused: Set<string>) => void;
  reportError: (where: string, error: unknown) => void;
  emitLocal: <E extends keyof RunnerEvents>(event: E, payload: RunnerEvents[E]) => void;
}

export class Reconciler {
  private timer: NodeJS.Timeout | null = null;
  private kickTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private lastRetention = 0;
  /** when this runner last failed to reach the database for its heartbeat */
  private lastHeartbeatFailure = 0;

  constructor(private readonly d: ReconcilerDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.kickTimer) clearTimeout(this.kickTimer);
    this.timer = this.kickTimer = null;
    await this.running;
  }

  /** Asks for a pass soon (coalesced). */
  kick(): void {
    if (this.stopped || this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = null;
      void this.pass(false);
    }, 20);
  }

  private schedule() {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.pass(true).finally(() => this.schedule());
    }, this.d.heartbeatSeconds * 1000);
    this.timer.unref?.();
  }

  /** One pass; concurrent requests run one more pass after the current one. */
  async pass(periodic = false): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.passOnce(periodic);
        periodic = false;
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = null));
    return this.running;
  }

  private async step(name: string, fn: () => Promise<void>) {
    try {
      await fn();
    } catch (error) {
      this.d.reportError(`reconcile: ${name}`, error);
    }
  }

  private async passOnce(periodic: boolean): Promise<void> {
    const { pool, sql } = this.d;
    if (periodic) {
      if (this.d.runnerId) {
        await this.step('heartbeat', async () => {
          try {
            await pool.query(sql.heartbeat(this.d.runnerId!));
          } catch (error) {
            this.lastHeartbeatFailure = Date.now();
            throw error;
          }
        });
      }
      // A runner that was itself cut off cannot tell a lost runner from one that was cut off too:
      // it judges others only after a full lost-runner window of its own heartbeats getting through.
      if (Date.now() - this.lastHeartbeatFailure >= this.d.lostAfterSeconds * 1000) await this.step('lost runners', () => this.recoverLostRunners());
      await this.step('orphaned claims', () => this.returnOrphanedClaims());
      await this.step('paused queues', async () => {
        const { rows } = await pool.query(sql.pausedQueues());
        this.d.onPaused(new Set(rows.map((r) => r.task)));
      });
    }
    await this.step('dependencies', () => this.resolveDependencies());
    await this.step('on-fail', () => this.dispatchOnFail());
    if (periodic && Date.now() - this.lastRetention > 3600_000) {
      this.lastRetention = Date.now();
      await this.step('retention', () => this.applyRetention());
    }
  }

  async recoverLostRunners(): Promise<void> {
    const { rows } = await this.d.pool.query(this.d.sql.claimLostRunners(this.d.lostAfterSeconds));
    const runners = new Map<string, { host: string; pid: number }>();
    for (const row of rows) {
      runners.set(row.runner_id, { host: row.host, pid: row.pid });
      if (!row.job_id || !row.task) continue;
      // Fails only the attempt the lost runner held; pg-boss retries it if the budget allows.
      await this.d.boss
        .fail(row.task, { id: row.job_id, retryCount: row.attempt - 1 }, { message: `runner ${row.host} pid ${row.pid} was lost while running this job` })
        .catch((error) => this.d.reportError('fail lost job', error));
    }
    const events: EventTuple[] = [...runners].map(([id, r]) => ['runner:down', { id, host: r.host, pid: r.pid, reason: 'lost' }]);
    if (events.length) {
      await publishEvents(this.d.pool, this.d.origin, events);
      this.kick();
    }
    await this.d.pool.query(this.d.sql.pruneRunners());
  }

  async returnOrphanedClaims(): Promise<void> {
    const { rows } = await this.d.pool.query(this.d.sql.returnOrphanedClaims(this.d.lostAfterSeconds));
    if (!rows.length) return;
    const queues = [...new Set(rows.map((r) => r.task as string))];
    const { rows: ch } = await this.d.pool.query(this.d.sql.bossChannel);
    await this.d.pool.query(`SELECT pg_notify($1, q) FROM unnest($2::text[]) AS q`, [ch[0].channel, queues]);
    const events: EventTuple[] = queues.map((task) => ['job:retried', { ids: rows.filter((r) => r.task === task).map((r) => r.id).slice(0, 200), task }]);
    await publishEvents(this.d.pool, this.d.origin, events);
  }

  async resolveDependencies(): Promise<void> {
    const released = await this.d.pool.query(this.d.sql.releaseDependents());
    const failed = await this.d.pool.query(this.d.sql.failOrphanedDependents());
    const events: EventTuple[] = [];
    for (const row of released.rows) events.push(['job:released', { ids: [row.id], task: row.task }]);
    for (const row of failed.rows) events.push(['job:failed', { id: row.id, task: row.task, attempt: 0, error: row.error, willRetry: false }]);
    if (!events.length) return;
    const queues = [...new Set(released.rows.map((r) => r.task as string))];
    const { rows: ch } = await this.d.pool.query(this.d.sql.bossChannel);
    await this.d.pool.query(`SELECT pg_notify($1, q) FROM unnest($2::text[]) AS q`, [ch[0].channel, queues]);
    await publishEvents(this.d.pool, this.d.origin, events);
    // A failed dependent may have dependents and an on-fail handler of its own.
    if (failed.rowCount) this.again = true;
  }

  async dispatchOnFail(): Promise<void> {
    for (;;) {
      const handled = await inTransaction(this.d.pool, async (client) => {
        const { rows } = await client.query(this.d.sql.pendingOnFail(20));
        for (const row of rows) {
          const output = (row.output ?? {}) as { message?: string; stack?: string };
          const args: OnFailArgs = {
            job: { id: row.job_id, task: row.task, name: row.name, args: row.data, attempts: row.retry_count + 1 },
            error: { message: output.message ?? 'failed', ...(output.stack ? { stack: output.stack } : {}) },
          };
          let handlerId: string | null = null;
          try {
            await client.query('SAVEPOINT on_fail');
            handlerId = await this.d.enqueueOnFail(row.on_fail, args, client);
            await client.query('RELEASE SAVEPOINT on_fail');
          } catch (error) {
            // The handler could not even be enqueued: record that, never hide the original failure.
            await client.query('ROLLBACK TO SAVEPOINT on_fail');
            this.d.reportError(`on-fail ${row.on_fail} for job ${row.job_id}`, error);
          }
          await client.query(this.d.sql.markOnFailDone(row.job_id, handlerId));
        }
        return rows.length;
      });
      if (handled < 20) return;
    }
  }

  async applyRetention(): Promise<void> {
    await inTransaction(this.d.pool, async (client) => {
      const { rows } = await client.query(this.d.sql.tryLock(RETENTION_LOCK));
      if (!rows[0].ok) return;
      const report = await client.query(this.d.sql.deleteFinished({ olderThanSeconds: this.d.retentionSeconds, includeFailed: false, task: null }));
      const count = (report.rows[0]?.completed ?? 0) + (report.rows[0]?.cancelled ?? 0);
      await client.query(this.d.sql.pruneOrphans());
      if (count) await client.query(this.d.sql.notify(encodeEvents(this.d.origin, [['job:deleted', { count, task: null }]])));
    });
  }
}

export { bossDbFor };
