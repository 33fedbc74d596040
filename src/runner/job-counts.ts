// Job counts per task and state that cost the same at a million jobs as at ten: statement-level
// triggers on pg-boss's job table append one small delta row per statement that changes a state
// (insert-only, so concurrent writers never contend), and a compaction folds the deltas into
// ifqueue.job_count (totals) and ifqueue.job_finished (finishes per 5-minute bucket, kept 25 hours).
// A read sums the two with the deltas not yet folded in, in one statement (one snapshot).
// The only split the triggers cannot keep is time's: a created job turns from "scheduled" into
// "waiting" when its start time passes, without any write; that split is counted from pg-boss's
// partial index, bounded by COUNT_CAP, and flagged when it reaches the cap.
import type pg from 'pg';
import { HELD_UNTIL } from './sql.ts';
import type { QueueCounts } from './types.ts';

/** Counts that need a scan stop here; a value at the cap is a lower bound, listed in `capped`. */
export const COUNT_CAP = 10_000;
const BUCKET_SECONDS = 300;
/** advisory lock key of the compaction (one compactor at a time; others skip) */
const COMPACT_LOCK = 0x1f_9e_0e_05; // not 02: that is the retention sweep's, and sharing it skipped one or the other
const HELD = HELD_UNTIL.toISOString();

const bucketOf = (column: string) => `to_timestamp(floor(extract(epoch FROM ${column}) / ${BUCKET_SECONDS}) * ${BUCKET_SECONDS})`;
const FINISHED = `('completed', 'failed', 'cancelled')`;
/** finishes older than this are not kept per bucket (the longest window shown is a day) */
const KEEP = `interval '25 hours'`;

/**
 * Migration: the tables, the triggers on pg-boss's job table and on each of its partitions (pg-boss
 * writes to a queue's partition, job_common, by name, and a statement-level trigger fires only for
 * the table a statement names), and the first count. Creating the triggers locks the job table
 * against writes until the migration commits, so the first count and the triggers see the same rows.
 */
