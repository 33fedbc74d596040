// `ifqueue legacy retire`: when nothing is left for the legacy queue, export its rows as JSON lines
// and, only with --drop --confirm, drop the table (and ifqueue's trigger functions on it).
import { open } from 'node:fs/promises';
import type pg from 'pg';
import { inTransaction } from '../runner/db.ts';
import { LEGACY_TABLE, type LegacyOptions } from './options.ts';
import { legacyReport } from './status.ts';
import { setBridgeSwitch } from './store.ts';

export interface RetireOptions {
  /** the newest row must be at least this old (seconds) */
  idleSeconds: number;
  /** JSON-lines file to create (must not exist) */
  out: string;
  drop?: boolean;
  confirm?: boolean;
}

export type RetireResult =
  | { ok: false; refused: string[] }
  | { ok: true; exported: number; file: string; dropped: boolean; note: string | null };

export async function retire(pool: pg.Pool, options: LegacyOptions, o: RetireOptions): Promise<RetireResult> {
  const report = await legacyReport(pool, options);
  if (!report.table || !report.counts) return { ok: false, refused: [`${LEGACY_TABLE} does not exist (already retired?)`] };
  const c = report.counts;
  const refused: string[] = [];
  if (report.worker.alive) refused.push(`the old worker is running (${report.worker.summary}); stop it first: ifqueue legacy stop`);
  if (c.pending) refused.push(`${c.pending} row(s) are pending`);
  if (report.running) refused.push(`row ${report.running.id} is running in the old worker`);
  if (c.bridged) refused.push(`${c.bridged} bridged job(s) have not finished`);
  if (report.orphans.length) refused.push(`${report.orphans.length} orphaned row(s) (ifqueue legacy adopt-orphans)`);
  const idleFor = c.lastEnqueueTime ? (Date.now() - c.lastEnqueueTime.getTime()) / 1000 : Infinity;
  if (idleFor < o.idleSeconds) refused.push(`the newest row arrived ${Math.round(idleFor)}s ago (wanted ${Math.round(o.idleSeconds)}s without new rows)`);
  if (o.drop && !o.confirm) refused.push('--drop needs --confirm');
  if (refused.length) return { ok: false, refused };

  const exported = await exportRows(pool, o.out);
  if (exported !== c.total) return { ok: false, refused: [`exported ${exported} rows but the table has ${c.total}; nothing dropped`] };
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

/** Writes every row as one JSON object per line, in id order; returns the count. Refuses to overwrite. */
async function exportRows(pool: pg.Pool, file: string): Promise<number> {
  const handle = await open(file, 'wx');
  let count = 0;
  try {
    let after = -1n;
    for (;;) {
      const { rows } = await pool.query(`SELECT * FROM ${LEGACY_TABLE} WHERE id > $1 ORDER BY id LIMIT 1000`, [after.toString()]);
      if (!rows.length) break;
      await handle.write(rows.map((r) => JSON.stringify({ ...r, id: Number(r.id), dependency_id: r.dependency_id === null ? null : Number(r.dependency_id) }) + '\n').join(''));
      count += rows.length;
      after = BigInt(rows.at(-1).id);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return count;
}
