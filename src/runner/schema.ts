// ifqueue's own tables (schema "ifqueue"), created and migrated idempotently under an advisory lock
// so that runners starting at the same time do not collide.
import type pg from 'pg';
import { sqlApiFunctions, sqlApiMigration } from './sql-api.ts';
import { jobCountsMigration } from './job-counts.ts';

const LOCK_KEY = 0x1f_9e_0e_01; // arbitrary, constant: "ifqueue schema"

const MIGRATIONS: ((bossSchema: string) => string)[] = [
  // 1: job metadata, attempts, logs, runners, queue state, schedules
  () => `
  CREATE TABLE ifqueue.job_meta (
    job_id uuid PRIMARY KEY,
    task text NOT NULL,
    name text,
    depends_on uuid,
    dep_state text CHECK (dep_state IN ('waiting', 'released', 'failed')),
    has_dependents boolean NOT NULL DEFAULT false,
    on_fail text,
    on_fail_done boolean NOT NULL DEFAULT false,
    on_fail_job_id uuid,
    legacy_id bigint,
    progress jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX job_meta_name ON ifqueue.job_meta (name, created_at DESC) WHERE name IS NOT NULL;
  CREATE INDEX job_meta_waiting ON ifqueue.job_meta (depends_on) WHERE dep_state = 'waiting';
  CREATE INDEX job_meta_on_fail ON ifqueue.job_meta (job_id) WHERE on_fail IS NOT NULL AND NOT on_fail_done;
  CREATE INDEX job_meta_legacy ON ifqueue.job_meta (legacy_id) WHERE legacy_id IS NOT NULL;

  CREATE TABLE ifqueue.job_attempt (
    job_id uuid NOT NULL,
    attempt int NOT NULL,
    runner_id uuid,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    outcome text NOT NULL DEFAULT 'running',
    error text,
    error_stack text,
    written_lines int NOT NULL DEFAULT 0,
    truncated_lines int NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, attempt)
  );
  CREATE INDEX job_attempt_running ON ifqueue.job_attempt (runner_id) WHERE outcome = 'running';

  CREATE TABLE ifqueue.job_log (
    job_id uuid NOT NULL,
    attempt int NOT NULL,
    seq int NOT NULL,
    ts timestamptz NOT NULL,
    level text NOT NULL,
    text text NOT NULL,
    PRIMARY KEY (job_id, attempt, seq)
  );

  CREATE TABLE ifqueue.runner (
    id uuid PRIMARY KEY,
    host text NOT NULL,
    pid int NOT NULL,
    version text NOT NULL,
    kind text NOT NULL,
    queues text[] NOT NULL DEFAULT '{}',
    started_at timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now(),
    stopped_at timestamptz
  );

  CREATE TABLE ifqueue.queue_state (
    task text PRIMARY KEY,
    paused boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
  );

  CREATE TABLE ifqueue.schedule (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task text NOT NULL,
    key text NOT NULL DEFAULT 'default',
    cron text NOT NULL,
    tz text NOT NULL DEFAULT 'UTC',
    args jsonb NOT NULL DEFAULT '{}',
    paused boolean NOT NULL DEFAULT false,
    next_fire_at timestamptz,
    last_fire_at timestamptz,
    last_job_id uuid,
    origin text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (task, key)
  );

  CREATE TABLE ifqueue.setting (
    key text PRIMARY KEY,
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  `,
  // 2: keyset pages of the dashboard and the CLI (newest first, per task and state, and across all)
  // and bounded counts of finished jobs stay index scans at a million rows (scripts/bench/p4).
  (b) => `
  CREATE INDEX IF NOT EXISTS ifqueue_job_task_state_created ON ${b}.job (name, state, created_on DESC, id DESC);
  CREATE INDEX IF NOT EXISTS ifqueue_job_created ON ${b}.job (created_on DESC, id DESC);
  `,
  // 3: the SQL API (ifqueue.enqueue, the registered tasks), see sql-api.ts
  sqlApiMigration,
  // 4: the SQL API's functions again: arguments held to the runner's size and depth bounds, error
  // messages cap the input they echo
  sqlApiFunctions,
  // 5: job counts kept by triggers, read in milliseconds at any size (scripts/bench/p4)
  (b) => jobCountsMigration(b),
  // 6: durable claims and liveness (#11). An attempt row is written by the statement that claims the
  // job and carries that claim's token, which every settlement must present; its queue name lets the
  // lost-runner pass reach pg-boss's (name, id) key. A runner holds a session advisory lock
  // (LIVENESS_LOCK_CLASS, lock_key) for as long as its process lives, so others see a crash at once.
  () => `
  ALTER TABLE ifqueue.job_attempt ADD COLUMN claim uuid, ADD COLUMN task text;
  ALTER TABLE ifqueue.runner ADD COLUMN lock_key int, ADD COLUMN lost_reason text;
  `,
  // 7: the SQL API's functions again: a held dependent's job:created event says so (dependencyPending),
  // so that runners look for its release after the commit
  sqlApiFunctions,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export async function migrate(client: pg.PoolClient | pg.Client, bossSchema = 'pgboss'): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await client.query('CREATE SCHEMA IF NOT EXISTS ifqueue');
    await client.query(
      'CREATE TABLE IF NOT EXISTS ifqueue.migration (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM ifqueue.migration');
    const current = rows[0]?.v ?? 0;
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v - 1](bossSchema));
        await client.query('INSERT INTO ifqueue.migration (version) VALUES ($1)', [v]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw new Error(`ifqueue schema migration ${v} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    return MIGRATIONS.length;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
  }
}
