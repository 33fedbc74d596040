// ifqueue's own bookkeeping for the cutover (links from legacy rows to jobs, the bridge switch,
// live bridges) and the two triggers it may put on IFDB's table: the take guard and the insert NOTIFY.
import type pg from 'pg';
import type { Queryable } from '../runner/db.ts';
import { LEGACY_TABLE } from './options.ts';

const LOCK_KEY = 0x1f_9e_0e_1e; // arbitrary, constant: "ifqueue legacy schema"
export const LEGACY_CHANNEL = 'ifqueue_legacy';
export const GUARD_TRIGGER = 'ifqueue_legacy_guard';
export const NOTIFY_TRIGGER = 'ifqueue_legacy_notify';
/** Set (transaction-local) by every bridge statement, so the guard lets the bridge's own updates through. */
export const BRIDGE_SESSION_SQL = `SELECT set_config('ifqueue.legacy_bridge', 'on', true)`;

/** What the old worker's exception says if it tries to start a row while bridging is on: what happened and the command to run. */
export const GUARD_MESSAGE =
  'ifqueue bridge is on: the legacy worker may not start row %. Stop it for good: ifqueue legacy stop, then systemctl disable ifdb-worker (or give it the queue back: ifqueue legacy rollback)';

const DDL = `
  CREATE TABLE IF NOT EXISTS ifqueue.legacy_link (
    id bigserial PRIMARY KEY,
    legacy_id bigint NOT NULL,
    task text,
    job_id uuid,
    schedule_id uuid,
    taken_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    -- completed | failed | cancelled | deleted | rejected | schedule | returned
    outcome text
  );
  CREATE INDEX IF NOT EXISTS legacy_link_row ON ifqueue.legacy_link (legacy_id);
  CREATE INDEX IF NOT EXISTS legacy_link_open ON ifqueue.legacy_link (id) WHERE finished_at IS NULL;
  CREATE TABLE IF NOT EXISTS ifqueue.legacy_switch (
    id int PRIMARY KEY CHECK (id = 1),
    enabled boolean NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text
  );
  INSERT INTO ifqueue.legacy_switch (id, enabled) VALUES (1, false) ON CONFLICT (id) DO NOTHING;
  CREATE TABLE IF NOT EXISTS ifqueue.legacy_bridge (
    id uuid PRIMARY KEY,
    host text NOT NULL,
    pid int NOT NULL,
    owns_pid_file boolean NOT NULL DEFAULT false,
    started_at timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now()
  );
  -- The last refusal of the take guard, kept by sequences because they survive the rollback the
  -- refusal causes: \`legacy stop\` and \`legacy status\` use it to tell a crashed old worker from one
  -- that was stopped.
  CREATE SEQUENCE IF NOT EXISTS ifqueue.legacy_guard_refused_at MINVALUE 0 START 0;
  CREATE SEQUENCE IF NOT EXISTS ifqueue.legacy_guard_refused_row MINVALUE 0 START 0;
  -- SECURITY DEFINER: the old worker's database role may have no rights on ifqueue's schema, yet its
  -- refusal must still be recorded (the search path is pinned, as such a function needs).
  CREATE OR REPLACE FUNCTION ifqueue.legacy_guard() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
  BEGIN
    -- The old worker selects a pending row, then saves it with a new start_time, without a lock.
    -- While the bridge is on, such a start is refused, so a row the bridge took cannot run twice.
    IF current_setting('ifqueue.legacy_bridge', true) IS DISTINCT FROM 'on'
       AND NOT NEW.pending AND NEW.start_time IS NOT NULL AND NEW.start_time IS DISTINCT FROM OLD.start_time THEN
      BEGIN
        PERFORM setval('ifqueue.legacy_guard_refused_at', (extract(epoch FROM clock_timestamp()) * 1000)::bigint, true);
        PERFORM setval('ifqueue.legacy_guard_refused_row', NEW.id, true);
      EXCEPTION WHEN OTHERS THEN
        NULL; -- whatever goes wrong here, the worker still gets the message below
      END;
      RAISE EXCEPTION '${GUARD_MESSAGE}', NEW.id USING ERRCODE = 'object_in_use';
    END IF;
    RETURN NEW;
  END $f$;
  CREATE OR REPLACE FUNCTION ifqueue.legacy_notify() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    IF current_setting('ifqueue.legacy_bridge', true) IS DISTINCT FROM 'on' THEN
      PERFORM pg_notify('${LEGACY_CHANNEL}', 'row');
    END IF;
    RETURN NULL;
  END $f$;
`;

