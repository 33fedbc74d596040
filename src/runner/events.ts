// Cross-process events: published with pg_notify on one channel, received on a dedicated LISTEN
// connection that reconnects by itself. The same connection hears pg-boss's "job created" channel,
// which wakes the queue workers.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { abortableSleep } from './sleep.ts';
import type { EventListener, EventName, RunnerEvents } from './types.ts';
import type { Queryable } from './db.ts';

export const EVENTS_CHANNEL = 'ifqueue_events';
// NOTIFY payloads are limited to 8000 bytes; keep a margin.
const MAX_PAYLOAD = 7800;

export type EventTuple = { [E in EventName]: [E, RunnerEvents[E]] }[EventName];

/** Splits events into NOTIFY payloads under the size limit; oversized log batches lose their inline lines. */
export function encodeEvents(origin: string, events: EventTuple[]): string[] {
  const payloads: string[] = [];
  let current: EventTuple[] = [];
  let size = 0;
  const flush = () => {
    if (current.length) payloads.push(JSON.stringify({ o: origin, e: current }));
    current = [];
    size = 0;
  };
  for (let ev of events) {
    let encoded = JSON.stringify(ev);
    if (Buffer.byteLength(encoded) > MAX_PAYLOAD - 100) {
      if (ev[0] === 'log:lines') {
        const { lines: _dropped, ...rest } = ev[1];
        ev = ['log:lines', rest];
      } else if (ev[0] === 'job:failed') {
        ev = ['job:failed', { ...ev[1], error: ev[1].error.slice(0, 2000) }];
      } else if (ev[0] === 'job:retried' || ev[0] === 'job:released' || ev[0] === 'job:cancelled') {
        ev = [ev[0], { ...(ev[1] as any), ids: (ev[1] as any).ids.slice(0, 100) }] as EventTuple;
      }
      encoded = JSON.stringify(ev);
    }
    const bytes = Buffer.byteLength(encoded);
    if (size + bytes > MAX_PAYLOAD - 100) flush();
    current.push(ev);
    size += bytes + 1;
  }
  flush();
  return payloads;
}

/** Sends events to every listening process (including this one) in one statement. */
export async function publishEvents(db: Queryable, origin: string, events: EventTuple[]): Promise<void> {
  if (!events.length) return;
  const payloads = encodeEvents(origin, events);
  await db.query(`SELECT pg_notify('${EVENTS_CHANNEL}', p) FROM unnest($1::text[]) AS p`, [payloads]);
}

export interface EventHubOptions {
  connectionString: string;
  /** pg-boss's notify channel name (job created in a queue) */
  bossChannel: string | null;
  applicationName: string;
}

export class EventHub {
  private readonly emitter = new EventEmitter();
  private client: pg.Client | null = null;
  private stopped = true;
  private loop: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private firstConnect: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  connected = false;

  constructor(private readonly options: EventHubOptions) {
    this.emitter.setMaxListeners(0);
  }

  on<E extends EventName>(event: E, listener: EventListener<E>): () => void {
    this.emitter.on(event, listener as (...a: unknown[]) => void);
    return () => this.emitter.off(event, listener as (...a: unknown[]) => void);
  }

  /** Called with a queue name when pg-boss announces a new job. */
  onWake(listener: (queue: string) => void): () => void {
    this.emitter.on('__wake', listener);
    return () => this.emitter.off('__wake', listener);
  }

  /** Called after the listener reconnected: notifications may have been missed. */
  onResync(listener: () => void): () => void {
    this.emitter.on('__resync', listener);
    return () => this.emitter.off('__resync', listener);
  }

  /** Emits an event in this process only. */
  emitLocal<E extends EventName>(event: E, payload: RunnerEvents[E]): void {
    this.emitter.emit(event, payload);
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    const ready = new Promise<void>((resolve, reject) => (this.firstConnect = { resolve, reject }));
    this.loop = this.run();
    await ready;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
    await this.loop;
  }

  private async run(): Promise<void> {
    let delay = 250;
    let everConnected = false;
    while (!this.stopped) {
      try {
        await this.connectOnce();
        if (everConnected) this.emitter.emit('__resync');
        everConnected = true;
        delay = 250;
        this.setConnected(true);
        this.firstConnect?.resolve();
        this.firstConnect = null;
        await new Promise<void>((resolve) => {
          this.client!.once('end', resolve);
          this.client!.once('error', () => resolve());
        });
      } catch (error) {
        if (this.firstConnect) {
          this.firstConnect.reject(error);
          this.firstConnect = null;
          this.stopped = true;
          return;
        }
        this.setConnected(false, (error as Error).message);
      }
      if (this.stopped) break;
      this.setConnected(false, 'listener connection lost');
      const old = this.client;
      this.client = null;
      old?.end().catch(() => {});
      await abortableSleep(delay, this.abort.signal);
      delay = Math.min(delay * 2, 5000);
    }
  }

  private async connectOnce(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
    });
    client.on('error', () => {});
    client.on('notification', (msg) => this.dispatch(msg.channel, msg.payload ?? ''));
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    if (this.options.bossChannel) await client.query(`LISTEN "${this.options.bossChannel}"`);
  }

  private setConnected(connected: boolean, error?: string) {
    if (this.connected === connected) return;
    this.connected = connected;
    this.emitter.emit('db:status', connected ? { connected } : { connected, error });
  }

  private dispatch(channel: string, payload: string) {
    if (channel !== EVENTS_CHANNEL) {
      this.emitter.emit('__wake', payload);
      return;
    }
    let parsed: { o: string; e: EventTuple[] };
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    for (const [name, body] of parsed.e ?? []) {
      try {
        this.emitter.emit(name, body);
      } catch (error) {
        // A listener's bug must not stop delivery to the others.
        process.emitWarning(`ifqueue event listener for ${name} threw: ${(error as Error).message}`);
      }
    }
  }
}
