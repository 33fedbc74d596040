// A runner's proof of life (#11). It holds a session advisory lock on a connection of its own for as
// long as the process lives: PostgreSQL releases it the moment that session ends (kill -9, OOM, a
// vanished host once TCP keepalives give up), so other runners see a crash within seconds instead of
// after missed heartbeats. Heartbeats on the same connection remain, for a process that is frozen
// (SIGSTOP, a stuck event loop) and so keeps its session. A heartbeat that finds this runner declared
// lost (it was frozen, or its connection dropped) reports it: the runner then aborts what it no longer
// owns and registers again.
import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { LifecycleSql } from './lifecycle-sql.ts';
import { abortableSleep } from './sleep.ts';

export interface RunnerRegistration {
  id: string;
  host: string;
  pid: number;
  version: string;
  kind: string;
  queues: string[];
}

export interface LivenessOptions {
  connectionString: string;
  applicationName: string;
  sql: LifecycleSql;
  runner: RunnerRegistration;
  heartbeatMs: number;
  /** this runner was found declared lost (after a freeze or a dropped connection); it is registered again */
  onDeclaredLost: () => void;
  /** the liveness session came back after it had dropped */
  onReconnected: () => void;
  reportError: (where: string, error: unknown) => void;
}

// A vanished client host is noticed by the server's TCP keepalives: 5 s idle, then 3 probes 2 s apart.
const SESSION_SETTINGS = `SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3;
  SET statement_timeout = '10s'; SET idle_in_transaction_session_timeout = '10s'`;

export class Liveness {
  private client: pg.Client | null = null;
  private lockKey = 0;
  private stopped = false;
  private interrupt = new AbortController();
  private loop: Promise<void> | null = null;
  /** when a heartbeat last failed to get through (0: never) */
  lastFailureAt = 0;

  constructor(private readonly o: LivenessOptions) {}

  /** Connects, takes the lock and registers the runner; rejects if the database cannot be reached. */
  async start(): Promise<void> {
    await this.connect();
    await this.client!.query(this.o.sql.registerRunner({ ...this.o.runner, lockKey: this.lockKey }));
    this.loop = this.run();
  }

  /** Marks the runner stopped and ends the session (which releases the lock). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.interrupt.abort();
    await this.loop;
    const client = this.client;
    this.client = null;
    if (!client) return;
    await client.query(this.o.sql.stopRunner(this.o.runner.id)).catch(() => {});
    await client.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.o.connectionString,
      application_name: this.o.applicationName,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5000,
      connectionTimeoutMillis: 10_000,
      query_timeout: 15_000,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query(SESSION_SETTINGS);
      // A key is a random positive int: on the rare clash with another live runner's key, draw again.
      if (!this.lockKey || !(await this.tryLock(client, this.lockKey))) {
        do this.lockKey = randomInt(1, 2 ** 31 - 1);
        while (!(await this.tryLock(client, this.lockKey)));
      }
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    client.on('end', () => {
      if (this.client !== client) return;
      this.client = null;
      this.interrupt.abort();
    });
    this.client = client;
  }

  private async tryLock(client: pg.Client, key: number): Promise<boolean> {
    return (await client.query(this.o.sql.takeLivenessLock(key))).rows[0].ok === true;
  }

  private async run(): Promise<void> {
    let reconnectDelay = 100;
    await this.sleep(this.o.heartbeatMs);
    while (!this.stopped) {
      try {
        if (!this.client) {
          await this.connect();
          reconnectDelay = 100;
          this.o.onReconnected();
        }
        const { rowCount } = await this.client!.query(this.o.sql.heartbeat(this.o.runner.id, this.lockKey));
        if (!rowCount) {
          // Another runner declared this one lost: its attempts were failed and run elsewhere now.
          this.o.onDeclaredLost();
          await this.client!.query(this.o.sql.registerRunner({ ...this.o.runner, lockKey: this.lockKey }));
        }
        await this.sleep(this.o.heartbeatMs);
      } catch (error) {
        if (this.stopped) break;
        this.lastFailureAt = Date.now();
        this.o.reportError('liveness', error);
        // An error the server answered (a statement timeout under load, a lock wait) means this session is
        // alive: ending it would release the lock that proves this process alive, and any lost-runner pass
        // before it is taken again would declare the runner lost. Anything else may be a dead connection.
        if (!answeredByServer(error)) {
          const client = this.client;
          this.client = null;
          await client?.end().catch(() => {});
        }
        await this.sleep(reconnectDelay);
        reconnectDelay = Math.min(reconnectDelay * 2, 1000);
      }
    }
  }

  /** Sleeps until the next beat, or until the session drops or the runner stops. */
  private async sleep(ms: number): Promise<void> {
    if (this.stopped) return;
    if (this.interrupt.signal.aborted) {
      // woken before this sleep began (the session dropped): go round at once
      this.interrupt = new AbortController();
      return;
    }
    await abortableSleep(ms, this.interrupt.signal);
  }
}

/** A statement error from a session that still works (not a connection or server-shutdown failure). */
function answeredByServer(error: unknown): boolean {
  return error instanceof pg.DatabaseError && !/^(08|57P)/.test(error.code ?? '');
}
