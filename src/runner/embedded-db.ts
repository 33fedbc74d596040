// The embedded PostgreSQL used when DATABASE_URL is unset: data in the user's data directory, one
// server shared by every ifqueue process of the user (a daemon, dashboards, one-shot commands). The
// server runs detached; the last process to leave stops it, and a process that finds it gone while
// it still needs it starts it again on the same port (its connections then reconnect by themselves).
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import getPort from 'get-port';
import pg from 'pg';
import { UserError, errorMessage } from './errors.ts';
import { Attachment } from './embedded/attachment.ts';
import { loadPassword, loadPort, savePort } from './embedded/files.ts';
import { PortInUseError, createCluster, serverState, serverUser, startServer, stopServer } from './embedded/server.ts';

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  /** true when the ifqueue database was created by this call (first start ever) */
  fresh: boolean;
  /** true when this process started the server (false: it was running for another ifqueue process) */
  started: boolean;
  /** Leaves the server: stops it when no other ifqueue process uses it. Idempotent. */
  stop(): Promise<EmbeddedStopResult>;
}

/** What leaving did: stopped the server, left it to others, or found it gone. */
export type EmbeddedStopResult = 'stopped' | 'gone' | { others: number };

export interface EmbeddedOptions {
  dataDir?: string;
  /** progress lines (the server stopping under us, being started again) */
  log?: (line: string) => void;
  /** how long to wait for a server that is starting or stopping (default 120 s) */
  timeoutMs?: number;
}

const DATABASE = 'ifqueue';
const PREFERRED_PORT = 54329;

/** Where the embedded cluster lives. Root's home is not reachable by the postgres user, so root uses /var/lib. */
export function embeddedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.IFQUEUE_DATA_DIR?.trim();
  if (value) {
    if (value.includes('\0')) throw new UserError('Invalid IFQUEUE_DATA_DIR: contains a NUL character');
    return path.resolve(value);
  }
  if (process.getuid?.() === 0) return '/var/lib/ifqueue';
  return envPaths('ifqueue', { suffix: '' }).data;
}

function urlFor(password: string, port: number, database: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** Creates the ifqueue database once; true when this call created it. */
async function ensureDatabase(adminUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'ifqueue embedded' });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rowCount } = await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DATABASE]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE ${DATABASE}`);
    return true;
  } catch (error) {
    // another process created it at the same moment
    if ((error as { code?: string }).code === '42P04' || (error as { code?: string }).code === '23505') return false;
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

async function prepareDataDir(dataDir: string, asOtherUser: boolean): Promise<void> {
  // root runs the server as `postgres`, which must pass through the directory (but not list it)
  await mkdir(dataDir, { recursive: true, mode: asOtherUser ? 0o711 : 0o700 });
  if (asOtherUser && !((await stat(dataDir)).mode & 0o001)) {
    throw new UserError(`the embedded PostgreSQL runs as the postgres user, which cannot enter ${dataDir}: chmod o+x it, or set IFQUEUE_DATA_DIR`);
  }
}

export async function startEmbeddedDatabase(options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const dataDir = options.dataDir ?? embeddedDataDir();
  const clusterDir = path.join(dataDir, 'pg');
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 120_000;
  const fail = (error: unknown): never => {
    if (error instanceof UserError) throw error;
    throw new UserError(`embedded PostgreSQL in ${clusterDir} did not start: ${errorMessage(error).split('\n')[0]}`, { cause: error });
  };
  try {
    const user = await serverUser();
    await prepareDataDir(dataDir, user.uid !== undefined);
    const password = await loadPassword(dataDir);
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) await createCluster(clusterDir, password, user);
    // The port in the URL every connection of this process uses: a restart must reuse it.
    let port = (await serverState(clusterDir))?.port ?? (await loadPort(dataDir, () => getPort({ port: PREFERRED_PORT })));
    let started = false;
    let attachedOnce = false;
    const ensureServer = async () => {
      const state = await serverState(clusterDir);
      if (state && state.status !== 'stopping') {
        if (!attachedOnce) port = state.port;
        return;
      }
      if (state) throw new Error('the server is stopping');
      try {
        if (await startServer(clusterDir, port, user)) started = true;
      } catch (error) {
        // Only before anything connected may the port change: afterwards our URLs name the old one.
        if (!(error instanceof PortInUseError) || attachedOnce) throw error;
        port = await getPort({ port: PREFERRED_PORT });
        await savePort(dataDir, port);
        throw error;
      }
    };
    let stopping: Promise<EmbeddedStopResult> | null = null;
    let lostSince = 0;
    const attachment: Attachment = new Attachment({
      get url() {
        return urlFor(password, port, 'postgres');
      },
      ensureServer,
      onLost: () => {
        lostSince = Date.now();
        log(`ifqueue: the embedded PostgreSQL went away; starting it again on port ${port}`);
        void reattach();
      },
    });
    const reattach = async () => {
      for (;;) {
        try {
          await attachment.attach(timeoutMs);
          log(`ifqueue: the embedded PostgreSQL is running again (after ${((Date.now() - lostSince) / 1000).toFixed(1)} s)`);
          return;
        } catch (error) {
          if (stopping) return;
          log(`ifqueue: the embedded PostgreSQL could not be started again: ${errorMessage(error).split('\n')[0]}; retrying`);
        }
      }
    };
    await attachment.attach(timeoutMs);
    attachedOnce = true;
    const fresh = await ensureDatabase(urlFor(password, port, 'postgres'));
    return {
      url: urlFor(password, port, DATABASE),
      dataDir,
      fresh,
      started,
      stop() {
        stopping ??= attachment.detach(() => stopServer(clusterDir));
        return stopping;
      },
    };
  } catch (error) {
    return fail(error);
  }
}
