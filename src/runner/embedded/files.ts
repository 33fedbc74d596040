// The embedded database's own files in its data directory: the superuser password (credentials.json)
// and the server's port (server.json). Both are private to the user (0600) and created exclusively,
// so two processes starting at once agree on one password and one port.
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes `value` to `file` only when it does not exist yet; returns what the file holds afterwards. */
async function createOnce<T>(file: string, value: T): Promise<T> {
  for (let i = 0; i < 50; i++) {
    const existing = await readJson<T>(file).catch(() => null);
    if (existing) return existing;
    try {
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(value));
      } finally {
        await handle.close();
      }
      return value;
    } catch (error) {
      // another process created it between our read and our open: read theirs (it may still be empty)
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`${file} stays empty or unreadable; remove it`);
}

/** A private file stays private: a copy left readable by others (an older version, a restored backup) is fixed. */
async function keepPrivate(file: string): Promise<void> {
  const info = await stat(file);
  if (info.mode & 0o077) await chmod(file, 0o600);
}

export async function loadPassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'credentials.json');
  const { password } = await createOnce(file, { password: randomBytes(18).toString('base64url') });
  if (typeof password !== 'string' || !password) throw new Error(`${file} holds no password; remove it only together with ${path.join(dataDir, 'pg')}`);
  await keepPrivate(file);
  return password;
}

/** The port the server is started on, chosen once (clusters made by older versions get one now). */
export async function loadPort(dataDir: string, choose: () => Promise<number>): Promise<number> {
  const file = path.join(dataDir, 'server.json');
  const existing = await readJson<{ port: number }>(file).catch(() => null);
  if (existing?.port) return existing.port;
  const { port } = await createOnce(file, { port: await choose() });
  return port;
}

/** A new port after the old one was found taken (atomic replace). */
export async function savePort(dataDir: string, port: number): Promise<void> {
  const file = path.join(dataDir, 'server.json');
  const tmp = `${file}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, JSON.stringify({ port }), { mode: 0o600 });
  await rename(tmp, file);
}
