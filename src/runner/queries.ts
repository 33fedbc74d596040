// Read side for UIs and the CLI: counts per task and state, keyset-paged job lists, job detail, logs.
import type pg from 'pg';
import { HELD_UNTIL, toLegacyPriority } from './sql.ts';
import { JobCounts } from './job-counts.ts';

const HELD = HELD_UNTIL.toISOString();
/** a read folds the counters' deltas in once this many have gathered */
const COMPACT_AFTER = 1000;
import type {
  AttemptInfo,
  JobDetail,
  JobFilter,
  JobPage,
  JobState,
  JobSummary,
  LogLine,
  QueueCounts,
  RunnerInfo,
} from './types.ts';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
const firstLine = (s: string | null | undefined) => (s ? s.split('\n', 1)[0] : null);

export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {}
  throw new Error('invalid page cursor');
}

export class Queries {
  readonly counts: JobCounts;

  constructor(
    private readonly pool: pg.Pool,
    private readonly b: string,
  ) {
    this.counts = new JobCounts(pool, b);
  }

  /**
   * Counts per task, read from the counters the job table's triggers keep (src/runner/job-counts.ts):
   * the same few milliseconds at a million jobs as at ten. Folds the pending deltas in when many
   * have gathered since the last compaction.
   */
  async queueCounts(tasks: string[], paused: Set<string>): Promise<QueueCounts[]> {
    const { counts, pending } = await this.counts.read(tasks);
    if (pending >= COMPACT_AFTER) await this.counts.compact();
    return [...counts].map(([task, c]) => ({ task, ...c, paused: paused.has(task) }));
  }

  async runners(aliveWithinSeconds: number): Promise<RunnerInfo[]> {
    const { rows } = await this.pool.query(
      `SELECT id, host, pid, version, kind, queues, started_at, last_seen, stopped_at,
              (stopped_at IS NULL AND last_seen > now() - make_interval(secs => $1)) AS alive
       FROM ifqueue.runner WHERE stopped_at IS NULL OR stopped_at > now() - interval '1 hour'
       ORDER BY alive DESC, started_at`,
      [aliveWithinSeconds],
    );
    return rows.map((r) => ({
      id: r.id,
      host: r.host,
      pid: r.pid,
      version: r.version,
      kind: r.kind,
      startedAt: iso(r.started_at)!,
      lastSeenAt: iso(r.last_seen)!,
      queues: r.queues,
      alive: r.alive,
    }));
  }

  private summaryColumns = `j.id, j.name AS task, j.state, j.priority, j.retry_count, j.retry_limit, j.started_on, j.data,
      j.created_on, j.start_after, j.completed_on, j.output, m.name AS job_name, m.depends_on, m.dep_state`;

  private toSummary(r: any): JobSummary {
    const error = r.state === 'failed' || r.state === 'retry' ? firstLine(r.output?.message ?? null) : null;
    return {
      id: r.id,
      task: r.task,
      name: r.job_name ?? null,
      state: r.state as JobState,
      priority: toLegacyPriority(r.priority),
      // pg-boss counts a claim only once started_on is set; a returned job has it cleared
      attempt: r.started_on != null ? r.retry_count + 1 : r.retry_count,
      maxAttempts: r.retry_limit + 1,
      dependsOn: r.depends_on ?? null,
      blocked: r.dep_state === 'waiting',
      args: r.data ?? {},
      createdAt: iso(r.created_on)!,
      startAfter: iso(r.start_after)!,
      startedAt: iso(r.started_on),
      finishedAt: ['completed', 'failed', 'cancelled'].includes(r.state) ? iso(r.completed_on) : null,
      error,
    };
  }

