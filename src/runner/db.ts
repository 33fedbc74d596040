// Connection pools, and the adapter that lets pg-boss statements run inside our transactions.
import pg from 'pg';
import type { Db } from 'pg-boss';

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export function createPool(connectionString: string, applicationName: string, max = 10, options?: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, application_name: applicationName, max, connectionTimeoutMillis: 10_000, ...(options ? { options } : {}) });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
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
