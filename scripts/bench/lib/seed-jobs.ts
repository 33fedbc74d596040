// Bulk-seeds pg-boss's job table for the dashboard-at-scale benchmark: one INSERT … SELECT generate_series
// per chunk, routed by pg-boss's own partitioning, with each queue's stored policy and retention,
// spread over the last 14 days and across every state; one job in ten gets ifqueue metadata (a name).
import type pg from 'pg';

/** per mille of jobs in each state; the rest of the row follows from the state */
export const STATE_MIX = { completed: 850, failed: 50, cancelled: 20, waiting: 50, scheduled: 10, retry: 15, active: 5 } as const;

export async function seedJobs(pool: pg.Pool, queues: string[], total: number, chunk = 100_000): Promise<void> {
  const cut = (() => {
    let acc = 0;
    return Object.fromEntries(Object.entries(STATE_MIX).map(([k, v]) => [k, (acc += v)])) as Record<keyof typeof STATE_MIX, number>;
  })();
  for (let lo = 1; lo <= total; lo += chunk) {
    const hi = Math.min(total, lo + chunk - 1);
    await pool.query(
      `WITH g AS (
         SELECT i, i % 1000 AS m, ($3::text[])[1 + ((i::bigint * 7919) % cardinality($3::text[]))::int] AS qname,
                now() - (random() * interval '14 days') AS t
         FROM generate_series($1::int, $2::int) AS i
       ), s AS (
         SELECT g.*, CASE
           WHEN m < $4 THEN 'completed' WHEN m < $5 THEN 'failed' WHEN m < $6 THEN 'cancelled'
           WHEN m < $7 THEN 'created' WHEN m < $8 THEN 'scheduled' WHEN m < $9 THEN 'retry' ELSE 'active' END AS st
         FROM g
       )
       INSERT INTO pgboss.job (id, name, data, state, priority, retry_limit, retry_count, start_after, created_on,
                               started_on, completed_on, output, policy, keep_until, expire_seconds, deletion_seconds)
       SELECT gen_random_uuid(), s.qname, jsonb_build_object('url', 'https://example.org/game/' || s.i, 'n', s.i),
              (CASE st WHEN 'scheduled' THEN 'created' ELSE st END)::pgboss.job_state,
              CASE WHEN s.i % 50 = 0 THEN 10 ELSE 0 END, q.retry_limit,
              CASE WHEN st IN ('failed', 'retry') THEN 1 ELSE 0 END,
              CASE WHEN st = 'scheduled' THEN now() + (random() * interval '2 days') ELSE s.t END,
              s.t,
              CASE WHEN st IN ('completed', 'failed', 'active', 'retry', 'cancelled') THEN s.t + interval '1 second' END,
              CASE WHEN st IN ('completed', 'failed', 'cancelled') THEN s.t + interval '2 seconds' END,
              CASE WHEN st IN ('failed', 'retry') THEN jsonb_build_object('message', 'HTTP 404 for https://example.org/game/' || s.i) END,
              q.policy, now() + interval '14 days', q.expire_seconds, q.deletion_seconds
       FROM s JOIN pgboss.queue q ON q.name = s.qname`,
      [lo, hi, queues, cut.completed, cut.failed, cut.cancelled, cut.waiting, cut.scheduled, cut.retry],
    );
  }
  await pool.query(
    `INSERT INTO ifqueue.job_meta (job_id, task, name, created_at)
     SELECT id, name, 'CloneUrl(' || (data->>'n') || ')', created_on FROM pgboss.job WHERE (data->>'n')::int % 10 = 0`,
  );
  await pool.query('VACUUM ANALYZE');
}

/**
 * Adds `total` completed jobs to one queue, finished over the last 36 hours (so the per-hour and
 * per-day windows hold thousands of them): the case where one busy queue holds most finished jobs.
 */
export async function seedFinishedInOneQueue(pool: pg.Pool, queue: string, total: number, chunk = 100_000): Promise<void> {
  for (let lo = 1; lo <= total; lo += chunk) {
    const hi = Math.min(total, lo + chunk - 1);
    await pool.query(
      `INSERT INTO pgboss.job (id, name, data, state, priority, retry_limit, retry_count, start_after, created_on,
                               started_on, completed_on, output, policy, keep_until, expire_seconds, deletion_seconds)
       SELECT gen_random_uuid(), q.name, jsonb_build_object('n', i), 'completed', 0, q.retry_limit, 0, t, t,
              t + interval '1 second', t + interval '2 seconds', NULL, q.policy, now() + interval '14 days', q.expire_seconds, q.deletion_seconds
       FROM generate_series($2::int, $3::int) AS i, LATERAL (SELECT now() - (random() * interval '36 hours') - interval '2 seconds' AS t) x
       JOIN pgboss.queue q ON q.name = $1`,
      [queue, lo, hi],
    );
  }
  await pool.query('VACUUM ANALYZE pgboss.job');
}
