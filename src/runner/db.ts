// Connection pools, and the adapter that lets pg-boss statements run inside our transactions.
import pg from 'pg';
import type { Db } from 'pg-boss';

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export function createPool(connectionString: string, applicationName: string, max = 10, options?: string): pg.Pool {
  // keepAlive: an idle pooled connection to a host that vanished is noticed and dropped
  const pool = new pg.Pool({
    connectionString,
    application_name: applicationName,
    max,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(options ? { options } : {}),
  });
  return guardPoolClients(pool);
}

/**
 * A connection that drops must never crash the process: pg emits 'error' on an idle pool (handled
 * by pg-pool) and on a checked-out client (not handled: a database restart between two statements
 * of a transaction killed the process). The statement in flight still rejects, and pg-pool discards
 * the broken client when it is released, so every caller sees the failure as an ordinary error.
 */
export function guardPoolClients<P extends pg.Pool>(pool: P): P {
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Wraps a client that is inside a transaction so pg-boss calls given `{ db }` join it. */
export function bossDbFor(client: Queryable): Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await client.query(text, values as any[]);
      return { rows: result.rows };
    },
  };
}

/** Runs fn in a transaction on one pooled client; `rollback` undoes it even on success (dry runs). */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, options: { rollback?: boolean } = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query(options.rollback ? 'ROLLBACK' : 'COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
