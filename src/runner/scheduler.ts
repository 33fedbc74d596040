// Cron schedules. Each fire is claimed with a compare-and-set on next_fire_at, so however many runners
// run, a tick fires once; missed ticks fire once (the next time is computed from now); a failed fire
// never ends the schedule. Sleeps until the earliest next fire (at most 30 s), woken by changes.
import { Cron } from 'croner';
import type pg from 'pg';
import { inTransaction } from './db.ts';
import { encodeEvents } from './events.ts';
import { abortableSleep } from './sleep.ts';
import type { CronPreview } from './types.ts';

const MAX_SLEEP_MS = 30_000;

export function validateTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function previewCron(cron: string, tz = 'UTC', count = 5, from = new Date()): CronPreview {
  if (!validateTimeZone(tz)) return { ok: false, error: `unknown time zone ${JSON.stringify(tz)}` };
  try {
    const job = new Cron(cron.trim(), { timezone: tz, paused: true });
    const next = job.nextRuns(count, from).map((d) => d.toISOString());
    job.stop();
    if (!next.length) return { ok: false, error: 'the expression never fires' };
    return { ok: true, next };
  } catch (error) {
    return { ok: false, error: (error as Error).message.replace(/^CronPattern: /, '') };
  }
}

export function nextFire(cron: string, tz: string, after: Date): Date | null {
  try {
    const job = new Cron(cron.trim(), { timezone: tz, paused: true });
    const next = job.nextRun(after);
    job.stop();
    return next;
  } catch {
    return null;
  }
}

interface DueRow {
  id: string;
  task: string;
  cron: string;
  tz: string;
  args: unknown;
  next_fire_at: Date | null;
}

export interface SchedulerDeps {
  pool: pg.Pool;
  origin: string;
  /** enqueue the fire's job inside the claiming transaction */
  enqueue: (task: string, args: unknown, scheduleId: string, client: pg.PoolClient) => Promise<string>;
  reportError: (where: string, error: unknown) => void;
}

export class Scheduler {
  private stopped = true;
  private wakeController = new AbortController();
  private loopPromise: Promise<void> | null = null;

  constructor(private readonly d: SchedulerDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loopPromise = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loopPromise;
  }

  wake(): void {
    this.wakeController.abort();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let sleepMs = MAX_SLEEP_MS;
      try {
        sleepMs = await this.tick();
      } catch (error) {
        this.d.reportError('scheduler', error);
        sleepMs = 5000;
      }
      if (this.stopped) break;
      // a change announced while we were ticking is not discarded: tick again at once
      if (this.wakeController.signal.aborted) {
        this.wakeController = new AbortController();
        continue;
      }
      await abortableSleep(Math.max(50, Math.min(sleepMs, MAX_SLEEP_MS)), this.wakeController.signal);
      if (this.wakeController.signal.aborted) this.wakeController = new AbortController();
    }
  }

  /** Fires what is due; returns how long to sleep until the next fire. */
  async tick(now = new Date()): Promise<number> {
    const { rows } = await this.d.pool.query<DueRow>(
      `SELECT id, task, cron, tz, args, next_fire_at FROM ifqueue.schedule WHERE NOT paused ORDER BY next_fire_at NULLS FIRST`,
    );
    let earliest = Infinity;
    for (const row of rows) {
      if (row.next_fire_at === null) {
        const next = nextFire(row.cron, row.tz, now);
        await this.d.pool.query(`UPDATE ifqueue.schedule SET next_fire_at = $2 WHERE id = $1 AND next_fire_at IS NULL`, [row.id, next]);
        if (next) earliest = Math.min(earliest, next.getTime());
        continue;
      }
      if (row.next_fire_at.getTime() > now.getTime()) {
        earliest = Math.min(earliest, row.next_fire_at.getTime());
        continue;
      }
      const next = nextFire(row.cron, row.tz, now);
      await this.fire(row, next).catch((error) => this.d.reportError(`schedule ${row.task}`, error));
      if (next) earliest = Math.min(earliest, next.getTime());
    }
    return earliest === Infinity ? MAX_SLEEP_MS : earliest - Date.now() + 5;
  }

  private async fire(row: DueRow, next: Date | null): Promise<void> {
    await inTransaction(this.d.pool, async (client) => {
      // compared at millisecond precision: the value was read into a JS Date, and a next_fire_at written by
      // SQL (microseconds) would otherwise never match and the schedule would silently stop firing
      const claimed = await client.query(
        `UPDATE ifqueue.schedule SET next_fire_at = $3, last_fire_at = now()
         WHERE id = $1 AND date_trunc('milliseconds', next_fire_at) = $2 AND NOT paused RETURNING id`,
        [row.id, row.next_fire_at, next],
      );
      if (!claimed.rowCount) return; // another runner fired this tick
      const jobId = await this.d.enqueue(row.task, row.args, row.id, client);
      await client.query(`UPDATE ifqueue.schedule SET last_job_id = $2 WHERE id = $1`, [row.id, jobId]);
      await client.query(`SELECT pg_notify('ifqueue_events', p) FROM unnest($1::text[]) AS p`, [
        encodeEvents(this.d.origin, [['schedule:fired', { scheduleId: row.id, task: row.task, jobId }]]),
      ]);
    });
  }
}
