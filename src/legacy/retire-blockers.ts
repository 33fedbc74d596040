// What keeps `ifqueue legacy retire` from dropping the table, row by row (id, call, state, when), and
// the way to unblock the slowest of them: legacy retry rows scheduled far ahead (2000 minutes by
// default) and bridged jobs waiting for their next attempt can be made due now.
import type pg from 'pg';
import type { Queryable } from '../runner/db.ts';
import { assertSchemaName, sqlFor } from '../runner/sql.ts';
import { mapLegacyCommand } from './command-map.ts';
import { LEGACY_TABLE } from './options.ts';
import type { LegacyReport } from './status.ts';
import { BRIDGE_SESSION_SQL, LEGACY_CHANNEL } from './store.ts';

export interface RetireBlocker {
  id: number;
  name: string | null;
  /** the legacy call, e.g. CloneFile(123), or the raw command_json when it does not parse */
  command: string;
  /** pending (due now), retry (pending, scheduled later), cron (an unconverted cron row), running (the old worker's), orphaned, bridged (an ifqueue job that has not finished) */
  state: 'pending' | 'retry' | 'cron' | 'running' | 'orphaned' | 'bridged';
  /** the time that matters for the state: when it is due, when it started, or the job's next attempt */
  at: Date | null;
  /** e.g. "ifqueue job 1a2b3c4d retry" */
  detail: string | null;
}

const LIMIT = 50;

export function describeCall(commandJson: string): string {
  const m = mapLegacyCommand(commandJson, null);
  if (m.ok) return m.call;
  try {
    const v = JSON.parse(commandJson) as { name?: unknown };
    if (typeof v?.name === 'string') return `${v.name}(…)`;
  } catch {
    // shown raw below
  }
  return commandJson.slice(0, 60);
}

/** Up to 50 rows of each kind, oldest first; the counts in the report say how many there are in all. */
export async function retireBlockers(db: Queryable, report: LegacyReport, bossSchema = 'pgboss'): Promise<RetireBlocker[]> {
  const b = assertSchemaName(bossSchema);
  const blockers: RetireBlocker[] = [];
  const pending = await db.query(
    `SELECT id::int AS id, name, command_json, cron, scheduled_time, enqueue_time, scheduled_time > now() AS later
     FROM ${LEGACY_TABLE} WHERE pending AND NOT fail ORDER BY COALESCE(scheduled_time, enqueue_time) NULLS FIRST, id LIMIT $1`,
    [LIMIT],
  );
  for (const r of pending.rows) {
    const state = r.cron ? 'cron' : r.later ? 'retry' : 'pending';
    blockers.push({ id: r.id, name: r.name, command: describeCall(r.command_json), state, at: r.scheduled_time ?? r.enqueue_time, detail: r.cron ? `"${r.cron}"` : null });
  }
  if (report.running) {
    const r = report.running;
    blockers.push({ id: r.id, name: r.name, command: describeCall(r.command_json), state: 'running', at: r.start_time, detail: 'in the old worker' });
  }
  for (const r of report.orphans.slice(0, LIMIT)) blockers.push({ id: r.id, name: r.name, command: describeCall(r.command_json), state: 'orphaned', at: r.start_time, detail: null });
  if (report.counts?.bridged) {
    const bridged = await db.query(
      `SELECT r.id::int AS id, r.name, r.command_json, l.job_id, j.state, j.start_after, j.started_on
       FROM ifqueue.legacy_link l JOIN ${LEGACY_TABLE} r ON r.id = l.legacy_id
       LEFT JOIN ${b}.job j ON j.id = l.job_id AND j.name = l.task
       WHERE l.finished_at IS NULL AND l.job_id IS NOT NULL ORDER BY l.id LIMIT $1`,
      [LIMIT],
    );
    for (const r of bridged.rows) {
      const at = r.state === 'active' ? r.started_on : r.start_after;
      blockers.push({ id: r.id, name: r.name, command: describeCall(r.command_json), state: 'bridged', at: at ?? null, detail: `ifqueue job ${String(r.job_id).slice(0, 8)} ${r.state ?? 'gone'}` });
    }
  }
  return blockers;
}

/**
 * Makes what waits for a later retry due now: legacy rows pending with a future scheduled_time (not
 * cron rows), and bridged jobs waiting for a delayed attempt. Returns how many of each it moved.
 */
export async function runRetriesNow(pool: pg.Pool, bossSchema = 'pgboss'): Promise<{ rows: number; jobs: number }> {
  const b = assertSchemaName(bossSchema);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(BRIDGE_SESSION_SQL);
    const rows = await client.query(`UPDATE ${LEGACY_TABLE} SET scheduled_time = now() WHERE pending AND NOT fail AND cron IS NULL AND scheduled_time > now()`);
    const jobs = await client.query(
      `UPDATE ${b}.job j SET start_after = now() FROM ifqueue.legacy_link l
       WHERE l.finished_at IS NULL AND l.job_id = j.id AND j.name = l.task AND j.state IN ('created', 'retry') AND j.start_after > now()
       RETURNING j.name`,
    );
    // wake the runners of those queues and the bridges, once committed
    const queues = [...new Set(jobs.rows.map((r) => r.name as string))];
    if (queues.length) {
      const { rows: ch } = await client.query(sqlFor(bossSchema).bossChannel);
      await client.query(`SELECT pg_notify($1, q) FROM unnest($2::text[]) AS q`, [ch[0].channel, queues]);
    }
    if (rows.rowCount) await client.query(`SELECT pg_notify($1, 'retries')`, [LEGACY_CHANNEL]);
    await client.query('COMMIT');
    return { rows: rows.rowCount ?? 0, jobs: jobs.rowCount ?? 0 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
