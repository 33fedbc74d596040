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
  CREATE OR REPLACE FUNCTION ifqueue.legacy_guard() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    -- The old worker selects a pending row, then saves it with a new start_time, without a lock.
    -- While the bridge is on, such a start is refused, so a row the bridge took cannot run twice.
    IF current_setting('ifqueue.legacy_bridge', true) IS DISTINCT FROM 'on'
       AND NOT NEW.pending AND NEW.start_time IS NOT NULL AND NEW.start_time IS DISTINCT FROM OLD.start_time THEN
      RAISE EXCEPTION 'ifqueue bridge is on: the legacy worker may not start row % (stop it with: ifqueue legacy stop)', NEW.id
        USING ERRCODE = 'object_in_use';
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
