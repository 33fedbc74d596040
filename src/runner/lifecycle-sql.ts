// The SQL of one job's life between claim and settle (#11). Every statement here either claims jobs
// and records their attempts in one durable statement, or settles an attempt fenced by the token of
// the claim that started it: a late result from a runner that lost the job (declared lost, returned
// at shutdown, expired and claimed again) matches nothing and changes nothing.
import { createHash } from 'node:crypto';
import * as plans from 'pg-boss/dist/plans.js';
import { EVENTS_CHANNEL } from './events.ts';
import type { Statement } from './sql.ts';

/** First key of every runner's liveness lock, pg_advisory_lock(LIVENESS_LOCK_CLASS, runner.lock_key). */
export const LIVENESS_LOCK_CLASS = 0x1f_9e_0e_03;

export interface QueueTable {
  name: string;
  /** pg-boss's table (partition) of the queue */
  table: string;
  policy: string;
}

/** pg-boss's delay before a retry (failJobsBody in pg-boss's plans), applied to the row being failed. */
const retryStartAfter = (j: string) => `CASE WHEN NOT ${j}.retry_backoff THEN now() + ${j}.retry_delay * interval '1s'
  ELSE now() + LEAST(${j}.retry_delay_max, GREATEST(${j}.retry_delay, 1) * (
    2 ^ LEAST(16, ${j}.retry_count + 1) / 2 + 2 ^ LEAST(16, ${j}.retry_count + 1) / 2 * random())) * interval '1s' END`;

/**
 * A CTE that sends, once, the NOTIFY payloads of the events channel built from a set of rows, in
 * chunks that stay under PostgreSQL's 8000-byte limit whatever the task name's length. `event` is a
 * json_build_array(...). Materialised: joined into the result, it would be run once per row.
 */
function eventsCte(from: string, event: string, origin: string, perChunk: number): string {
  return `notified AS MATERIALIZED (
             SELECT count(pg_notify('${EVENTS_CHANNEL}', payload)) AS n FROM (
               SELECT json_build_object('o', ${origin}::text, 'e', json_agg(${event}))::text AS payload
               FROM (SELECT *, row_number() OVER () AS rn FROM ${from}) numbered GROUP BY (rn - 1) / ${perChunk}
             ) chunks)`;
}

const chunkFor = (task: string) => Math.max(1, Math.floor(6500 / (160 + Buffer.byteLength(task))));

/** A prepared-statement name for a text: the same text always gets the same name. */
const preparedName = (kind: string, text: string) => `ifq_${kind}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;

/** Builds a statement's text once per key (a queue or a task) and names it for PostgreSQL to prepare. */
function memo<A>(kind: string, build: (arg: A) => string): (key: string, arg: A) => { text: string; name: string } {
  const cache = new Map<string, { text: string; name: string }>();
  return (key, arg) => {
    let hit = cache.get(key);
    if (!hit) {
      const text = build(arg);
      cache.set(key, (hit = { text, name: preparedName(kind, text) }));
    }
    return hit;
  };
}

const SINGLETON_POLICIES = new Set(['singleton', 'stately']);

/**
 * pg-boss's fetch statement with the batch size as a parameter (it interpolates it) so one prepared
 * statement serves every size. Its shape differs for singleton policies with a limit above one;
 * those queues run one job at a time, so their limit is always 1.
 */
function fetchText(b: string, q: QueueTable): { text: string; values: unknown[]; limitParam: boolean } {
  const singleton = SINGLETON_POLICIES.has(q.policy);
  const fetch = plans.fetchNextJob({ schema: b, table: q.table, name: q.name, policy: q.policy, limit: singleton ? 1 : 2, includeMetadata: false } as any);
  // the retry limit is read with the claim, not with a second lookup
  const returning = /RETURNING j\.id, name, data, [^\n]*\s*$/;
  if (!returning.test(fetch.text)) throw new Error(`pg-boss's fetch statement changed shape (RETURNING): update lifecycle-sql.ts`);
  let text = fetch.text.trimEnd() + ', j.retry_limit AS "retryLimit"';
  // The claimed ids reach the UPDATE as an array (pg-boss does this only with group concurrency): joined
  // as a CTE, PostgreSQL hashed a sequential scan of the whole queue on every claim (20 000 rows: 6 of
  // the statement's 15 ms), where 200 key lookups do.
  const join = /FROM next\s+WHERE name = ('[^']*') AND j\.id = next\.id/;
  if (!singleton) {
    if (!join.test(text)) throw new Error(`pg-boss's fetch statement changed shape (UPDATE … FROM next): update lifecycle-sql.ts`);
    text = text.replace(join, (_m, name) => `WHERE name = ${name} AND j.id = ANY (ARRAY(SELECT id FROM next))`);
  }
  if (singleton) return { text, values: fetch.values, limitParam: false };
  const marker = /LIMIT 2\b/g;
  if ((text.match(marker) ?? []).length !== 1) throw new Error(`pg-boss's fetch statement changed shape (expected one LIMIT): update lifecycle-sql.ts`);
  return { text: text.replace(marker, `LIMIT $${fetch.values.length + 1}::int`), values: fetch.values, limitParam: true };
}

