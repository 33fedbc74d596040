// The three import tasks write the same games: a session advisory lock keeps them from running together
// (each task is exclusive with itself in the runner; this covers import-games vs force-reimport).
import type pg from 'pg';
import { abortableSleep } from '../../../runner/sleep.ts';
import type { TaskLogger } from '../../../runner/types.ts';

const LOCK_KEY = 'ifqueue:import-games';
const POLL_MS = 5_000;

/** Waits (abortably) for the lock; returns its release. The lock lives on one pooled connection. */
export async function acquireImportLock(pool: pg.Pool, log: TaskLogger, signal: AbortSignal): Promise<() => Promise<void>> {
  const client = await pool.connect();
  try {
    let waited = false;
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [LOCK_KEY]);
      if (rows[0]!.locked) break;
      if (!waited) log.info('another import is running, waiting for it to finish');
      waited = true;
      await abortableSleep(POLL_MS, signal);
      signal.throwIfAborted();
    }
  } catch (error) {
    client.release();
    throw error;
  }
  return async () => {
    try {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY]);
      client.release();
    } catch (error) {
      client.release(error instanceof Error ? error : true);
    }
  };
}
