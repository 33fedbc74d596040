// The bridge's take: in one transaction, lock the takeable legacy rows (SKIP LOCKED, so several
// bridges share the work), turn each into an ifqueue job (or schedule) and mark the row taken.
// A row that cannot run (unknown function, malformed JSON, bad arguments) is marked failed with a log line.
import type pg from 'pg';
import type { Runner } from '../runner/runner.ts';
import { UserError, errorMessage } from '../runner/errors.ts';
import { bridgeLine } from './job-log.ts';
import { mapLegacyCommand } from './command-map.ts';
import { APPEND_LOG, TAKEABLE, normalizeRow, type LegacyRow } from './rows.ts';
import { BRIDGE_SESSION_SQL } from './store.ts';
import { LEGACY_TABLE } from './options.ts';

export type TakeEvent =
  | { kind: 'job'; rowId: number; name: string | null; task: string; jobId: string }
  | { kind: 'schedule'; rowId: number; name: string | null; task: string; cron: string; scheduleId: string }
  | { kind: 'rejected'; rowId: number; name: string | null; reason: string };

export interface TakeResult {
  /** false when bridging is switched off (nothing was taken) */
  enabled: boolean;
  events: TakeEvent[];
  /** rows locked in this pass (more may be waiting when it equals the batch size) */
  locked: number;
}

type TakeableRow = LegacyRow & { dep_success: boolean | null; dep_fail: boolean | null; dep_job: string | null };

export async function takePass(runner: Runner, batch = 100): Promise<TakeResult> {
  const client = await runner.db.connect();
  try {
    await client.query('BEGIN');
    await client.query(BRIDGE_SESSION_SQL);
    // FOR SHARE: switching off (rollback) waits for this take to commit, and no take starts after it.
    const sw = await client.query(`SELECT enabled FROM ifqueue.legacy_switch WHERE id = 1 FOR SHARE`);
    if (!sw.rows[0]?.enabled) {
      await client.query('COMMIT');
      return { enabled: false, events: [], locked: 0 };
    }
    const { rows } = await client.query<TakeableRow>(
      `SELECT r.*, d.success AS dep_success, d.fail AS dep_fail, dl.job_id AS dep_job
       ${TAKEABLE}
       ORDER BY r.priority, r.enqueue_time NULLS FIRST, r.id LIMIT $1
       FOR UPDATE OF r SKIP LOCKED`,
      [batch],
    );
    const events: TakeEvent[] = [];
    for (const row of rows.map(normalizeRow)) {
      await client.query('SAVEPOINT take_row');
      try {
        events.push(await takeRow(runner, client, row));
        await client.query('RELEASE SAVEPOINT take_row');
      } catch (error) {
        // Only a refusal about the row itself fails it; anything else (the database) fails the pass, which is retried.
        if (!(error instanceof UserError)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT take_row');
        events.push(await reject(client, row, `cannot run it in ifqueue: ${errorMessage(error).split('\n')[0]}`));
      }
    }
    await client.query('COMMIT');
    return { enabled: true, events, locked: rows.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function takeRow(runner: Runner, client: pg.PoolClient, row: TakeableRow): Promise<TakeEvent> {
  const mapping = mapLegacyCommand(row.command_json, row.onfail_json);
  if (!mapping.ok) return reject(client, row, mapping.reason);
  const known = new Set(runner.registry.names());
  for (const task of [mapping.task, mapping.onFail]) {
    if (task && !known.has(task)) return reject(client, row, `task ${task} is not registered in this ifqueue`);
  }
  if (row.cron) return convertCron(runner, client, row, mapping.task, mapping.args);
  let dependsOn: string | undefined;
  if (row.dependency_id !== null && row.dep_success === false) {
    if (row.dep_fail) return reject(client, row, `its dependency, row ${row.dependency_id}, failed`);
    dependsOn = row.dep_job ?? undefined;
  }
  const jobId = await runner.enqueueIn(client, mapping.task, mapping.args, {
    ...(row.name ? { name: row.name } : {}),
    priority: row.priority,
    // The row's own retry budget and fixed interval, as the old worker honoured them (3 × 2000 minutes by default).
    retries: Math.max(0, row.retries_left),
    retryDelaySeconds: Math.max(0, row.retry_minutes) * 60,
    ...(mapping.onFail ? { onFail: mapping.onFail } : {}),
    ...(dependsOn ? { dependsOn } : {}),
    legacyId: row.id,
  });
  await client.query(`UPDATE ${LEGACY_TABLE} SET pending = false WHERE id = $1`, [row.id]);
  await client.query(`INSERT INTO ifqueue.legacy_link (legacy_id, task, job_id) VALUES ($1, $2, $3)`, [row.id, mapping.task, jobId]);
  return { kind: 'job', rowId: row.id, name: row.name, task: mapping.task, jobId };
}

/**
 * A cron row becomes an ifqueue schedule: the task's default schedule when it takes no arguments
 * (the production cron replaces the built-in default), else one keyed by the row. The row is marked
 * succeeded so that it is converted only once; a run that was due is enqueued now.
 */
async function convertCron(runner: Runner, client: pg.PoolClient, row: TakeableRow, task: string, args: Record<string, unknown>): Promise<TakeEvent> {
  const cron = row.cron!.trim();
  const key = Object.keys(args).length ? `legacy-${row.id}` : 'default';
  // Its own statement on the runner's pool: an upsert, so repeating it after a failed commit is harmless.
  const schedule = await runner.setSchedule({ task, cron, tz: 'UTC', args, key, paused: false });
  const due = !row.scheduled_time || row.scheduled_time.getTime() <= Date.now();
  const dueJob = due ? await runner.enqueueIn(client, task, args, { name: `${task}@schedule` }) : null;
  const line = bridgeLine('info', `converted to the ifqueue schedule ${task} "${cron}" UTC (key ${key}, id ${schedule.id})${dueJob ? `; the due run is job ${dueJob}` : ''}`);
  await client.query(`UPDATE ${LEGACY_TABLE} SET pending = false, success = true, finish_time = now(), log = ${APPEND_LOG(2)} WHERE id = $1`, [row.id, line]);
  await client.query(
    `INSERT INTO ifqueue.legacy_link (legacy_id, task, schedule_id, finished_at, outcome) VALUES ($1, $2, $3, now(), 'schedule')`,
    [row.id, task, schedule.id],
  );
  return { kind: 'schedule', rowId: row.id, name: row.name, task, cron, scheduleId: schedule.id };
}

async function reject(client: pg.PoolClient, row: LegacyRow, reason: string): Promise<TakeEvent> {
  const line = bridgeLine('error', `row ${row.id} not run: ${reason}; marked failed`);
  await client.query(
    `UPDATE ${LEGACY_TABLE} SET pending = false, success = false, fail = true, start_time = COALESCE(start_time, now()), finish_time = now(), log = ${APPEND_LOG(2)} WHERE id = $1`,
    [row.id, line],
  );
  await client.query(`INSERT INTO ifqueue.legacy_link (legacy_id, finished_at, outcome) VALUES ($1, now(), 'rejected')`, [row.id]);
  return { kind: 'rejected', rowId: row.id, name: row.name, reason };
}
