// `ifqueue legacy adopt-orphans`: rows a crashed worker left started-but-unfinished go back to
// pending, so they run again (taken by the bridge when it is on, else by the old worker, which is
// woken as Enqueue() would wake it).
import type pg from 'pg';
import { bridgeLine } from './job-log.ts';
import { LEGACY_TABLE, type LegacyOptions } from './options.ts';
import { APPEND_LOG } from './rows.ts';
import { legacyReport } from './status.ts';
import { BRIDGE_SESSION_SQL, LEGACY_CHANNEL } from './store.ts';
import { wakeWorker, type WakeResult } from './wake.ts';
import { inTransaction } from '../runner/db.ts';
import type { UnfinishedRow } from './rows.ts';

export interface AdoptResult {
  /** orphans found */
  orphans: UnfinishedRow[];
  /** ids put back to pending (empty on a dry run) */
  adopted: number[];
  /** the row the live old worker is running, left alone */
  running: UnfinishedRow | null;
  /** the old worker woken to run them (not while bridging is on: the bridge takes them) */
  wake: WakeResult;
}

export async function adoptOrphans(pool: pg.Pool, options: LegacyOptions, o: { dryRun?: boolean; ids?: number[] } = {}): Promise<AdoptResult> {
  const report = await legacyReport(pool, options);
  let orphans = report.orphans;
  if (o.ids?.length) orphans = orphans.filter((r) => o.ids!.includes(r.id));
  if (o.dryRun || !orphans.length) return { orphans, adopted: [], running: report.running, wake: null };
  const adopted = await inTransaction(pool, async (client) => {
    await client.query(BRIDGE_SESSION_SQL);
    // The conditions again, in the statement: a row that finished or was taken meanwhile stays as it is.
    const { rows } = await client.query(
      `UPDATE ${LEGACY_TABLE} r SET pending = true, log = ${APPEND_LOG(2)}
       WHERE r.id = ANY($1::bigint[]) AND NOT r.pending AND NOT r.success AND NOT r.fail
         AND NOT EXISTS (SELECT 1 FROM ifqueue.legacy_link l WHERE l.legacy_id = r.id AND l.finished_at IS NULL)
       RETURNING r.id`,
      [orphans.map((r) => r.id), bridgeLine('warn', 'adopted: this row was started but never finished (its worker died); queued again')],
    );
    // wakes the bridges (if bridging is on) once the rows are committed
    if (rows.length) await client.query(`SELECT pg_notify($1, 'adopted')`, [LEGACY_CHANNEL]);
    return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  });
  const wake = adopted.length && !report.bridge.enabled ? await wakeWorker(report.worker) : null;
  return { orphans, adopted, running: report.running, wake };
}