  private where(filter: JobFilter, values: unknown[]): string {
    const clauses: string[] = [];
    if (filter.task) {
      values.push(filter.task);
      clauses.push(`j.name = $${values.length}`);
    }
    switch (filter.state) {
      case undefined:
        break;
      case 'waiting':
        // jobs held for a dependency wait too (their start_after is the far-future marker)
        clauses.push(`j.state = 'created' AND (j.start_after <= now() OR j.start_after >= '${HELD}')`);
        break;
      case 'scheduled':
        clauses.push(`j.state = 'created' AND j.start_after > now() AND j.start_after < '${HELD}'`);
        break;
      default:
        values.push(filter.state);
        clauses.push(`j.state = $${values.length}::${this.b}.job_state`);
    }
    if (filter.search?.trim()) {
      const q = filter.search.trim();
      values.push(`%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
      const like = `$${values.length}`;
      // an id prefix only when the whole query looks like one ("orphan" must not match ids starting with "a")
      const idPrefix = /^[0-9a-f-]+$/i.test(q) ? q.toLowerCase() + '%' : null;
      values.push(idPrefix);
      // Argument values at any depth, not the JSON text: '"' or ':' must not match every job. Walking
      // every job's arguments is slow at a million jobs (0.8 -> 6.8 s), so when the query has nothing
      // JSON escapes, the JSON text must contain it first: a cheap test that rules out almost every row.
      const walk = `EXISTS (SELECT 1 FROM jsonb_path_query(j.data, 'strict $.**') AS v
                         WHERE jsonb_typeof(v) IN ('string', 'number', 'boolean') AND v #>> '{}' ILIKE ${like})`;
      const argValue = /["\\\u0000-\u001f]/.test(q) ? walk : `(j.data::text ILIKE ${like} AND ${walk})`;
      const error = `(j.state IN ('failed', 'retry') AND j.output->>'message' ILIKE ${like})`;
      clauses.push(`(m.name ILIKE ${like} OR ($${values.length}::text IS NOT NULL AND j.id::text LIKE $${values.length}) OR ${argValue} OR ${error})`);
    }
    return clauses.length ? 'WHERE ' + clauses.join(' AND ') : '';
  }

  async listJobs(filter: JobFilter, page: { limit?: number; after?: string | null } = {}): Promise<JobPage> {
    const limit = Math.min(Math.max(page.limit ?? 50, 1), 1000);
    const values: unknown[] = [];
    let where = this.where(filter, values);
    if (page.after) {
      const [createdAt, id] = decodeCursor(page.after);
      values.push(createdAt, id);
      where += `${where ? ' AND' : 'WHERE'} (j.created_on, j.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`;
    }
    values.push(limit + 1);
    const { rows } = await this.pool.query(
      // the cursor keeps created_on to the microsecond: a JS Date (milliseconds) would skip the rows that
      // share the millisecond of a page's last row (jobs inserted in one statement share created_on)
      `SELECT ${this.summaryColumns}, to_char(j.created_on AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_created
       FROM ${this.b}.job j LEFT JOIN ifqueue.job_meta m ON m.job_id = j.id
       ${where} ORDER BY j.created_on DESC, j.id DESC LIMIT $${values.length}`,
      values,
    );
    const more = rows.length > limit;
    const jobs = rows.slice(0, limit).map((r) => this.toSummary(r));
    const last = rows[limit - 1];
    return { jobs, next: more && last ? encodeCursor(last.cursor_created, last.id) : null };
  }

  async countJobs(filter: JobFilter): Promise<number> {
    const values: unknown[] = [];
    const where = this.where(filter, values);
    const join = filter.search ? `LEFT JOIN ifqueue.job_meta m ON m.job_id = j.id` : '';
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM ${this.b}.job j ${join} ${where}`, values);
    return rows[0].n;
  }

  async getJob(id: string): Promise<JobDetail | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const { rows } = await this.pool.query(
      `SELECT ${this.summaryColumns}, j.retry_delay, j.retry_backoff, j.retry_delay_max, j.expire_seconds,
              m.on_fail, m.on_fail_job_id, m.legacy_id, m.progress
       FROM ${this.b}.job j LEFT JOIN ifqueue.job_meta m ON m.job_id = j.id WHERE j.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    const [attempts, dependents] = await Promise.all([
      this.pool.query(
        `SELECT a.*, r.host, r.pid FROM ifqueue.job_attempt a LEFT JOIN ifqueue.runner r ON r.id = a.runner_id
         WHERE a.job_id = $1 ORDER BY a.attempt`,
        [id],
      ),
      this.pool.query(`SELECT job_id FROM ifqueue.job_meta WHERE depends_on = $1 ORDER BY created_at`, [id]),
    ]);
    const summary = this.toSummary(r);
    const output = r.output ?? null;
    return {
      ...summary,
      error: r.state === 'failed' || r.state === 'retry' ? (output?.message ?? null) : summary.error,
      options: {
        retryLimit: r.retry_limit,
        retryDelay: r.retry_delay,
        retryBackoff: r.retry_backoff,
        retryDelayMax: r.retry_delay_max ?? null,
        expireSeconds: r.expire_seconds,
        onFail: r.on_fail ?? null,
        legacyId: r.legacy_id == null ? null : Number(r.legacy_id),
      },
      errorStack: output?.stack ?? null,
      output,
      progress: r.progress ?? null,
      attempts: attempts.rows.map(
        (a): AttemptInfo => ({
          attempt: a.attempt,
          runnerId: a.runner_id,
          host: a.host ?? null,
          pid: a.pid ?? null,
          startedAt: iso(a.started_at)!,
          finishedAt: iso(a.finished_at),
          outcome: a.outcome,
          error: a.error,
          errorStack: a.error_stack,
          logLines: a.written_lines,
          truncatedLines: a.truncated_lines,
        }),
      ),
      dependents: dependents.rows.map((d) => d.job_id),
      onFailJobId: r.on_fail_job_id ?? null,
    };
  }

  /** Log lines in order; a synthetic marker line stands where lines were dropped. */
  async getLog(jobId: string, options: { attempt?: number; afterSeq?: number; limit?: number } = {}): Promise<LogLine[]> {
    if (!/^[0-9a-f-]{36}$/i.test(jobId)) return [];
    const limit = Math.min(Math.max(options.limit ?? 10_000, 1), 100_000);
    const { rows } = await this.pool.query(
      `SELECT attempt, seq, ts, level, text FROM ifqueue.job_log
       WHERE job_id = $1 AND ($2::int IS NULL OR attempt = $2) AND ($3::int IS NULL OR seq > $3)
       ORDER BY attempt, seq LIMIT $4`,
      [jobId, options.attempt ?? null, options.attempt == null ? null : (options.afterSeq ?? null), limit],
    );
    const out: LogLine[] = [];
    let prev: { attempt: number; seq: number } | null =
      options.afterSeq != null && options.attempt != null ? { attempt: options.attempt, seq: options.afterSeq } : null;
    for (const r of rows) {
      if (prev && prev.attempt === r.attempt && r.seq > prev.seq + 1) {
        const gap = r.seq - prev.seq - 1;
        out.push({ jobId, attempt: r.attempt, seq: r.seq - 0.5, ts: iso(r.ts)!, level: 'warn', text: `… ${gap} lines truncated …`, truncated: gap });
      }
      out.push({ jobId, attempt: r.attempt, seq: r.seq, ts: iso(r.ts)!, level: r.level, text: r.text });
      prev = { attempt: r.attempt, seq: r.seq };
    }
    return out;
  }
}
