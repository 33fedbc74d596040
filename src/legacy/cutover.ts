// `ifqueue legacy cutover`: the switch from the old worker to ifqueue in the one order that never
// crashes the old worker. Checks first (a bridge process to take the rows, the right to install the
// take guard, no stale pid file), then stops the old worker and waits while it finishes its row,
// then turns the take guard and bridging on, then waits until the bridge has taken the due rows and
// converted the cron rows. The old worker is never running while the guard is on: it would die on
// its next row (that is what the guard does to a worker that tries to start a row the bridge owns).
import type { Runner } from '../runner/runner.ts';
import { abortableSleep } from '../runner/sleep.ts';
import { enableBridging } from './bridge.ts';
import { LEGACY_TABLE, legacyOptionsFromEnv, type LegacyOptions } from './options.ts';
import { TAKEABLE } from './rows.ts';
import { bridgeProcesses, legacyReport } from './status.ts';
import { stopWorker } from './stop.ts';
import { ensureLegacyStore } from './store.ts';
import { findWorker } from './worker.ts';

export interface CutoverOptions extends Partial<LegacyOptions> {
  /** how long the old worker may take to finish its row (default 10 minutes) */
  stopTimeoutMs?: number;
  /** how long to wait for a bridge to take the rows that were due (default 60 s) */
  bridgeTimeoutMs?: number;
  /** also install the NOTIFY-on-insert trigger (default true) */
  insertTrigger?: boolean;
  /** how often progress is reported while waiting */
  progressEveryMs?: number;
}

export interface CutoverResult {
  ok: boolean;
  /** one line: what was done, or where it stopped and what to do */
  message: string;
  /** whether bridging is on now */
  bridging: boolean;
  /** rows the bridge took and cron rows it converted while cutover waited */
  taken: number;
  converted: number;
}

export async function cutover(runner: Runner, options: CutoverOptions = {}, onProgress: (message: string) => void = () => {}): Promise<CutoverResult> {
  const o = legacyOptionsFromEnv(process.env, options);
  const every = options.progressEveryMs ?? 2000;
  const fail = (message: string, bridging = false): CutoverResult => ({ ok: false, message, bridging, taken: 0, converted: 0 });
  await runner.start();
  const db = runner.db;
  await ensureLegacyStore(db);

  // 1. Checks: nothing changes unless every step can be done.
  const before = await legacyReport(db, o);
  if (!before.table) return fail(`${LEGACY_TABLE} does not exist: nothing to cut over`);
  if (!(await bridgeProcesses(db)).some((p) => p.live)) {
    return fail('no bridge process is running to take the rows: restart the daemon with --bridge (or run `ifqueue legacy bridge` in another terminal), then run cutover again; nothing was changed');
  }
  const { rows: owner } = await db.query(`SELECT pg_has_role(current_user, c.relowner, 'USAGE') AS ok FROM pg_class c WHERE c.oid = to_regclass($1)`, [LEGACY_TABLE]);
  if (!owner[0]?.ok) {
    return fail(`cannot install the take guard: connect as the owner of ${LEGACY_TABLE} (IFDB's database user), then run cutover again; nothing was changed`);
  }
  if (before.worker.pidFile.state === 'stale') {
    return fail(`${before.worker.pidFile.detail}: if no old worker runs, remove that file (or point WORKER_PID_FILE at the right one), then run cutover again; nothing was changed`);
  }

  // 2. Stop the old worker; it finishes its current row first.
  const stopped = await stopWorker(db, o, onProgress, { timeoutMs: options.stopTimeoutMs, progressEveryMs: every });
  if (!stopped.ok && !stopped.crashed) return fail(`${stopped.message}; cutover stopped before bridging (bridging stays off): stop the old worker, then run cutover again`);
  onProgress(stopped.message);
  const again = await findWorker(o);
  if (again.alive) return fail(`the old worker is running again (${again.summary}): something restarts it; disable it (systemctl disable ifdb-worker), then run cutover again; bridging stays off`);

  // 3. The take guard, then the switch; every bridge process follows the switch.
  const { rows: last } = await db.query(`SELECT COALESCE(max(id), 0)::text AS id FROM ${LEGACY_TABLE}`);
  await enableBridging(runner, { installTrigger: options.insertTrigger !== false, by: `cutover pid ${process.pid}` });
  onProgress('take guard installed; bridging is on');
  const after = await findWorker(o);
  if (after.alive) {
    return fail(`the old worker was started again (${after.summary}) while bridging went on: stop it now and disable it (ifqueue legacy stop; systemctl disable ifdb-worker)`, true);
  }

  // 4. Wait until a bridge has taken the rows that were there (due ones) and converted the cron rows.
  const deadline = Date.now() + (options.bridgeTimeoutMs ?? 60_000);
  let lastReport = Date.now();
  let waiting = 0;
  for (;;) {
    const { rows } = await db.query(`SELECT count(*)::int AS n ${TAKEABLE} AND r.id <= $1::bigint`, [last[0].id]);
    waiting = rows[0].n;
    if (!waiting) break;
    if (Date.now() >= deadline) {
      return fail(`bridging is on, but no bridge has taken the ${waiting} row(s) that were due within ${Math.round((options.bridgeTimeoutMs ?? 60_000) / 1000)}s: check the daemon (journalctl -u ifqueue: is it running with --bridge?)`, true);
    }
    if (Date.now() - lastReport >= every) {
      lastReport = Date.now();
      onProgress(`waiting for the bridge to take ${waiting} row(s)`);
    }
    await abortableSleep(100);
  }
  const { rows: links } = await db.query(
    `SELECT count(*) FILTER (WHERE job_id IS NOT NULL)::int AS taken, count(*) FILTER (WHERE outcome = 'schedule')::int AS converted
     FROM ifqueue.legacy_link WHERE legacy_id <= $1::bigint AND taken_at >= (SELECT changed_at FROM ifqueue.legacy_switch WHERE id = 1)`,
    [last[0].id],
  );
  const { taken, converted } = links[0];
  const orphans = (await legacyReport(db, o)).orphans.length;
  const next = [
    'next: systemctl disable ifdb-worker, and remove `systemctl start ifdb-worker` from IFDB\'s deploy script',
    orphans ? `${orphans} orphaned row(s) nobody runs: ifqueue legacy adopt-orphans` : null,
  ].filter(Boolean);
  return {
    ok: true,
    bridging: true,
    taken,
    converted,
    message: `cutover done: the old worker is stopped, bridging is on; the bridge took ${taken} waiting row(s) and converted ${converted} cron row(s) into schedules. ${next.join('; ')}`,
  };
}
