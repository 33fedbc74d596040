// Writes what happened to bridged jobs back to their legacy rows: start_time when a job starts,
// retries_left and scheduled_time while it waits for a retry, and the flags, times and log when it
// ends (completed, failed for good, cancelled, or deleted), so that IFDB's admin stays truthful.
// Idempotent: the link row is closed first, only one writer wins.
import type { Runner } from '../runner/runner.ts';
import { inTransaction } from '../runner/db.ts';
import { assertSchemaName } from '../runner/sql.ts';
import { bound, bridgeLine, renderJobLog } from './job-log.ts';
import { APPEND_LOG } from './rows.ts';
import { BRIDGE_SESSION_SQL } from './store.ts';
import { LEGACY_TABLE } from './options.ts';

export interface SyncEvent {
  rowId: number;
  jobId: string;
  outcome: 'started' | 'completed' | 'failed' | 'cancelled' | 'deleted';
}

interface Changed {
  link_id: string;
  legacy_id: string;
  job_id: string;
  state: string | null;
  started_on: Date | null;
  start_written: boolean;
}

/** One pass over open links whose job changed; returns what it wrote. */
export async function syncPass(runner: Runner, batch = 200): Promise<SyncEvent[]> {
  const b = assertSchemaName(runner.bossSchema);
  await writeRetries(runner, b);
  const { rows } = await runner.db.query<Changed>(
    `SELECT l.id AS link_id, l.legacy_id, l.job_id, j.state, j.started_on, l.started_at IS NOT NULL AS start_written
     FROM ifqueue.legacy_link l
     LEFT JOIN ${b}.job j ON j.id = l.job_id AND j.name = l.task
     WHERE l.finished_at IS NULL AND l.job_id IS NOT NULL
       AND (j.id IS NULL OR j.state IN ('completed', 'failed', 'cancelled') OR (l.started_at IS NULL AND j.started_on IS NOT NULL))
     ORDER BY l.id LIMIT $1`,
    [batch],
  );
  const events: SyncEvent[] = [];
  for (const r of rows) {
    const rowId = Number(r.legacy_id);
    if (r.state === 'active' || r.state === 'retry' || r.state === 'created') {
      if (!r.start_written) {
        await writeStart(runner, r, rowId);
        events.push({ rowId, jobId: r.job_id, outcome: 'started' });
      }
      continue;
    }
    const outcome = await writeOutcome(runner, r, rowId);
    if (outcome) events.push({ rowId, jobId: r.job_id, outcome });
  }
  return events;
}

async function writeStart(runner: Runner, r: Changed, rowId: number): Promise<void> {
  await inTransaction(runner.db, async (client) => {
    await client.query(BRIDGE_SESSION_SQL);
    const link = await client.query(`UPDATE ifqueue.legacy_link SET started_at = now() WHERE id = $1 AND started_at IS NULL RETURNING id`, [r.link_id]);
    if (!link.rowCount) return;
    await client.query(`UPDATE ${LEGACY_TABLE} SET start_time = $2 WHERE id = $1 AND NOT pending AND NOT success AND NOT fail`, [rowId, r.started_on]);
  });
}

async function writeOutcome(runner: Runner, r: Changed, rowId: number): Promise<SyncEvent['outcome'] | null> {
  const job = r.state ? await runner.getJob(r.job_id) : null;
  const outcome: SyncEvent['outcome'] = !job ? 'deleted' : job.state === 'completed' ? 'completed' : job.state === 'cancelled' ? 'cancelled' : 'failed';
  const text = job
    ? await renderJobLog(runner, job)
    : bound(bridgeLine('error', `ifqueue job ${r.job_id} was deleted before it finished; marked failed`));
  const lastAttempt = job?.attempts.at(-1);
  const startedAt = lastAttempt?.startedAt ?? job?.startedAt ?? null;
  const finishedAt = job?.finishedAt ?? new Date().toISOString();
  const success = outcome === 'completed';
  return inTransaction(runner.db, async (client) => {
    await client.query(BRIDGE_SESSION_SQL);
    const link = await client.query(
      `UPDATE ifqueue.legacy_link SET finished_at = now(), outcome = $2, started_at = COALESCE(started_at, now()) WHERE id = $1 AND finished_at IS NULL RETURNING id`,
      [r.link_id, outcome],
    );
    if (!link.rowCount) return null;
    await client.query(
      `UPDATE ${LEGACY_TABLE} SET pending = false, success = $2, fail = $3, start_time = COALESCE($4, start_time), finish_time = $5, log = ${APPEND_LOG(6)}
       WHERE id = $1`,
      [rowId, success, !success, startedAt, finishedAt, text],
    );
    return outcome;
  });
}

/**
 * A bridged job that failed and waits for its next attempt: the row shows what the old worker showed
 * then, the retries left and when the next attempt is due. (pg-boss keeps retry_count at the failed
 * attempt's value until the next claim, so retry_limit - retry_count attempts remain, one of them next.)
 */
async function writeRetries(runner: Runner, b: string): Promise<void> {
  // One statement, no bridge session needed: the take guard watches start_time only.
  await runner.db.query(
    `UPDATE ${LEGACY_TABLE} r SET retries_left = GREATEST(j.retry_limit - j.retry_count - 1, 0), scheduled_time = j.start_after
     FROM ifqueue.legacy_link l JOIN ${b}.job j ON j.id = l.job_id AND j.name = l.task
     WHERE l.finished_at IS NULL AND r.id = l.legacy_id AND j.state = 'retry'
       AND NOT r.pending AND NOT r.success AND NOT r.fail
       AND (r.retries_left IS DISTINCT FROM GREATEST(j.retry_limit - j.retry_count - 1, 0) OR r.scheduled_time IS DISTINCT FROM j.start_after)`,
  );
}
