// `ifqueue legacy rollback`: stop bridging, hand the bridged jobs that have not started back to
// their rows as pending (and converted cron rows back as cron rows), remove the take guard, start
// the old worker again, and keep writing back the outcomes of jobs that were already running.
import type { Runner } from '../runner/runner.ts';
import { inTransaction } from '../runner/db.ts';
import { publishEvents } from '../runner/events.ts';
import { abortableSleep } from '../runner/sleep.ts';
import { assertSchemaName } from '../runner/sql.ts';
import { bridgeLine } from './job-log.ts';
import { LEGACY_TABLE, legacyOptionsFromEnv, type LegacyOptions } from './options.ts';
import { APPEND_LOG } from './rows.ts';
import { startWorker } from './start-worker.ts';
import { BRIDGE_SESSION_SQL, ensureLegacyStore, setBridgeSwitch, setTrigger } from './store.ts';
import { syncPass } from './sync.ts';

export interface RollbackOptions extends Partial<LegacyOptions> {
  /** how long to wait for bridged jobs that are running (default 10 minutes) */
  timeoutMs?: number;
  /** start the old worker again (default true) */
  startWorker?: boolean;
}

export interface RollbackResult {
  /** rows handed back as pending */
  handedBack: number[];
  /** cron rows whose schedule was paused and that are cron rows again */
  schedulesReturned: number[];
  /** bridged jobs still running when the wait ended; their outcome is written by the next bridge or rollback */
  stillRunning: number;
  worker: { ok: boolean; message: string } | null;
}

export async function rollback(runner: Runner, options: RollbackOptions = {}, onProgress: (message: string) => void = () => {}): Promise<RollbackResult> {
  const o = legacyOptionsFromEnv(process.env, options);
  await runner.start();
  await ensureLegacyStore(runner.db);
  // Waits for takes in flight; no bridge takes a row after this.
  await setBridgeSwitch(runner.db, false, `rollback pid ${process.pid}`);
  onProgress('bridging switched off');
  const handedBack = await handBackJobs(runner);
  onProgress(`handed ${handedBack.length} row(s) back to the legacy queue as pending`);
  const schedulesReturned = await handBackSchedules(runner);
  if (schedulesReturned.length) onProgress(`paused ${schedulesReturned.length} schedule(s) and made their rows cron rows again`);
  await setTrigger(runner.db, 'guard', false);
  onProgress('take guard removed: the old worker may start rows again');
  let worker = null;
  if (options.startWorker !== false) {
    worker = await startWorker(o);
    onProgress(worker.message);
  }
  const stillRunning = await waitForRunning(runner, options.timeoutMs ?? 10 * 60_000, onProgress);
  return { handedBack, schedulesReturned, stillRunning, worker };
}

