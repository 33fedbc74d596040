// Which ifqueue processes use the embedded server: each holds a shared advisory lock on a connection
// of its own while attached. PostgreSQL drops the lock with the connection, so a process killed with
// -9 is no longer counted. The last one out takes the lock exclusively — which it gets only when no
// other process holds it — and only then stops the server; a process attaching meanwhile waits on
// its shared lock, sees the server go, and starts it again.
import pg from 'pg';

// pg_advisory_lock(int4, int4): 'ifqu', 'embd'
const LOCK = '1768321397, 1701667428';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connection failures worth retrying while a server starts, stops or restarts. */
function transient(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (e.code === '28P01' || e.code === '28000') return false; // bad password / no such role: retrying cannot help
  return true;
}

export interface AttachOptions {
  /** connection to the server's `postgres` database */
  url: string;
  /** makes sure a server runs (starting it if none does) */
  ensureServer(): Promise<void>;
  /** called when the attachment connection is lost while attached (the server went away) */
  onLost(error: Error): void;
}

export class Attachment {
  private client: pg.Client | null = null;
  private detaching = false;

  constructor(private readonly o: AttachOptions) {}

  get attached(): boolean {
    return this.client !== null;
  }

  /** Retries until attached or the deadline passes (the server may be starting or stopping). */
  async attach(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        await this.o.ensureServer();
        await this.tryAttach();
        return;
      } catch (error) {
        if (this.detaching) throw new Error('detached while attaching', { cause: error });
        if (!transient(error) || Date.now() + delay > deadline) throw error;
        await sleep(delay);
      }
    }
  }

  private async tryAttach(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.url, application_name: 'ifqueue embedded', keepAlive: true, connectionTimeoutMillis: 10_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      // waits while a last process holds the lock exclusively to stop the server; the stop then ends this session
      await client.query(`SELECT pg_advisory_lock_shared(${LOCK})`);
      if (this.detaching) throw new Error('detached while attaching');
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    client.once('end', () => {
      if (this.client !== client) return;
      this.client = null;
      if (!this.detaching) this.o.onLost(new Error('the embedded PostgreSQL connection ended'));
    });
    this.client = client;
  }

  /**
   * Leaves. When no other ifqueue process is attached, calls `stopServer` while holding the lock
   * exclusively (a process attaching meanwhile waits) and returns 'stopped'; otherwise returns how
   * many others remain, or 'gone' when the server had already gone away.
   */
  async detach(stopServer: () => Promise<void>): Promise<'stopped' | 'gone' | { others: number }> {
    this.detaching = true;
    const client = this.client;
    this.client = null;
    if (!client) return 'gone';
    let locked = false;
    try {
      await client.query(`SELECT pg_advisory_unlock_shared(${LOCK})`);
      locked = (await client.query(`SELECT pg_try_advisory_lock(${LOCK}) AS last`)).rows[0].last;
      if (!locked) {
        const { rows } = await client.query(
          `SELECT count(DISTINCT pid)::int AS n FROM pg_locks
            WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted AND pid <> pg_backend_pid()`,
          LOCK.split(', ').map(Number),
        );
        await client.end().catch(() => {});
        return { others: rows[0].n };
      }
    } catch {
      await client.end().catch(() => {});
      return 'gone';
    }
    try {
      await stopServer();
      return 'stopped';
    } finally {
      await client.end().catch(() => {});
    }
  }
}