const ensured = new WeakSet<object>();

/** Creates the bookkeeping tables once per pool (idempotent, safe when processes start together). */
export async function ensureLegacyStore(pool: pg.Pool): Promise<void> {
  if (ensured.has(pool)) return;
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await client.query('CREATE SCHEMA IF NOT EXISTS ifqueue');
      await client.query(DDL);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    }
  } finally {
    client.release();
  }
  ensured.add(pool);
}

export async function legacyTableExists(db: Queryable): Promise<boolean> {
  const { rows } = await db.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [LEGACY_TABLE]);
  return rows[0].present;
}

export async function installedTriggers(db: Queryable): Promise<{ guard: boolean; notify: boolean }> {
  const { rows } = await db.query(
    `SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = ANY($2::text[])`,
    [LEGACY_TABLE, [GUARD_TRIGGER, NOTIFY_TRIGGER]],
  );
  const names = new Set(rows.map((r) => r.tgname));
  return { guard: names.has(GUARD_TRIGGER), notify: names.has(NOTIFY_TRIGGER) };
}

const CREATE_TRIGGER = {
  guard: `CREATE TRIGGER ${GUARD_TRIGGER} BEFORE UPDATE ON ${LEGACY_TABLE} FOR EACH ROW EXECUTE FUNCTION ifqueue.legacy_guard()`,
  notify: `CREATE TRIGGER ${NOTIFY_TRIGGER} AFTER INSERT OR UPDATE OF pending ON ${LEGACY_TABLE} FOR EACH STATEMENT EXECUTE FUNCTION ifqueue.legacy_notify()`,
};
const TRIGGER_NAME = { guard: GUARD_TRIGGER, notify: NOTIFY_TRIGGER };

/** Installs or removes one of ifqueue's triggers on the legacy table (needs the table's owner). */
export async function setTrigger(pool: pg.Pool, which: 'guard' | 'notify', on: boolean): Promise<void> {
  await ensureLegacyStore(pool);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`DROP TRIGGER IF EXISTS ${TRIGGER_NAME[which]} ON ${LEGACY_TABLE}`);
    if (on) await client.query(CREATE_TRIGGER[which]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    const message = (error as Error).message;
    throw new Error(
      `cannot ${on ? 'install' : 'remove'} the ${which} trigger on ${LEGACY_TABLE}: ${message}${/owner|permission/i.test(message) ? ' (connect as the table owner, the IFDB database user)' : ''}`,
      { cause: error },
    );
  } finally {
    client.release();
  }
}

/** Turns bridging on or off. Off waits for takes in flight (they hold the switch row FOR SHARE), so no row is taken after it returns. */
export async function setBridgeSwitch(db: Queryable, enabled: boolean, by: string): Promise<void> {
  await db.query(`UPDATE ifqueue.legacy_switch SET enabled = $1, changed_at = now(), changed_by = $2 WHERE id = 1`, [enabled, by]);
  await db.query(`SELECT pg_notify($1, 'switch')`, [LEGACY_CHANNEL]);
}

export async function bridgeSwitch(db: Queryable): Promise<boolean> {
  const { rows } = await db.query(`SELECT enabled FROM ifqueue.legacy_switch WHERE id = 1`);
  return rows[0]?.enabled ?? false;
}

/** The take guard's last refusal (the old worker crashes on it), or null when it never refused. */
export async function lastGuardRefusal(db: Queryable): Promise<{ at: Date; rowId: number } | null> {
  const { rows } = await db.query(
    `SELECT a.last_value AS at, a.is_called, r.last_value AS row_id
     FROM ifqueue.legacy_guard_refused_at a, ifqueue.legacy_guard_refused_row r`,
  );
  const r = rows[0];
  if (!r?.is_called || Number(r.at) <= 0) return null;
  return { at: new Date(Number(r.at)), rowId: Number(r.row_id) };
}