/**
 * How long a life-cycle statement may go unanswered before its connection is dropped and the statement
 * retried on another: each takes milliseconds, and where the network to PostgreSQL goes silent (no
 * reset, no answer) a query would otherwise wait for the kernel to give up on the connection, about
 * 15 minutes, with a completion or a claim in it.
 */
export const LIFECYCLE_QUERY_TIMEOUT_MS = 30_000;

/** Every statement the set makes carries the client-side timeout (pg's per-query query_timeout). */
function bounded<T extends Record<string, (...args: any[]) => Statement>>(statements: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, make] of Object.entries(statements)) out[key] = (...args: unknown[]) => ({ ...make(...args), query_timeout: LIFECYCLE_QUERY_TIMEOUT_MS });
  return out as T;
}

export function lifecycleSqlFor(b: string) {
  const bossChannel = `('pgboss_' || left(encode(sha224('${b}'::bytea), 'hex'), 24))`;
  const shapes = new Map<string, ReturnType<typeof fetchText>>();
  const fetchShape = (q: QueueTable) => {
    let shape = shapes.get(q.name);
    if (!shape) shapes.set(q.name, (shape = fetchText(b, q)));
    return shape;
  };
  /**
   * Claims up to the limit with pg-boss's own fetch statement and, in the same statement, records
   * the attempts (with a fresh claim token), reads what the runner needs to run them, and announces
   * them. One commit: a claim without its attempt record cannot exist.
   */
  const claimText = memo<QueueTable>('claim', (q) => {
    const fetch = fetchShape(q);
    const n = fetch.values.length + (fetch.limitParam ? 1 : 0);
    const [runner, org, task] = [`$${n + 1}`, `$${n + 2}`, `$${n + 3}`];
    return `WITH claimed AS (${fetch.text}),
               att AS (
                 INSERT INTO ifqueue.job_attempt (job_id, attempt, task, runner_id, claim, started_at, outcome)
                 SELECT id, "retryCount" + 1, ${task}, ${runner}::uuid, gen_random_uuid(), now(), 'running' FROM claimed
                 ON CONFLICT (job_id, attempt) DO UPDATE SET runner_id = EXCLUDED.runner_id, claim = EXCLUDED.claim,
                   task = EXCLUDED.task, started_at = now(), outcome = 'running', finished_at = NULL, error = NULL, error_stack = NULL
                 RETURNING job_id, claim, written_lines, truncated_lines
               ),
               started AS (
                 SELECT c.id, c.data, c."retryCount" AS retry_count, c."retryLimit" AS retry_limit, c."expireInSeconds" AS expire_seconds,
                        att.claim, att.written_lines, att.truncated_lines
                 FROM claimed c JOIN att ON att.job_id = c.id
               ),
               ${eventsCte(
                 'started',
                 `json_build_array('job:started', json_build_object('id', id, 'task', ${task}::text, 'attempt', retry_count + 1, 'runnerId', ${runner}::uuid))`,
                 org,
                 chunkFor(q.name),
               )}
               SELECT s.*, m.name, m.on_fail, coalesce(m.has_dependents, false) AS has_dependents, (SELECT n FROM notified) AS notified
               FROM started s
               LEFT JOIN ifqueue.job_meta m ON m.job_id = s.id`;
  });
  // Settlements are driven by their input rows (an unnest the planner counts right) with key lookups
  // into the job and attempt tables; a CTE joined to another CTE is estimated at one row and planned
  // as a nested loop over both (measured: 670 ms for 200 completions).
  // The claim fence of a settlement over input rows i (id, claim): the job of queue $1 is still active,
  // and its current attempt is the one that claim started.
  const heldByClaim = `j.name = $1 AND j.id = i.id AND j.state = 'active'
                   AND EXISTS (SELECT 1 FROM ifqueue.job_attempt a
                               WHERE a.job_id = i.id AND a.attempt = j.retry_count + 1 AND a.claim = i.claim AND a.outcome = 'running')`;
  const completeText = memo<string>('complete', (task) => `WITH input AS (
                 SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::jsonb[], $5::int[]) AS x(id, claim, output, duration_ms)
               ),
               done AS (
                 UPDATE ${b}.job j SET state = 'completed', completed_on = now(), output = i.output
                 FROM input i
                 WHERE ${heldByClaim}
                 RETURNING j.id
               ),
               att AS (
                 UPDATE ifqueue.job_attempt a SET finished_at = now(),
                   outcome = CASE WHEN a.job_id IN (SELECT id FROM done) THEN 'completed' WHEN j.state = 'cancelled' THEN 'cancelled' ELSE 'expired' END,
                   error = CASE WHEN a.job_id IN (SELECT id FROM done) THEN NULL
                                ELSE 'the job was ' || coalesce(j.state::text, 'deleted') || ' when this attempt returned: its result was discarded' END
                 FROM input i LEFT JOIN ${b}.job j ON j.name = $1 AND j.id = i.id
                 WHERE a.job_id = i.id AND a.claim = i.claim AND a.outcome = 'running'
                 RETURNING a.job_id, a.attempt, a.outcome, i.duration_ms
               ),
               completed AS (SELECT * FROM att WHERE outcome = 'completed'),
               ${eventsCte(
                 'completed',
                 `json_build_array('job:completed', json_build_object('id', job_id, 'task', $1::text, 'attempt', attempt, 'durationMs', duration_ms))`,
                 '$6',
                 chunkFor(task),
               )}
               SELECT att.job_id AS id, att.outcome, coalesce(m.has_dependents, false) AS has_dependents, (SELECT n FROM notified) AS notified
               FROM att LEFT JOIN ifqueue.job_meta m ON m.job_id = att.job_id`);
  const failText = memo<string>('fail', () => `WITH own AS (
                 SELECT job_id, attempt FROM ifqueue.job_attempt WHERE job_id = $2 AND claim = $3 AND outcome = 'running' FOR UPDATE
               ),
               before AS (SELECT j.id, j.state FROM ${b}.job j JOIN own ON j.name = $1 AND j.id = own.job_id),
               f AS (
                 UPDATE ${b}.job j SET
                   state = CASE WHEN NOT $4 AND j.retry_count < j.retry_limit THEN 'retry'::${b}.job_state ELSE 'failed'::${b}.job_state END,
                   completed_on = CASE WHEN NOT $4 AND j.retry_count < j.retry_limit THEN NULL ELSE now() END,
                   start_after = CASE WHEN NOT $4 AND j.retry_count < j.retry_limit THEN ${retryStartAfter('j')} ELSE j.start_after END,
                   retry_limit = CASE WHEN $4 THEN j.retry_count ELSE j.retry_limit END,
                   heartbeat_on = NULL,
                   output = jsonb_build_object('message', $6::text, 'stack', $7::text, 'permanent', $4)
                 FROM own WHERE j.name = $1 AND j.id = own.job_id AND j.state = 'active' AND j.retry_count = own.attempt - 1
                 RETURNING j.id, j.state
               ),
               att AS (
                 UPDATE ifqueue.job_attempt a SET finished_at = now(), error = $6, error_stack = $7,
                   outcome = CASE WHEN f.id IS NOT NULL THEN $5 WHEN bf.state = 'cancelled' THEN 'cancelled' ELSE 'expired' END
                 FROM own LEFT JOIN f ON f.id = own.job_id LEFT JOIN before bf ON bf.id = own.job_id
                 WHERE a.job_id = own.job_id AND a.attempt = own.attempt
                 RETURNING a.job_id, a.attempt, a.outcome, f.state AS job_state
               )
               SELECT att.outcome, att.job_state, m.on_fail, coalesce(m.has_dependents, false) AS has_dependents, (
                 SELECT count(pg_notify('${EVENTS_CHANNEL}', json_build_object('o', $8::text, 'e', json_build_array(json_build_array('job:failed',
                   json_build_object('id', n.job_id, 'task', $1::text, 'attempt', n.attempt, 'error', left($6, 2000), 'willRetry', n.job_state = 'retry'))))::text))
                 FROM att n WHERE n.job_state IS NOT NULL
               ) AS notified
               FROM att LEFT JOIN ifqueue.job_meta m ON m.job_id = att.job_id`);
  const giveBackText = memo<string>('give_back', () => `WITH input AS (SELECT * FROM unnest($2::uuid[], $3::uuid[]) AS x(id, claim)),
               back AS (
                 UPDATE ${b}.job j SET state = 'created', started_on = NULL, heartbeat_on = NULL, start_after = now()
                 FROM input i
                 WHERE ${heldByClaim}
                 RETURNING j.id
               ),
               att AS (
                 UPDATE ifqueue.job_attempt a SET finished_at = now(), outcome = 'returned', error = $4
                 FROM input i WHERE a.job_id = i.id AND a.claim = i.claim AND a.outcome = 'running' RETURNING a.job_id
               )
               SELECT (SELECT array_agg(id) FROM back) AS ids,
                      (SELECT count(*) FROM att)::int AS recorded,
                      (SELECT count(pg_notify(${bossChannel}, $1)) + count(pg_notify('${EVENTS_CHANNEL}', json_build_object('o', $5::text, 'e',
                         json_build_array(json_build_array('job:retried', json_build_object('ids', ids, 'task', $1::text))))::text))
                       FROM (SELECT json_agg(id) AS ids FROM (SELECT id FROM back LIMIT 100) l) x WHERE ids IS NOT NULL) AS notified`);
  return bounded({
    /**
     * Claims up to `limit` jobs with pg-boss's own fetch statement and, in the same statement, records
     * their attempts (with a fresh claim token), reads what the runner needs to run them, and
     * announces them. One commit: a claim without its attempt record cannot exist.
     */
    claim(q: QueueTable, limit: number, runnerId: string, origin: string): Statement {
      const { text, name } = claimText(q.name, q);
      const fetch = fetchShape(q);
      return { name, text, values: [...fetch.values, ...(fetch.limitParam ? [limit] : []), runnerId, origin, q.name] };
    },

    /**
     * Completes attempts in one statement. An attempt whose claim is no longer running (lost, returned)
     * changes nothing; one whose job left `active` meanwhile (cancelled, expired by pg-boss) is recorded
     * as such and its job is left alone. Returns each attempt's recorded outcome.
     */
    complete(task: string, items: { id: string; claim: string; output: unknown; durationMs: number }[], origin: string): Statement {
      return {
        ...completeText(task, task),
        values: [
          task,
          items.map((i) => i.id),
          items.map((i) => i.claim),
          items.map((i) => (i.output === undefined || i.output === null ? null : JSON.stringify(i.output))),
          items.map((i) => Math.round(i.durationMs)),
          origin,
        ],
      };
    },

    /**
     * Fails one attempt: the job is retried with pg-boss's backoff while its budget lasts (never when
     * `permanent`), else failed. `outcome` is what the attempt is recorded as ('failed' or 'expired').
     */
    fail(
      task: string,
      a: { id: string; claim: string; permanent: boolean; outcome: 'failed' | 'expired'; message: string; stack: string | null },
      origin: string,
    ): Statement {
      return {
        ...failText(task, task),
        values: [task, a.id, a.claim, a.permanent, a.outcome, a.message, a.stack, origin],
      };
    },

    /**
     * Puts claimed jobs back without using up their attempt (a claim whose started_on is null is not
     * counted by pg-boss's next fetch): at shutdown, or a claim whose reply never reached its runner.
     */
    giveBack(task: string, items: { id: string; claim: string }[], reason: string, origin: string): Statement {
      return {
        ...giveBackText(task, task),
        values: [task, items.map((i) => i.id), items.map((i) => i.claim), reason, origin],
      };
    },

    /** Attempts this runner holds in the database but not in memory: their claim's reply was lost. */
    unknownOwnClaims(runnerId: string, knownClaims: string[], olderThanSeconds: number): Statement {
      return {
        text: `SELECT job_id AS id, claim, task FROM ifqueue.job_attempt
               WHERE runner_id = $1 AND outcome = 'running' AND started_at < now() - make_interval(secs => $3)
                 AND claim <> ALL($2::uuid[]) AND task IS NOT NULL`,
        values: [runnerId, knownClaims, olderThanSeconds],
      };
    },

    /** This runner's attempts still running in the database (a lost-runner pass took the others). */
    ownRunningClaims: (runnerId: string): Statement => ({
      text: `SELECT claim FROM ifqueue.job_attempt WHERE runner_id = $1 AND outcome = 'running'`,
      values: [runnerId],
    }),

    /** Which of these running jobs were cancelled (by key: pg-boss's job table is keyed by queue and id). */
    cancelledAmong: (jobs: { task: string; id: string }[]): Statement => ({
      text: `SELECT j.id FROM unnest($1::text[], $2::uuid[]) AS x(name, id) JOIN ${b}.job j ON j.name = x.name AND j.id = x.id
             WHERE j.state = 'cancelled'`,
      values: [jobs.map((j) => j.task), jobs.map((j) => j.id)],
    }),

    // ---------------------------------------------------------------- liveness

    takeLivenessLock: (lockKey: number): Statement => ({
      text: `SELECT pg_try_advisory_lock(${LIVENESS_LOCK_CLASS}, $1) AS ok`,
      values: [lockKey],
    }),

    registerRunner: (r: { id: string; host: string; pid: number; version: string; kind: string; queues: string[]; lockKey: number }): Statement => ({
      text: `INSERT INTO ifqueue.runner (id, host, pid, version, kind, queues, lock_key) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET stopped_at = NULL, lost_reason = NULL, last_seen = now(), lock_key = EXCLUDED.lock_key`,
      values: [r.id, r.host, r.pid, r.version, r.kind, r.queues, r.lockKey],
    }),

    /** The heartbeat; no row back means this runner was declared lost meanwhile. */
    heartbeat: (id: string, lockKey: number): Statement => ({
      text: `UPDATE ifqueue.runner SET last_seen = now(), lock_key = $2 WHERE id = $1 AND stopped_at IS NULL RETURNING id`,
      values: [id, lockKey],
    }),

    /**
     * A clean stop, recorded only when none of the runner's attempts is still running: one left unsettled
     * (its return or result could not be written) keeps the runner a lost-runner suspect, so the job is
     * restarted as soon as its session (and liveness lock) is gone rather than when pg-boss expires it.
     */
    stopRunner: (id: string): Statement => ({
      text: `UPDATE ifqueue.runner SET stopped_at = now(), last_seen = now() WHERE id = $1 AND stopped_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM ifqueue.job_attempt WHERE runner_id = $1 AND outcome = 'running')`,
      values: [id],
    }),

    /**
     * Declares runners lost, in one statement, and restarts their running jobs at once (the attempt
     * counts toward the retry budget, without the retry delay). A runner is lost when its liveness
     * lock is gone (its session ended: the process died, or its connection did) — except within
     * `lockGraceSeconds` of a PostgreSQL restart or crash recovery, which drops every lock while runners reconnect — or
     * when it has not heart-beaten for `staleSeconds` (a frozen process keeps its session), which is
     * judged only when `judgeHeartbeats` (this runner's own heartbeats get through).
     */
    declareLost: (o: { self: string; lockGraceSeconds: number; staleSeconds: number; judgeHeartbeats: boolean }): Statement => ({
      text: `WITH suspects AS (
               SELECT r.id,
                 CASE WHEN r.lock_key IS NOT NULL AND srv.up_since < now() - make_interval(secs => $2)
                        AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                          AND l.classid = ${LIVENESS_LOCK_CLASS}::oid AND l.objid = r.lock_key::oid)
                      THEN 'its connection to PostgreSQL ended'
                      WHEN $4 AND greatest(r.last_seen, srv.up_since) < now() - make_interval(secs => $3)
                      THEN 'it stopped heart-beating'
                 END AS reason
               -- Every session (and lock) ends at a restart, and also at the crash recovery that follows
               -- a backend's crash (an OOM kill), which leaves pg_postmaster_start_time() alone but
               -- resets the shared statistics: the later of the two is when sessions last all began.
               FROM ifqueue.runner r, (SELECT greatest(pg_postmaster_start_time(), pg_stat_get_bgwriter_stat_reset_time()) AS up_since) srv
               WHERE r.stopped_at IS NULL AND r.id <> $1
             ), lost AS (
               UPDATE ifqueue.runner r SET stopped_at = now(), lost_reason = s.reason
               FROM suspects s WHERE r.id = s.id AND s.reason IS NOT NULL AND r.stopped_at IS NULL
               RETURNING r.id, r.host, r.pid, s.reason
             ), running AS (
               SELECT a.job_id, a.attempt, a.task, l.id AS runner_id,
                 'runner ' || l.host || ' pid ' || l.pid || ' was lost while running this job (' || l.reason || ')' AS message
               FROM ifqueue.job_attempt a JOIN lost l ON a.runner_id = l.id WHERE a.outcome = 'running'
             ), states AS (
               SELECT r.*, j.state, j.retry_count FROM running r LEFT JOIN ${b}.job j ON j.name = r.task AND j.id = r.job_id
             ), att AS (
               -- an attempt pg-boss already completed (its runner died before recording that) is completed, not lost
               UPDATE ifqueue.job_attempt a SET finished_at = now(),
                 outcome = CASE WHEN s.state = 'completed' AND s.retry_count = s.attempt - 1 THEN 'completed' ELSE 'lost' END,
                 error = CASE WHEN s.state = 'completed' AND s.retry_count = s.attempt - 1 THEN NULL ELSE s.message END
               -- re-checked on the row's newest version: a settlement that committed meanwhile stands
               FROM states s WHERE a.job_id = s.job_id AND a.attempt = s.attempt AND a.outcome = 'running'
               RETURNING a.job_id
             ), restarted AS (
               UPDATE ${b}.job j SET
                 state = CASE WHEN j.retry_count < j.retry_limit THEN 'retry'::${b}.job_state ELSE 'failed'::${b}.job_state END,
                 completed_on = CASE WHEN j.retry_count < j.retry_limit THEN NULL ELSE now() END,
                 start_after = now(), heartbeat_on = NULL, output = jsonb_build_object('message', s.message)
               FROM states s WHERE j.name = s.task AND j.id = s.job_id AND j.state = 'active' AND j.retry_count = s.attempt - 1
               RETURNING j.id, j.name, j.state, s.attempt, s.runner_id, s.message
             )
             SELECT l.id AS runner_id, l.host, l.pid, l.reason, r.id AS job_id, r.name AS task, r.state, r.attempt, r.message,
                    (SELECT count(*) FROM att)::int AS attempts
             FROM lost l LEFT JOIN restarted r ON r.runner_id = l.id`,
      values: [o.self, o.lockGraceSeconds, o.staleSeconds, o.judgeHeartbeats],
    }),

    wakeQueues: (queues: string[]): Statement => ({
      text: `SELECT count(pg_notify(${bossChannel}, q))::int AS n FROM unnest($1::text[]) AS q`,
      values: [queues],
    }),
  });
}

export type LifecycleSql = ReturnType<typeof lifecycleSqlFor>;