export function jobCountsMigration(b: string): string {
  const recount = (table: string) => `
    INSERT INTO ifqueue.job_count (task, state, n) SELECT name, state::text, count(*) FROM ${table} GROUP BY 1, 2;
    INSERT INTO ifqueue.job_finished (task, state, bucket, n)
      SELECT name, state::text, ${bucketOf('completed_on')}, count(*) FROM ${table}
      WHERE state IN ${FINISHED} AND completed_on > now() - ${KEEP} GROUP BY 1, 2, 3;`;
  return `
  CREATE TABLE ifqueue.job_count (task text NOT NULL, state text NOT NULL, n bigint NOT NULL, PRIMARY KEY (task, state));
  CREATE TABLE ifqueue.job_finished (task text NOT NULL, state text NOT NULL, bucket timestamptz NOT NULL, n bigint NOT NULL, PRIMARY KEY (task, state, bucket));
  -- bucket IS NULL: a change of the totals; otherwise finishes in that bucket
  CREATE TABLE ifqueue.job_count_delta (task text NOT NULL, state text NOT NULL, bucket timestamptz, n bigint NOT NULL);

  CREATE FUNCTION ifqueue.count_inserted_jobs() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    INSERT INTO ifqueue.job_count_delta (task, state, bucket, n)
    SELECT name, state::text, NULL, count(*) FROM new_jobs GROUP BY 1, 2
    UNION ALL
    SELECT name, state::text, ${bucketOf('completed_on')}, count(*) FROM new_jobs
    WHERE state IN ${FINISHED} AND completed_on > now() - ${KEEP} GROUP BY 1, 2, 3;
    RETURN NULL;
  END $f$;

  -- new rows count +1 and old rows -1: a row whose state did not change cancels out, so a statement
  -- that changes no state (a heartbeat, a priority change) writes nothing
  CREATE FUNCTION ifqueue.count_updated_jobs() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    INSERT INTO ifqueue.job_count_delta (task, state, bucket, n)
    SELECT task, state, bucket, sum(d) FROM (
      SELECT name AS task, state::text AS state, NULL::timestamptz AS bucket, 1 AS d FROM new_jobs
      UNION ALL SELECT name, state::text, NULL, -1 FROM old_jobs
      UNION ALL SELECT name, state::text, ${bucketOf('completed_on')}, 1 FROM new_jobs WHERE state IN ${FINISHED} AND completed_on > now() - ${KEEP}
      UNION ALL SELECT name, state::text, ${bucketOf('completed_on')}, -1 FROM old_jobs WHERE state IN ${FINISHED} AND completed_on > now() - ${KEEP}
    ) x GROUP BY 1, 2, 3 HAVING sum(d) <> 0;
    RETURN NULL;
  END $f$;

  -- a deleted job leaves the totals; the finish it made stays in the throughput
  CREATE FUNCTION ifqueue.count_deleted_jobs() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    INSERT INTO ifqueue.job_count_delta (task, state, bucket, n)
    SELECT name, state::text, NULL, -count(*) FROM old_jobs GROUP BY 1, 2;
    RETURN NULL;
  END $f$;

  -- TRUNCATE fires no row or transition triggers: count again from what is left
  CREATE FUNCTION ifqueue.recount_jobs() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    DELETE FROM ifqueue.job_count_delta;
    DELETE FROM ifqueue.job_count;
    DELETE FROM ifqueue.job_finished;
    ${recount(`${b}.job`)}
    RETURN NULL;
  END $f$;

  DO $do$
  DECLARE t regclass;
  BEGIN
    FOR t IN SELECT '${b}.job'::regclass UNION ALL SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = '${b}.job'::regclass LOOP
      EXECUTE format('CREATE TRIGGER ifqueue_count_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION ifqueue.count_inserted_jobs()', t);
      EXECUTE format('CREATE TRIGGER ifqueue_count_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION ifqueue.count_updated_jobs()', t);
      EXECUTE format('CREATE TRIGGER ifqueue_count_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_jobs FOR EACH STATEMENT EXECUTE FUNCTION ifqueue.count_deleted_jobs()', t);
      EXECUTE format('CREATE TRIGGER ifqueue_count_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION ifqueue.recount_jobs()', t);
    END LOOP;
  END $do$;
  ${recount(`${b}.job`)}
  `;
}

type CountFields = Omit<QueueCounts, 'task' | 'paused' | 'capped'>;

interface TaskTally {
  /** jobs per state */
  states: Map<string, number>;
  /** finishes per state in the last day */
  day: Map<string, number>;
  /** finishes per state in the last hour, by 5-minute bucket start (ms) */
  recent: Map<string, Map<number, number>>;
}

export interface CountsRead {
  counts: Map<string, CountFields & { capped: ('waiting' | 'scheduled')[] }>;
  /** delta rows not folded in yet (a read compacts when there are many) */
  pending: number;
}

