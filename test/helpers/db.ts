// Each test file gets a database of its own on the machine's PostgreSQL, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import pg from 'pg';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  name: string;
  query<T extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<T>>;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + database;
  return u.toString();
}

/** Creates an empty database named after the test file; call drop() in an after() hook. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `ifq_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(ADMIN_URL, name);
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on('error', () => {});
  let dropped = false;
  return {
    url,
    name,
    query: (text, values) => pool.query(text, values as any[]),
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end().catch(() => {});
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** Path of IFDB's DDL (a copy of shared/reference/ifdb-schema.sql). */
export function ifdbSchemaPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '../fixtures/ifdb-schema.sql');
}

/** Loads IFDB's real DDL (the tables the tasks use) into a test database. */
export async function loadIfdbSchema(db: TestDatabase): Promise<void> {
  const sql = await readFile(ifdbSchemaPath(), 'utf8');
  await db.query(sql);
}