async function handBackJobs(runner: Runner): Promise<number[]> {
  const b = assertSchemaName(runner.bossSchema);
  return inTransaction(runner.db, async (client) => {
    await client.query(BRIDGE_SESSION_SQL);
    const open = await client.query(
      `SELECT id, legacy_id, job_id, task FROM ifqueue.legacy_link WHERE finished_at IS NULL AND job_id IS NOT NULL FOR UPDATE`,
    );
    if (!open.rowCount) return [];
    // Only jobs that are not running: a job claimed meanwhile stays with ifqueue, its outcome is written back.
    // A job waiting for a retry hands back its remaining budget and its due time, as the old worker would have kept them.
    const cancelled = await client.query(
      `WITH before AS (SELECT id, state, retry_limit, retry_count, start_after FROM ${b}.job WHERE id = ANY($1::uuid[]) AND state IN ('created', 'retry') FOR UPDATE)
       UPDATE ${b}.job j SET state = 'cancelled', completed_on = now(),
         output = jsonb_build_object('message', 'handed back to the legacy worker (rollback)')
       FROM before WHERE j.id = before.id
       RETURNING j.id, before.state = 'retry' AS retrying, GREATEST(before.retry_limit - before.retry_count - 1, 0) AS retries_left, before.start_after`,
      [open.rows.map((r) => r.job_id)],
    );
    const ids = new Set(cancelled.rows.map((r) => r.id));
    const links = open.rows.filter((r) => ids.has(r.job_id));
    if (!links.length) return [];
    await client.query(`UPDATE ifqueue.legacy_link SET finished_at = now(), outcome = 'returned' WHERE id = ANY($1::bigint[])`, [links.map((l) => l.id)]);
    const rows = links.map((l) => Number(l.legacy_id));
    await client.query(
      `UPDATE ${LEGACY_TABLE} SET pending = true, success = false, fail = false, log = ${APPEND_LOG(2)} WHERE id = ANY($1::bigint[])`,
      [rows, bridgeLine('warn', 'handed back to the legacy worker (rollback): its ifqueue job had not started')],
    );
    const retrying = cancelled.rows.filter((r) => r.retrying);
    if (retrying.length) {
      await client.query(
        `UPDATE ${LEGACY_TABLE} r SET retries_left = x.retries_left, scheduled_time = x.start_after
         FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS x(job_id, retries_left, start_after)
         JOIN ifqueue.legacy_link l ON l.job_id = x.job_id WHERE r.id = l.legacy_id`,
        [retrying.map((r) => r.id), retrying.map((r) => r.retries_left), retrying.map((r) => r.start_after)],
      );
    }
    await publishEvents(client, 'legacy-rollback', [['job:cancelled', { ids: [...ids] }]]);
    return rows.sort((x, y) => x - y);
  });
}

async function handBackSchedules(runner: Runner): Promise<number[]> {
  const { rows } = await runner.db.query(
    `SELECT l.id, l.legacy_id, l.schedule_id, r.cron FROM ifqueue.legacy_link l JOIN ${LEGACY_TABLE} r ON r.id = l.legacy_id
     WHERE l.outcome = 'schedule' AND r.cron IS NOT NULL ORDER BY l.id`,
  );
  const returned: number[] = [];
  for (const r of rows) {
    await runner.pauseSchedule(r.schedule_id).catch(() => {});
    const preview = runner.previewCron(r.cron, 'UTC', 1);
    const next = preview.ok ? new Date(preview.next[0]) : null;
    await inTransaction(runner.db, async (client) => {
      await client.query(BRIDGE_SESSION_SQL);
      const link = await client.query(`UPDATE ifqueue.legacy_link SET outcome = 'returned' WHERE id = $1 AND outcome = 'schedule' RETURNING id`, [r.id]);
      if (!link.rowCount) return;
      await client.query(
        `UPDATE ${LEGACY_TABLE} SET pending = true, success = false, fail = false, scheduled_time = $2, log = ${APPEND_LOG(3)} WHERE id = $1`,
        [r.legacy_id, next, bridgeLine('warn', `handed back to the legacy worker (rollback): ifqueue schedule ${r.schedule_id} paused`)],
      );
      returned.push(Number(r.legacy_id));
    });
  }
  return returned;
}

/** Writes back the outcomes of bridged jobs that were already running, until none is left or time is up. */
async function waitForRunning(runner: Runner, timeoutMs: number, onProgress: (message: string) => void): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastReport = 0;
  for (;;) {
    await syncPass(runner);
    const { rows } = await runner.db.query(`SELECT count(*)::int AS n FROM ifqueue.legacy_link WHERE finished_at IS NULL AND job_id IS NOT NULL`);
    const n = rows[0].n;
    if (!n) return 0;
    if (Date.now() >= deadline) {
      onProgress(`${n} bridged job(s) still running in ifqueue; their rows are written back by the next bridge or rollback`);
      return n;
    }
    if (Date.now() - lastReport > 2000) {
      lastReport = Date.now();
      onProgress(`waiting for ${n} bridged job(s) still running in ifqueue`);
    }
    await abortableSleep(200);
  }
}