export class JobCounts {
  private compacting: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly b: string,
  ) {}

  /**
   * Counts for these tasks (and any other task that has jobs). Totals and finishes are exact;
   * waiting/scheduled are exact below COUNT_CAP and flagged in `capped` at it.
   */
  async read(tasks: string[]): Promise<CountsRead> {
    // one statement (one snapshot): totals, finishes of the last day per task and state, and the
    // 5-minute buckets of the last hour; a few hundred rows read, a few dozen returned
    const { rows } = await this.pool.query(
      `WITH fin AS (
         SELECT task, state, bucket, n FROM ifqueue.job_finished WHERE bucket > now() - interval '1 day'
         UNION ALL SELECT task, state, bucket, n FROM ifqueue.job_count_delta WHERE bucket > now() - interval '1 day'
       )
       SELECT 'total' AS kind, task, state, NULL::timestamptz AS bucket, sum(n)::float8 AS n FROM (
         SELECT task, state, n FROM ifqueue.job_count UNION ALL SELECT task, state, n FROM ifqueue.job_count_delta WHERE bucket IS NULL
       ) t GROUP BY task, state
       UNION ALL SELECT 'day', task, state, NULL, sum(n)::float8 FROM fin GROUP BY task, state
       UNION ALL SELECT 'recent', task, state, bucket, sum(n)::float8 FROM fin WHERE bucket > now() - interval '1 hour' GROUP BY task, state, bucket
       UNION ALL SELECT 'pending', NULL, NULL, NULL, count(*)::float8 FROM ifqueue.job_count_delta`,
    );
    const tally = new Map<string, TaskTally>();
    const of = (task: string) => {
      let t = tally.get(task);
      if (!t) tally.set(task, (t = { states: new Map(), day: new Map(), recent: new Map() }));
      return t;
    };
    let pending = 0;
    for (const r of rows) {
      if (r.kind === 'pending') {
        pending = r.n;
        continue;
      }
      const t = of(r.task);
      if (r.kind === 'total') t.states.set(r.state, r.n);
      else if (r.kind === 'day') t.day.set(r.state, r.n);
      else {
        const byBucket = t.recent.get(r.state) ?? new Map<number, number>();
        byBucket.set(new Date(r.bucket).getTime(), r.n);
        t.recent.set(r.state, byBucket);
      }
    }
    const names = [...new Set([...tasks, ...tally.keys()])];
    const split = await this.waitingSplit(names.filter((n) => (tally.get(n)?.states.get('created') ?? 0) > 0 || (tally.get(n)?.states.get('retry') ?? 0) > 0));
    const now = Date.now();
    const current = Math.floor(now / 1000 / BUCKET_SECONDS) * BUCKET_SECONDS * 1000;
    const counts = new Map<string, CountFields & { capped: ('waiting' | 'scheduled')[] }>();
    for (const task of names) {
      const t = tally.get(task) ?? { states: new Map(), day: new Map(), recent: new Map() };
      const state = (s: string) => Math.max(0, t.states.get(s) ?? 0);
      const lastHour = (s: string) => Math.max(0, [...(t.recent.get(s)?.values() ?? [])].reduce((a, b) => a + b, 0));
      const throughput = new Array(12).fill(0);
      for (const [bucket, k] of t.recent.get('completed') ?? []) {
        const age = Math.round((current - bucket) / (BUCKET_SECONDS * 1000));
        if (age >= 0 && age < 12) throughput[11 - age] += Math.max(0, k);
      }
      const created = state('created');
      const s = split.get(task);
      let waiting = created;
      let scheduled = 0;
      const capped: ('waiting' | 'scheduled')[] = [];
      if (s) {
        if (s.scheduled !== null) {
          scheduled = Math.min(s.scheduled, created);
          waiting = created - scheduled;
        } else if (s.waiting !== null) {
          waiting = Math.min(s.waiting, created);
          scheduled = created - waiting;
        } else {
          waiting = scheduled = COUNT_CAP;
          capped.push('waiting', 'scheduled');
        }
      }
      counts.set(task, {
        waiting,
        scheduled,
        active: state('active'),
        retry: state('retry'),
        failed: state('failed'),
        cancelled: state('cancelled'),
        completed: state('completed'),
        completedLastHour: lastHour('completed'),
        completedLastDay: Math.max(0, t.day.get('completed') ?? 0),
        failedLastHour: lastHour('failed'),
        oldestWaitingSeconds: s?.oldest ?? null,
        throughput,
        capped,
      });
    }
    return { counts, pending };
  }

  /**
   * The time-dependent split of created jobs, and the oldest job due. Scheduled ones (start time
   * ahead, not held for a dependency) are counted up to the cap through pg-boss's partial index
   * (name, state, blocked, start_after); when that hits the cap, the due ones are counted instead.
   * null: at the cap.
   */
  private async waitingSplit(tasks: string[]): Promise<Map<string, { scheduled: number | null; waiting: number | null; oldest: number | null }>> {
    const out = new Map<string, { scheduled: number | null; waiting: number | null; oldest: number | null }>();
    if (!tasks.length) return out;
    const capped = (where: string) =>
      `(SELECT count(*)::int FROM (SELECT 1 FROM ${this.b}.job j WHERE j.name = t.name AND j.state = 'created'
          AND j.blocked = ANY ('{false,true}') AND ${where} LIMIT ${COUNT_CAP + 1}) x)`;
    const firstDue = (state: string) =>
      `(SELECT j.start_after FROM ${this.b}.job j WHERE j.name = t.name AND j.state = '${state}' AND NOT j.blocked
          AND j.start_after <= now() ORDER BY j.start_after LIMIT 1)`;
    const { rows } = await this.pool.query(
      `SELECT t.name AS task, ${capped(`j.start_after > now() AND j.start_after < '${HELD}'`)} AS scheduled,
              extract(epoch FROM now() - LEAST(${firstDue('created')}, ${firstDue('retry')}))::float8 AS oldest
       FROM unnest($1::text[]) AS t(name)`,
      [tasks],
    );
    const over = rows.filter((r) => r.scheduled > COUNT_CAP).map((r) => r.task as string);
    const due = new Map<string, number>();
    if (over.length) {
      const { rows: w } = await this.pool.query(
        `SELECT t.name AS task, ${capped(`(j.start_after <= now() OR j.start_after >= '${HELD}')`)} AS waiting FROM unnest($1::text[]) AS t(name)`,
        [over],
      );
      for (const r of w) due.set(r.task, r.waiting);
    }
    for (const r of rows) {
      const waiting = due.get(r.task);
      out.set(r.task, {
        scheduled: r.scheduled > COUNT_CAP ? null : r.scheduled,
        waiting: waiting === undefined || waiting > COUNT_CAP ? null : waiting,
        oldest: r.oldest == null ? null : Math.max(0, Math.round(r.oldest)),
      });
    }
    return out;
  }

  /**
   * Folds the deltas into the totals and the buckets and forgets buckets older than a day. One
   * compactor at a time (a try-lock: a busy one is skipped, the deltas are still read). Returns the
   * number of delta rows folded.
   */
  compact(): Promise<number> {
    this.compacting ??= this.doCompact().finally(() => (this.compacting = null));
    return this.compacting;
  }

  private async doCompact(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows: lock } = await client.query('SELECT pg_try_advisory_xact_lock($1) AS ok', [COMPACT_LOCK]);
      if (!lock[0].ok) {
        await client.query('ROLLBACK');
        return 0;
      }
      const { rows } = await client.query(
        `WITH gone AS (DELETE FROM ifqueue.job_count_delta RETURNING task, state, bucket, n),
         totals AS (
           INSERT INTO ifqueue.job_count (task, state, n) SELECT task, state, sum(n) FROM gone WHERE bucket IS NULL GROUP BY 1, 2
           ON CONFLICT (task, state) DO UPDATE SET n = job_count.n + EXCLUDED.n
         ), finished AS (
           INSERT INTO ifqueue.job_finished (task, state, bucket, n)
           SELECT task, state, bucket, sum(n) FROM gone WHERE bucket IS NOT NULL AND bucket > now() - ${KEEP} GROUP BY 1, 2, 3
           ON CONFLICT (task, state, bucket) DO UPDATE SET n = job_finished.n + EXCLUDED.n
         ), old AS (DELETE FROM ifqueue.job_finished WHERE bucket <= now() - ${KEEP})
         SELECT count(*)::int AS n FROM gone`,
      );
      // past the last full hour, 5-minute buckets fold into their hour (the hour's first bucket holds
      // the sum): a day is read from at most 37 rows per task and state
      await client.query(
        `WITH rolled AS (
           DELETE FROM ifqueue.job_finished f
           WHERE f.bucket < date_trunc('hour', now() - interval '1 hour') AND f.bucket <> date_trunc('hour', f.bucket)
           RETURNING f.task, f.state, date_trunc('hour', f.bucket) AS hour, f.n
         )
         INSERT INTO ifqueue.job_finished (task, state, bucket, n) SELECT task, state, hour, sum(n) FROM rolled GROUP BY 1, 2, 3
         ON CONFLICT (task, state, bucket) DO UPDATE SET n = job_finished.n + EXCLUDED.n`,
      );
      await client.query('COMMIT');
      return rows[0].n;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** Compacts every intervalMs in the background (a working runner); errors go to onError. */
  start(intervalMs: number, onError: (error: unknown) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.compact().catch(onError), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.compacting?.catch(() => {});
  }
}
