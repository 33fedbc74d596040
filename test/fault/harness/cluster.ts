// A PostgreSQL cluster of the test's own (initdb + pg_ctl on a free port), for faults that stop,
// restart or kill the server: the machine's shared service is never touched.
// PostgreSQL refuses to run as root, so every server command runs as the `postgres` user.
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import getPort from 'get-port';
import pg from 'pg';

const run = promisify(execFile);
const BIN = process.env.FAULT_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export type StopMode = 'smart' | 'fast' | 'immediate';

export interface PgCluster {
  port: number;
  dir: string;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  start(): Promise<void>;
  stop(mode: StopMode): Promise<void>;
  /** Ends every session of a database whose application_name matches (LIKE); returns how many. */
  terminate(database: string, applicationLike?: string): Promise<number>;
  query<T extends pg.QueryResultRow = any>(database: string, text: string, values?: unknown[]): Promise<pg.QueryResult<T>>;
  serverLog(): Promise<string>;
  /** A superuser role that must log in over TCP with its password (SCRAM), unlike everyone else (trust). */
  addPasswordRole(role: string, password: string): Promise<void>;
  destroy(): Promise<void>;
}

async function asPostgres(file: string, args: string[]): Promise<string> {
  const command = userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', path.join(BIN, file), ...args]] as const : [path.join(BIN, file), args] as const;
  try {
    const { stdout } = await run(command[0], [...command[1]], { timeout: 120_000 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${file} failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' | ')}`, { cause: error });
  }
}

export interface ClusterOptions {
  /** server settings added to the command line (name → value) */
  settings?: Record<string, string>;
}

export async function startCluster(o: ClusterOptions = {}): Promise<PgCluster> {
  const dir = await mkdtemp('/tmp/ifq-fault-pg-');
  await chmod(dir, 0o755);
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await getPort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=300',
    // a throwaway cluster: durability against an OS crash is not what is tested
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c shared_buffers=64MB',
    ...Object.entries(o.settings ?? {}).map(([name, value]) => `-c ${name}=${value}`),
  ].join(' ');
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async (database: string, text: string, values?: unknown[]) => {
    const client = new pg.Client({ connectionString: url(database), application_name: 'fault harness' });
    client.on('error', () => {});
    await client.connect();
    try {
      return await client.query(text, values as any[]);
    } finally {
      await client.end().catch(() => {});
    }
  };
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start']);
  };
  const stop = async (mode: StopMode) => {
    await asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
  };
  let destroyed = false;
  await start();
  return {
    port,
    dir,
    url,
    start,
    stop,
    query,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      await query('postgres', `CREATE DATABASE ${name}`);
      return url(name);
    },
    async terminate(database, applicationLike = 'ifqueue%') {
      const { rows } = await query(
        'postgres',
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND application_name LIKE $2 AND pid <> pg_backend_pid()`,
        [database, applicationLike],
      );
      return rows[0].n;
    },
    serverLog: () => readFile(log, 'utf8').catch(() => ''),
    async addPasswordRole(role, password) {
      if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`bad role name ${role}`);
      await query('postgres', `CREATE ROLE ${role} SUPERUSER LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
      const hba = path.join(data, 'pg_hba.conf');
      await writeFile(hba, `host all ${role} 127.0.0.1/32 scram-sha-256\n${await readFile(hba, 'utf8')}`);
      await query('postgres', 'SELECT pg_reload_conf()');
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop('immediate').catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface FaultDatabase {
  name: string;
  url: string;
  query<T extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<T>>;
  close(): Promise<void>;
}

/** A fresh database in the cluster with a small pool for the test's own reads (closed by close()). */
export async function clusterDatabase(cluster: PgCluster, name: string): Promise<FaultDatabase> {
  const url = await cluster.createDatabase(name);
  const pool = new pg.Pool({ connectionString: url, max: 3, application_name: 'fault oracle' });
  pool.on('error', () => {});
  return { name, url, query: (text, values) => pool.query(text, values as any[]), close: () => pool.end().catch(() => {}) };
}
