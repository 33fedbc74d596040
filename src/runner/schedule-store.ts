// Schedules as stored in ifqueue.schedule: validation, listing with next fire times, changes.
import type pg from 'pg';
import { inTransaction } from './db.ts';
import { UserError } from './errors.ts';
import { encodeEvents } from './events.ts';
import type { TaskRegistry } from './registry.ts';
import { previewCron } from './scheduler.ts';
import type { CronPreview, JobState, ScheduleInfo, ScheduleInput } from './types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ScheduleStore {
  constructor(
    private readonly pool: pg.Pool,
    /** null for a store that only reads (the CLI's light client) */
    private readonly registry: TaskRegistry | null,
    private readonly origin: string,
    private readonly bossSchema = 'pgboss',
  ) {}

  static preview(cron: string, tz = 'UTC', count = 5): CronPreview {
    return previewCron(cron, tz, count);
  }

  async list(): Promise<ScheduleInfo[]> {
    const { rows } = await this.pool.query(
      `SELECT s.*, j.state AS last_state, j.started_on AS last_started, j.completed_on AS last_completed
       FROM ifqueue.schedule s LEFT JOIN ${this.bossSchema}.job j ON j.id = s.last_job_id
       ORDER BY s.task, s.key`,
    );
    return rows.map((r) => this.toInfo(r));
  }

  async get(id: string): Promise<ScheduleInfo | null> {
    if (!UUID.test(id)) return null;
    const { rows } = await this.pool.query(
      `SELECT s.*, j.state AS last_state, j.started_on AS last_started, j.completed_on AS last_completed
       FROM ifqueue.schedule s LEFT JOIN ${this.bossSchema}.job j ON j.id = s.last_job_id WHERE s.id = $1`,
      [id],
    );
    return rows[0] ? this.toInfo(rows[0]) : null;
  }

  private toInfo(r: any): ScheduleInfo {
    const preview = previewCron(r.cron, r.tz, 5);
    const duration = r.last_started && r.last_completed ? new Date(r.last_completed).getTime() - new Date(r.last_started).getTime() : null;
    return {
      id: r.id,
      task: r.task,
      key: r.key,
      cron: r.cron,
      tz: r.tz,
      args: r.args,
      paused: r.paused,
      nextRuns: r.paused || !preview.ok ? [] : preview.next,
      lastRunAt: r.last_fire_at ? new Date(r.last_fire_at).toISOString() : null,
      lastJobId: r.last_job_id,
      lastOutcome: (r.last_state as JobState | null) ?? null,
      lastDurationMs: duration,
    };
  }

  private validate(input: ScheduleInput): { tz: string; args: unknown } {
    if (!this.registry) throw new Error('changing schedules needs the task registry (a runner)');
    this.registry.get(input.task);
    const tz = input.tz ?? 'UTC';
    const preview = previewCron(input.cron, tz, 1);
    if (!preview.ok) throw new UserError(`invalid schedule ${JSON.stringify(input.cron)}: ${preview.error}`);
    const args = this.registry.parseArgs(input.task, input.args ?? {});
    return { tz, args };
  }

  async set(input: ScheduleInput): Promise<ScheduleInfo> {
    const { tz, args } = this.validate(input);
    const { rows } = await this.pool.query(
      `INSERT INTO ifqueue.schedule (task, key, cron, tz, args, paused, next_fire_at)
       VALUES ($1, $2, $3, $4, $5, $6, NULL)
       ON CONFLICT (task, key) DO UPDATE SET cron = EXCLUDED.cron, tz = EXCLUDED.tz, args = EXCLUDED.args,
         paused = COALESCE($7, ifqueue.schedule.paused), next_fire_at = NULL, updated_at = now()
       RETURNING id`,
      [input.task, input.key ?? 'default', input.cron.trim(), tz, JSON.stringify(args), input.paused ?? false, input.paused ?? null],
    );
    await this.changed(rows[0].id);
    return (await this.get(rows[0].id))!;
  }

  async remove(id: string): Promise<number> {
    if (!UUID.test(id)) throw new UserError(`unknown schedule ${id}`);
    const { rowCount } = await this.pool.query(`DELETE FROM ifqueue.schedule WHERE id = $1`, [id]);
    if (rowCount) await this.changed(id);
    return rowCount ?? 0;
  }

  async setPaused(id: string, paused: boolean): Promise<void> {
    if (!UUID.test(id)) throw new UserError(`unknown schedule ${id}`);
    const { rowCount } = await this.pool.query(
      `UPDATE ifqueue.schedule SET paused = $2, next_fire_at = NULL, updated_at = now() WHERE id = $1`,
      [id, paused],
    );
    if (!rowCount) throw new UserError(`unknown schedule ${id}`);
    await this.changed(id);
  }

  /** Creates the default schedules once per database (never again after a user deletes them). */
  async createDefaults(defaults: ScheduleInput[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('ifqueue:default-schedules'))`);
      const done = await client.query(`SELECT 1 FROM ifqueue.setting WHERE key = 'default_schedules_created'`);
      if (done.rowCount) return;
      for (const d of defaults) {
        if (!this.registry?.has(d.task)) continue;
        const { tz, args } = this.validate(d);
        await client.query(
          `INSERT INTO ifqueue.schedule (task, key, cron, tz, args, paused, origin) VALUES ($1, $2, $3, $4, $5, $6, 'default')
           ON CONFLICT (task, key) DO NOTHING`,
          [d.task, d.key ?? 'default', d.cron, tz, JSON.stringify(args), d.paused ?? false],
        );
      }
      await client.query(`INSERT INTO ifqueue.setting (key, value) VALUES ('default_schedules_created', 'true')`);
    });
  }

  private async changed(id: string) {
    await this.pool.query(`SELECT pg_notify('ifqueue_events', p) FROM unnest($1::text[]) AS p`, [
      encodeEvents(this.origin, [['schedule:changed', { scheduleId: id }]]),
    ]);
  }
}
