// `ifqueue legacy status`: the legacy rows by state, the running row, orphans, cron rows, the old
// worker and the bridge, in one report (text or JSON), and the short form the dashboard shows.
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Queryable } from '../runner/db.ts';
import type { LegacyStatus } from './types.ts';
import type { LegacyOptions } from './options.ts';
import { countRows, cronRows, unfinishedUnbridgedRows, type CronRow, type RowCounts, type UnfinishedRow } from './rows.ts';
import { bridgeSwitch, ensureLegacyStore, installedTriggers, legacyTableExists } from './store.ts';
import { findWorker, type WorkerInfo } from './worker.ts';
import { crashOfDeadWorker } from './worker-death.ts';

/** A bridge that has not reported for this long is taken for gone. */
export const BRIDGE_LIVE_SECONDS = 10;

export interface BridgeProcess {
  id: string;
  host: string;
  pid: number;
  ownsPidFile: boolean;
  lastSeen: string;
  live: boolean;
}

export interface LegacyReport {
  table: boolean;
  counts: RowCounts | null;
  /** the row the old worker is running now */
  running: UnfinishedRow | null;
  /** started-but-unfinished rows that nobody runs any more */
  orphans: UnfinishedRow[];
  cron: CronRow[];
  worker: WorkerInfo;
  /** how the old worker crashed, when it is not running and something shows it did not stop cleanly */
  crash: string | null;
  bridge: { enabled: boolean; guard: boolean; notifyTrigger: boolean; live: boolean; processes: BridgeProcess[] };
}

export async function bridgeProcesses(db: Queryable): Promise<BridgeProcess[]> {
  const { rows } = await db.query(
    `SELECT id, host, pid, owns_pid_file, last_seen, last_seen > now() - make_interval(secs => $1) AS live
     FROM ifqueue.legacy_bridge ORDER BY started_at`,
    [BRIDGE_LIVE_SECONDS],
  );
  return rows.map((r) => ({ id: r.id, host: r.host, pid: r.pid, ownsPidFile: r.owns_pid_file, lastSeen: r.last_seen.toISOString(), live: r.live }));
}

/**
 * Splits unfinished rows into the one the live worker is running and the orphans. The worker runs one
 * row at a time, so only the newest can be its own, and only if it started after the worker process did.
 */
export function classifyUnfinished(rows: UnfinishedRow[], worker: WorkerInfo): { running: UnfinishedRow | null; orphans: UnfinishedRow[] } {
  if (!worker.alive || !rows.length) return { running: null, orphans: rows };
  const [newest, ...rest] = rows;
  const startedAfterWorker = !worker.startedAt || !newest.start_time || newest.start_time.getTime() >= worker.startedAt.getTime() - 1000;
  return startedAfterWorker ? { running: newest, orphans: rest } : { running: null, orphans: rows };
}

export async function legacyReport(pool: pg.Pool, options: LegacyOptions): Promise<LegacyReport> {
  await ensureLegacyStore(pool);
  const processes = await bridgeProcesses(pool);
  const here = hostname();
  const bridgePids = new Set(processes.filter((p) => p.live && p.host === here).map((p) => p.pid));
  const [worker, enabled] = await Promise.all([findWorker(options, bridgePids), bridgeSwitch(pool)]);
  const live = processes.some((p) => p.live);
  if (!(await legacyTableExists(pool))) {
    return { table: false, counts: null, running: null, orphans: [], cron: [], worker, crash: null, bridge: { enabled, guard: false, notifyTrigger: false, live, processes } };
  }
  const [counts, unfinished, cron, triggers] = await Promise.all([countRows(pool), unfinishedUnbridgedRows(pool), cronRows(pool), installedTriggers(pool)]);
  const { running, orphans } = classifyUnfinished(unfinished, worker);
  // A started cron row is the worker's current row or an orphan, never both.
  const orphanIds = new Set(orphans.map((o) => o.id));
  const cronStates = cron.map((c) => (c.state === 'running' && running?.id !== c.id && orphanIds.has(c.id) ? { ...c, state: 'orphaned' as const } : c));
  const crash = await crashOfDeadWorker(pool, worker, orphans);
  return { table: true, counts, running, orphans, cron: cronStates, worker, crash, bridge: { enabled, guard: triggers.guard, notifyTrigger: triggers.notify, live, processes } };
}

/** The dashboard's view (src/legacy/types.ts). */
export function toLegacyStatus(r: LegacyReport): LegacyStatus {
  return {
    workerAlive: r.worker.alive,
    workerPid: r.worker.pid,
    unit: r.worker.unit,
    pending: r.counts?.pending ?? 0,
    running: (r.running ? 1 : 0) + (r.counts?.bridged ?? 0),
    orphaned: r.orphans.length,
    bridge: r.bridge.enabled && r.bridge.live,
  };
}

const time = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—');
const since = (d: Date | null) => (d ? `${Math.max(0, Math.round((Date.now() - d.getTime()) / 1000))}s ago` : 'start time unknown');
const label = (row: { id: number; name: string | null }) => `row ${row.id}${row.name ? ` ${row.name}` : ''}`;

export function reportText(r: LegacyReport): string {
  const lines = [`old worker  ${r.worker.summary}`];
  if (r.worker.pidFile.state === 'stale') lines.push(`            ${r.worker.pidFile.detail}`);
  if (r.crash) lines.push(`            crashed: ${r.crash}`);
  const b = r.bridge;
  const bridgeState = b.enabled ? (b.live ? 'on' : 'on, but no bridge process is running (start: ifqueue --daemon --bridge, or ifqueue legacy bridge)') : 'off';
  lines.push(`bridge      ${bridgeState}${b.guard ? '; take guard installed' : ''}${b.notifyTrigger ? '; insert trigger installed' : ''}`);
  for (const p of b.processes.filter((x) => x.live)) lines.push(`            ${p.host} pid ${p.pid}${p.ownsPidFile ? ' (holds the pid file)' : ''}`);
  if (!r.table || !r.counts) {
    lines.push('table       core_taskqueueelement does not exist (retired?)');
    return lines.join('\n');
  }
  const c = r.counts;
  lines.push(
    `rows        ${c.pending} pending (${c.due} due), ${(r.running ? 1 : 0) + c.bridged} running (${c.bridged} in ifqueue), ${r.orphans.length} orphaned, ${c.succeeded} succeeded, ${c.failed} failed; ${c.total} in all`,
    `last row    enqueued ${time(c.lastEnqueueTime)}${c.due ? `; oldest due row waiting ${Math.round(c.lagSeconds)}s` : ''}`,
  );
  if (r.running) lines.push(`running     ${label(r.running)} started ${time(r.running.start_time)} (${since(r.running.start_time)}) by the old worker`);
  if (r.orphans.length) {
    lines.push(`orphaned    ${r.orphans.length} row(s) started but never finished (re-run them: ifqueue legacy adopt-orphans)`);
    for (const o of r.orphans.slice(0, 10)) lines.push(`            ${label(o)} started ${time(o.start_time)}`);
  }
  for (const cr of r.cron) {
    const state =
      cr.state === 'converted' ? 'now an ifqueue schedule'
      : cr.state === 'orphaned' ? 'orphaned (listed above)'
      : cr.state === 'running' ? 'running now'
      : `${cr.state}, next ${time(cr.scheduled_time)}`;
    lines.push(`cron        ${label(cr)} "${cr.cron}" ${state}`);
  }
  return lines.join('\n');
}
