// A fresh database per benchmark run on the local PostgreSQL, dropped afterwards (also on Ctrl+C).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL =
  process.env.IFQUEUE_BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  url: string;
  name: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

const live = new Set<BenchDatabase>();

export function urlFor(database: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = '/' + database;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, application_name: 'ifqueue bench admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `ifq_bench_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 20)}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = urlFor(name);
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'ifqueue bench' });
  pool.on('error', () => {});
  let dropped = false;
  const db: BenchDatabase = {
    url,
    name,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      live.delete(db);
      await pool.end().catch(() => {});
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
  live.add(db);
  return db;
}

/** Drops every database this process created and has not dropped yet. */
export async function dropAll(): Promise<void> {
  await Promise.all([...live].map((db) => db.drop().catch(() => {})));
}

/** Transactions committed in a database so far (cumulative statistics, read from another database). */
export async function committedTransactions(database: string): Promise<number> {
  return admin(async (c) => {
    await c.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await c.query('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [database]);
    return Number(rows[0]?.n ?? 0);
  });
}

export async function serverVersion(): Promise<string> {
  return admin(async (c) => (await c.query('SHOW server_version')).rows[0].server_version as string);
}
