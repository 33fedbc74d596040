// `ifqueue legacy retire`: when nothing is left for the legacy queue, export its rows as JSON lines
// and, only with --drop --confirm, drop the table (and ifqueue's trigger functions on it). When
// something is left, say which rows, and (--run-retries-now) make retries scheduled far ahead due now.
import { access, open, type FileHandle } from 'node:fs/promises';
import type pg from 'pg';
import { inTransaction } from '../runner/db.ts';
import { UserError } from '../runner/errors.ts';
import { LEGACY_TABLE, type LegacyOptions } from './options.ts';
import { retireBlockers, runRetriesNow, type RetireBlocker } from './retire-blockers.ts';
import { legacyReport } from './status.ts';
import { setBridgeSwitch } from './store.ts';
import { wakeWorker } from './wake.ts';

export interface RetireOptions {
  /** the newest row must be at least this old (seconds) */
  idleSeconds: number;
  /** JSON-lines file to create (must not exist) */
  out: string;
  drop?: boolean;
  confirm?: boolean;
  /** first make legacy retry rows and bridged jobs that wait for a later attempt due now */
  runRetriesNow?: boolean;
  /** pg-boss's schema, to read the state of bridged jobs (default pgboss) */
  bossSchema?: string;
}

export type RetireResult =
  | { ok: false; refused: string[]; blockers: RetireBlocker[]; movedNow: { rows: number; jobs: number } | null }
  | { ok: true; exported: number; file: string; dropped: boolean; note: string | null };

export async function retire(pool: pg.Pool, options: LegacyOptions, o: RetireOptions): Promise<RetireResult> {
  await refuseExistingFile(o.out);
  let report = await legacyReport(pool, options);
  if (!report.table || !report.counts) return { ok: false, refused: [`${LEGACY_TABLE} does not exist (already retired?)`], blockers: [], movedNow: null };
  let movedNow: { rows: number; jobs: number } | null = null;
  if (o.runRetriesNow) {
    movedNow = await runRetriesNow(pool, o.bossSchema);
    if (movedNow.rows && !report.bridge.enabled) await wakeWorker(report.worker);
    report = await legacyReport(pool, options);
  }
  const c = report.counts!;
  const refused: string[] = [];
  if (report.worker.alive) refused.push(`the old worker is running (${report.worker.summary}); stop it first: ifqueue legacy stop`);
  if (c.pending) refused.push(`${c.pending} row(s) are pending`);
  if (report.running) refused.push(`row ${report.running.id} is running in the old worker`);
  if (c.bridged) refused.push(`${c.bridged} bridged job(s) have not finished`);
  if (report.orphans.length) refused.push(`${report.orphans.length} orphaned row(s) (ifqueue legacy adopt-orphans)`);
  const idleFor = c.lastEnqueueTime ? (Date.now() - c.lastEnqueueTime.getTime()) / 1000 : Infinity;
  if (idleFor < o.idleSeconds) refused.push(`the newest row arrived ${Math.round(idleFor)}s ago (wanted ${Math.round(o.idleSeconds)}s without new rows)`);
  if (o.drop && !o.confirm) refused.push('--drop needs --confirm');
  if (refused.length) return { ok: false, refused, blockers: await retireBlockers(pool, report, o.bossSchema), movedNow };

  const exported = await exportRows(pool, o.out);
  if (exported !== c.total) return { ok: false, refused: [`exported ${exported} rows but the table has ${c.total}; nothing dropped`], blockers: [], movedNow };
  if (!o.drop) return { ok: true, exported, file: o.out, dropped: false, note: `table kept; drop it with: ifqueue legacy retire --drop --confirm` };
  await inTransaction(pool, async (client) => {
    // Takes the table lock first, so rows inserted after the export cannot be lost silently.
    await client.query(`LOCK TABLE ${LEGACY_TABLE} IN ACCESS EXCLUSIVE MODE`);
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${LEGACY_TABLE}`);
    if (rows[0].n !== exported) throw new Error(`${rows[0].n - exported} row(s) arrived during the export; nothing dropped, run retire again`);
    await client.query(`DROP TABLE ${LEGACY_TABLE}`);
    await client.query(`DROP FUNCTION IF EXISTS ifqueue.legacy_guard(), ifqueue.legacy_notify()`);
    await setBridgeSwitch(client, false, 'retire');
  });
  return { ok: true, exported, file: o.out, dropped: true, note: null };
}

async function refuseExistingFile(file: string): Promise<void> {
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (exists) throw new UserError(`--out ${file} already exists: retire never overwrites an export; give another file name`);
}

async function openExport(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'wx', 0o640);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UserError(`--out ${file} already exists: retire never overwrites an export; give another file name`, { cause: error });
    const why = code === 'ENOENT' ? 'its directory does not exist' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new UserError(`cannot create --out ${file}: ${why}`, { cause: error });
  }
}

/**
 * Writes every row as one JSON object per line, in id order; returns the count. PostgreSQL writes the
 * JSON (row_to_json), so timestamps keep their microseconds (a JavaScript Date would cut them to
 * milliseconds); one repeatable-read snapshot, in UTC.
 */
async function exportRows(pool: pg.Pool, file: string): Promise<number> {
  const handle = await openExport(file);
  let count = 0;
  try {
    await inTransaction(pool, async (client) => {
      await client.query(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`);
      await client.query(`SET LOCAL TimeZone = 'UTC'`);
      let after = '-1';
      for (;;) {
        const { rows } = await client.query(
          `SELECT r.id::text AS id, row_to_json(r)::text AS line FROM ${LEGACY_TABLE} r WHERE r.id > $1::bigint ORDER BY r.id LIMIT 1000`,
          [after],
        );
        if (!rows.length) break;
        await handle.write(rows.map((r) => r.line + '\n').join(''));
        count += rows.length;
        after = rows.at(-1).id;
      }
    });
    await handle.sync();
  } finally {
    await handle.close();
  }
  return count;
}
