// Every statement the runner sends besides pg-boss's own API calls. Parameterised only; the one
// interpolated identifier is pg-boss's schema name, validated when the runner is built.
import { EVENTS_CHANNEL } from './events.ts';

export interface Statement {
  text: string;
  values: unknown[];
  /** set for statements on the hot path: PostgreSQL parses and plans them once per connection */
  name?: string;
  /** client-side bound (ms): past it the query is abandoned and its connection dropped */
  query_timeout?: number;
}

/** far-future start_after for jobs held back by a dependency */
export const HELD_UNTIL = new Date('9999-01-01T00:00:00Z');

export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid pg-boss schema name ${JSON.stringify(schema)}`);
  return schema;
}

/** Legacy priority (lower runs sooner, default 100) <-> pg-boss priority (higher runs sooner, default 0). */
export const toBossPriority = (legacy: number) => 100 - legacy;
export const toLegacyPriority = (boss: number) => 100 - boss;

export function sqlFor(b: string) {
  const notifyPayloads = (param: number) => `(SELECT count(pg_notify('${EVENTS_CHANNEL}', p)) FROM unnest($${param}::text[]) AS p)`;
  return {
    bossChannel: `SELECT ('pgboss_' || left(encode(sha224('${b}'::bytea), 'hex'), 24)) AS channel`,

    nameLock: (name: string): Statement => ({
      text: `SELECT pg_advisory_xact_lock(hashtextextended('ifqueue:name:' || $1, 0))`,
      values: [name],
    }),

    liveJobByName: (name: string): Statement => ({
      text: `SELECT j.id, j.name AS task, j.priority, j.state FROM ifqueue.job_meta m
             JOIN ${b}.job j ON j.id = m.job_id AND j.name = m.task
             WHERE m.name = $1 AND j.state IN ('created', 'retry', 'active')
             ORDER BY m.created_at DESC LIMIT 1`,
      values: [name],
    }),

    raisePriority: (id: string, task: string, bossPriority: number): Statement => ({
      text: `UPDATE ${b}.job SET priority = $3 WHERE name = $2 AND id = $1 AND state IN ('created', 'retry') AND priority < $3`,
      values: [id, task, bossPriority],
    }),

    /** The one single-job enqueue (sql-api.ts): arguments parsed by zod, options resolved by the runner. */
    /** trusted: the arguments were parsed by the caller's zod schema (a runner); otherwise checked against ifqueue.task. */
    enqueue: (task: string, args: unknown, options: Record<string, unknown>, trusted = true): Statement => ({
      text: `SELECT id, created FROM ifqueue.enqueue_job($1, $2, $3, $4)`,
      values: [task, JSON.stringify(args), JSON.stringify(options), trusted],
    }),

    /** The tasks this runner knows, for ifqueue.enqueue (unknown-task message, argument checks, defaults). */
    registerTasks: (
      tasks: { name: string; description: string; args_schema: unknown; priority: number; on_fail: string | null }[],
      registeredBy: string,
    ): Statement => ({
      text: `INSERT INTO ifqueue.task AS t (name, description, args_schema, priority, on_fail, registered_by)
             SELECT x.name, x.description, x.args_schema, x.priority, x.on_fail, $2
             FROM jsonb_to_recordset($1) AS x(name text, description text, args_schema jsonb, priority int, on_fail text)
             ORDER BY x.name
             ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description, args_schema = EXCLUDED.args_schema,
               priority = EXCLUDED.priority, on_fail = EXCLUDED.on_fail, registered_by = EXCLUDED.registered_by, updated_at = now()
             WHERE (t.description, t.args_schema, t.priority, t.on_fail) IS DISTINCT FROM
                   (EXCLUDED.description, EXCLUDED.args_schema, EXCLUDED.priority, EXCLUDED.on_fail)`,
      values: [JSON.stringify(tasks), registeredBy],
    }),

    jobById: (id: string): Statement => ({
      text: `SELECT id, name AS task, state FROM ${b}.job WHERE id = $1`,
      values: [id],
    }),

    latestJobByName: (name: string): Statement => ({
      text: `SELECT j.id, j.name AS task, j.state FROM ifqueue.job_meta m
             JOIN ${b}.job j ON j.id = m.job_id AND j.name = m.task
             WHERE m.name = $1 ORDER BY (j.state IN ('created', 'retry', 'active')) DESC, m.created_at DESC LIMIT 1`,
      values: [name],
    }),

    insertMeta: (m: {
      jobId: string;
      task: string;
      name: string | null;
      dependsOn: string | null;
      onFail: string | null;
      legacyId: number | null;
    }): Statement => ({
      text: `INSERT INTO ifqueue.job_meta (job_id, task, name, depends_on, dep_state, on_fail, legacy_id)
             VALUES ($1, $2, $3, $4, CASE WHEN $4::uuid IS NULL THEN NULL ELSE 'waiting' END, $5, $6)`,
      values: [m.jobId, m.task, m.name, m.dependsOn, m.onFail, m.legacyId],
    }),

    markHasDependents: (jobId: string, task: string): Statement => ({
      text: `INSERT INTO ifqueue.job_meta (job_id, task, has_dependents) VALUES ($1, $2, true)
             ON CONFLICT (job_id) DO UPDATE SET has_dependents = true`,
      values: [jobId, task],
    }),

    notify: (payloads: string[]): Statement => ({
      text: `SELECT ${notifyPayloads(1)} AS n`,
      values: [payloads],
    }),

    /** Milliseconds until the queue's next delayed job (startAfter, retry backoff) becomes due; null when none. */
    nextDueMs: (task: string): Statement => ({
      text: `SELECT ceil(extract(epoch FROM min(start_after) - now()) * 1000)::float AS ms FROM ${b}.job
             WHERE name = $1 AND state IN ('created', 'retry') AND NOT blocked AND start_after > now()`,
      values: [task],
    }),

    saveProgress: (id: string, task: string, progress: unknown): Statement => ({
      text: `INSERT INTO ifqueue.job_meta (job_id, task, progress) VALUES ($1, $2, $3)
             ON CONFLICT (job_id) DO UPDATE SET progress = EXCLUDED.progress`,
      values: [id, task, JSON.stringify(progress)],
    }),

    // --- runners
    pruneRunners: (): Statement => ({
      text: `DELETE FROM ifqueue.runner WHERE stopped_at < now() - interval '7 days'`,
      values: [],
    }),

    // --- dependencies
    /** After a settlement's commit: does a dependent of these jobs still wait (read with a fresh snapshot)? */
    anyWaitingDependents: (ids: string[]): Statement => ({
      text: `SELECT EXISTS (SELECT 1 FROM ifqueue.job_meta WHERE dep_state = 'waiting' AND depends_on = ANY($1::uuid[])) AS any`,
      values: [ids],
      query_timeout: 10_000,
    }),
    releaseDependents: (): Statement => ({
      text: `WITH ready AS (
               SELECT m.job_id, m.task FROM ifqueue.job_meta m JOIN ${b}.job p ON p.id = m.depends_on
               WHERE m.dep_state = 'waiting' AND p.state = 'completed'
             ), marked AS (
               UPDATE ifqueue.job_meta m SET dep_state = 'released' FROM ready WHERE m.job_id = ready.job_id RETURNING m.job_id, m.task
             )
             UPDATE ${b}.job j SET start_after = now() FROM marked
             WHERE j.name = marked.task AND j.id = marked.job_id AND j.state = 'created'
             RETURNING j.id, j.name AS task`,
      values: [],
    }),
    failOrphanedDependents: (): Statement => ({
      text: `WITH dead AS (
               SELECT m.job_id, m.task, m.depends_on FROM ifqueue.job_meta m
               LEFT JOIN ${b}.job p ON p.id = m.depends_on
               WHERE m.dep_state = 'waiting' AND (p.id IS NULL OR p.state IN ('failed', 'cancelled'))
             ), marked AS (
               UPDATE ifqueue.job_meta m SET dep_state = 'failed' FROM dead WHERE m.job_id = dead.job_id
               RETURNING m.job_id, m.task, m.depends_on
             )
             UPDATE ${b}.job j SET state = 'failed', completed_on = now(),
               output = jsonb_build_object('message', 'dependency ' || marked.depends_on || ' failed', 'dependency', marked.depends_on)
             FROM marked WHERE j.name = marked.task AND j.id = marked.job_id AND j.state IN ('created', 'retry')
             RETURNING j.id, j.name AS task, j.output->>'message' AS error`,
      values: [],
    }),

    /** Final failures whose on-fail handler has not been dispatched; locks them for this transaction. */
    pendingOnFail: (limit: number): Statement => ({
      text: `SELECT m.job_id, m.task, m.name, m.on_fail, j.data, j.output, j.retry_count
             FROM ifqueue.job_meta m JOIN ${b}.job j ON j.id = m.job_id AND j.name = m.task
             WHERE m.on_fail IS NOT NULL AND NOT m.on_fail_done AND j.state = 'failed'
             ORDER BY m.created_at LIMIT $1
             FOR UPDATE OF m SKIP LOCKED`,
      values: [limit],
    }),
    markOnFailDone: (jobId: string, onFailJobId: string | null): Statement => ({
      text: `UPDATE ifqueue.job_meta SET on_fail_done = true, on_fail_job_id = $2 WHERE job_id = $1`,
      values: [jobId, onFailJobId],
    }),

    // --- queue state
    pausedQueues: (): Statement => ({ text: `SELECT task FROM ifqueue.queue_state WHERE paused`, values: [] }),
    setPaused: (task: string, paused: boolean, payloads: string[]): Statement => ({
      text: `WITH up AS (
               INSERT INTO ifqueue.queue_state (task, paused, updated_at) VALUES ($1, $2, now())
               ON CONFLICT (task) DO UPDATE SET paused = EXCLUDED.paused, updated_at = now()
             ) SELECT ${notifyPayloads(3)} AS n`,
      values: [task, paused, payloads],
    }),

    // --- retention and cleanup
    tryLock: (key: number): Statement => ({ text: `SELECT pg_try_advisory_xact_lock($1) AS ok`, values: [key] }),
    countFinished: (o: { olderThanSeconds: number; includeFailed: boolean; task: string | null }): Statement => ({
      text: `SELECT count(*) FILTER (WHERE state = 'completed')::int AS completed,
                    count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled,
                    count(*) FILTER (WHERE state = 'failed' AND $2)::int AS failed
             FROM ${b}.job j
             WHERE state IN ('completed', 'cancelled', 'failed') AND completed_on < now() - make_interval(secs => $1)
               AND ($3::text IS NULL OR name = $3)
               AND NOT EXISTS (SELECT 1 FROM ifqueue.job_meta d WHERE d.depends_on = j.id AND d.dep_state = 'waiting')`,
      values: [o.olderThanSeconds, o.includeFailed, o.task],
    }),
    deleteFinished: (o: { olderThanSeconds: number; includeFailed: boolean; task: string | null }): Statement => ({
      text: `WITH gone AS (
               DELETE FROM ${b}.job j
               WHERE (state IN ('completed', 'cancelled') OR (state = 'failed' AND $2))
                 AND completed_on < now() - make_interval(secs => $1)
                 AND ($3::text IS NULL OR name = $3)
                 AND NOT EXISTS (SELECT 1 FROM ifqueue.job_meta d WHERE d.depends_on = j.id AND d.dep_state = 'waiting')
               RETURNING id, state
             ), m AS (DELETE FROM ifqueue.job_meta WHERE job_id IN (SELECT id FROM gone)),
             a AS (DELETE FROM ifqueue.job_attempt WHERE job_id IN (SELECT id FROM gone)),
             l AS (DELETE FROM ifqueue.job_log WHERE job_id IN (SELECT id FROM gone))
             SELECT count(*) FILTER (WHERE state = 'completed')::int AS completed,
                    count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled,
                    count(*) FILTER (WHERE state = 'failed')::int AS failed FROM gone`,
      values: [o.olderThanSeconds, o.includeFailed, o.task],
    }),
    /** Metadata, attempts and logs of jobs pg-boss (or anyone) deleted. */
    pruneOrphans: (): Statement => ({
      text: `WITH m AS (
               DELETE FROM ifqueue.job_meta x WHERE x.created_at < now() - interval '10 minutes'
                 AND NOT EXISTS (SELECT 1 FROM ${b}.job j WHERE j.id = x.job_id)
                 AND NOT (x.has_dependents AND EXISTS (SELECT 1 FROM ifqueue.job_meta d WHERE d.depends_on = x.job_id AND d.dep_state = 'waiting'))
             ), a AS (
               DELETE FROM ifqueue.job_attempt x WHERE x.started_at < now() - interval '10 minutes'
                 AND NOT EXISTS (SELECT 1 FROM ${b}.job j WHERE j.id = x.job_id)
             )
             DELETE FROM ifqueue.job_log x WHERE x.ts < now() - interval '10 minutes'
               AND NOT EXISTS (SELECT 1 FROM ${b}.job j WHERE j.id = x.job_id)`,
      values: [],
    }),

    // --- actions
    retryJobs: (ids: string[], extraRetries: Record<string, number>): Statement => ({
      text: `WITH r AS (
               UPDATE ${b}.job j SET state = 'retry', completed_on = NULL, start_after = now(), output = NULL,
                 retry_limit = j.retry_count + 1 + COALESCE(($2::jsonb ->> j.name)::int, 2)
               WHERE j.id = ANY($1::uuid[]) AND j.state IN ('failed', 'cancelled')
               RETURNING j.id, j.name
             ), m AS (
               UPDATE ifqueue.job_meta m SET on_fail_done = false, on_fail_job_id = NULL,
                 dep_state = CASE WHEN m.dep_state = 'failed' THEN NULL ELSE m.dep_state END
               FROM r WHERE m.job_id = r.id
             ), n AS (SELECT DISTINCT name FROM r)
             SELECT (SELECT count(*)::int FROM r) AS count,
                    (SELECT count(pg_notify(('pgboss_' || left(encode(sha224('${b}'::bytea), 'hex'), 24)), name)) FROM n) AS woke,
                    (SELECT array_agg(id) FROM r) AS ids`,
      values: [ids, JSON.stringify(extraRetries)],
    }),
    failedIds: (task: string | null, limit: number): Statement => ({
      text: `SELECT id FROM ${b}.job WHERE state = 'failed' AND ($1::text IS NULL OR name = $1) ORDER BY completed_on LIMIT $2`,
      values: [task, limit],
    }),
    cancelJobs: (ids: string[]): Statement => ({
      text: `UPDATE ${b}.job SET state = 'cancelled', completed_on = now()
             WHERE id = ANY($1::uuid[]) AND state IN ('created', 'retry', 'active') RETURNING id, name AS task`,
      values: [ids],
    }),
    deleteJobs: (ids: string[]): Statement => ({
      text: `WITH gone AS (DELETE FROM ${b}.job WHERE id = ANY($1::uuid[]) AND state <> 'active' RETURNING id),
             m AS (DELETE FROM ifqueue.job_meta WHERE job_id IN (SELECT id FROM gone)),
             a AS (DELETE FROM ifqueue.job_attempt WHERE job_id IN (SELECT id FROM gone)),
             l AS (DELETE FROM ifqueue.job_log WHERE job_id IN (SELECT id FROM gone))
             SELECT count(*)::int AS count FROM gone`,
      values: [ids],
    }),
  };
}

export type Sql = ReturnType<typeof sqlFor>;
