// Reads of the legacy table: counts by state, unfinished rows, cron rows, bridge lag.
// A row's state comes from its flags in legacy order: fail, pending, success, else "none" (started, unfinished).
import type { Queryable } from '../runner/db.ts';
import { LEGACY_TABLE, MAX_LOG_CHARS } from './options.ts';

export interface LegacyRow {
  id: number;
  name: string | null;
  command_json: string;
  priority: number;
  onfail_json: string | null;
  retries_left: number;
  retry_minutes: number;
  cron: string | null;
  enqueue_time: Date | null;
  scheduled_time: Date | null;
  start_time: Date | null;
  finish_time: Date | null;
  pending: boolean;
  success: boolean;
  fail: boolean;
  dependency_id: number | null;
  log: string;
}

/** bigint columns arrive as strings from node-postgres; legacy ids fit in a JS number. */
export function normalizeRow<T extends LegacyRow>(row: T): T {
  return { ...row, id: Number(row.id), dependency_id: row.dependency_id === null ? null : Number(row.dependency_id) };
}

/**
 * Rows the bridge may take: pending, due, and whose dependency (if any) succeeded, failed for good,
 * or is itself bridged (its job then carries the dependency). Same order as the old worker.
 */
export const TAKEABLE = `
  FROM ${LEGACY_TABLE} r
  LEFT JOIN ${LEGACY_TABLE} d ON d.id = r.dependency_id
  LEFT JOIN LATERAL (
    SELECT l.job_id FROM ifqueue.legacy_link l
    WHERE l.legacy_id = d.id AND l.job_id IS NOT NULL AND l.outcome IS DISTINCT FROM 'returned'
    ORDER BY l.id DESC LIMIT 1
  ) dl ON true
  WHERE r.pending AND NOT r.fail
    AND (r.cron IS NOT NULL OR r.scheduled_time IS NULL OR r.scheduled_time <= now())
    AND (r.dependency_id IS NULL OR d.id IS NULL OR d.success OR d.fail OR dl.job_id IS NOT NULL)`;

export interface RowCounts {
  total: number;
  pending: number;
  /** pending and takeable now */
  due: number;
  succeeded: number;
  failed: number;
  /** started and unfinished ("none"): running somewhere, or orphaned */
  unfinished: number;
  /** unfinished rows whose job ifqueue is running for the bridge */
  bridged: number;
  cron: number;
  lastEnqueueTime: Date | null;
  /** seconds the oldest takeable row has been waiting (0 when none) */
  lagSeconds: number;
}

export async function countRows(db: Queryable): Promise<RowCounts> {
  const [counts, lag, bridged] = await Promise.all([
    db.query(`
      SELECT count(*)::int AS total,
             count(*) FILTER (WHERE fail)::int AS failed,
             count(*) FILTER (WHERE NOT fail AND pending)::int AS pending,
             count(*) FILTER (WHERE NOT fail AND NOT pending AND success)::int AS succeeded,
             count(*) FILTER (WHERE NOT fail AND NOT pending AND NOT success)::int AS unfinished,
             count(*) FILTER (WHERE cron IS NOT NULL)::int AS cron,
             max(enqueue_time) AS last_enqueue
      FROM ${LEGACY_TABLE}`),
    db.query(`
      SELECT count(*)::int AS due,
             COALESCE(EXTRACT(epoch FROM now() - min(GREATEST(r.enqueue_time, r.scheduled_time))), 0)::float8 AS lag
      ${TAKEABLE} AND r.cron IS NULL`),
    db.query(`
      SELECT count(*)::int AS bridged FROM ifqueue.legacy_link l JOIN ${LEGACY_TABLE} r ON r.id = l.legacy_id
      WHERE l.finished_at IS NULL AND NOT r.pending AND NOT r.success AND NOT r.fail`),
  ]);
  const c = counts.rows[0];
  return {
    total: c.total,
    pending: c.pending,
    due: lag.rows[0].due,
    succeeded: c.succeeded,
    failed: c.failed,
    unfinished: c.unfinished,
    bridged: bridged.rows[0].bridged,
    cron: c.cron,
    lastEnqueueTime: c.last_enqueue,
    lagSeconds: Math.max(0, lag.rows[0].lag),
  };
}

export interface UnfinishedRow {
  id: number;
  name: string | null;
  command_json: string;
  start_time: Date | null;
}

/** Started-but-unfinished rows that no bridge job owns, newest start first. */
export async function unfinishedUnbridgedRows(db: Queryable, limit = 1000): Promise<UnfinishedRow[]> {
  const { rows } = await db.query(
    `SELECT r.id::int AS id, r.name, r.command_json, r.start_time FROM ${LEGACY_TABLE} r
     WHERE NOT r.fail AND NOT r.pending AND NOT r.success
       AND NOT EXISTS (SELECT 1 FROM ifqueue.legacy_link l WHERE l.legacy_id = r.id AND l.finished_at IS NULL)
     ORDER BY r.start_time DESC NULLS LAST, r.id DESC LIMIT $1`,
    [limit],
  );
  return rows;
}

export interface CronRow {
  id: number;
  name: string | null;
  command_json: string;
  cron: string;
  scheduled_time: Date | null;
  /** 'running' and 'orphaned' are told apart by the report (status.ts), which knows the live worker */
  state: 'pending' | 'running' | 'orphaned' | 'failed' | 'converted';
  scheduleId: string | null;
}

export async function cronRows(db: Queryable): Promise<CronRow[]> {
  const { rows } = await db.query(
    `SELECT r.id::int AS id, r.name, r.command_json, r.cron, r.scheduled_time, r.pending, r.fail,
            (SELECT l.schedule_id FROM ifqueue.legacy_link l WHERE l.legacy_id = r.id AND l.outcome = 'schedule' ORDER BY l.id DESC LIMIT 1) AS schedule_id
     FROM ${LEGACY_TABLE} r WHERE r.cron IS NOT NULL ORDER BY r.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    command_json: r.command_json,
    cron: r.cron,
    scheduled_time: r.scheduled_time,
    state: r.schedule_id ? 'converted' : r.fail ? 'failed' : r.pending ? 'pending' : 'running',
    scheduleId: r.schedule_id,
  }));
}

/** Appends a section to a row's log the way the old worker did: a line of '=' between runs, last 128 K characters kept. */
export const APPEND_LOG = (param: number) => `right(log || E'\\n' || repeat('=', 60) || E'\\n' || $${param}::text, ${MAX_LOG_CHARS})`;
