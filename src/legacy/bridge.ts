// The legacy bridge: takes new legacy rows into ifqueue and writes the outcomes back. Wakes on the
// insert trigger's NOTIFY, on SIGUSR1 (when it holds WORKER_PID_FILE), on job events, and polls as
// a safety net, so a new row is picked up well within a second. Usable from the CLI and the daemon.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Runner } from '../runner/runner.ts';
import { errorMessage } from '../runner/errors.ts';
import { abortableSleep } from '../runner/sleep.ts';
import { listenLegacy, type LegacyListener } from './listener.ts';
import { legacyOptionsFromEnv, type LegacyOptions } from './options.ts';
import { takeOverPidFile, type PidFileLease } from './pid-file.ts';
import { ensureLegacyStore, legacyTableExists, setBridgeSwitch, setTrigger } from './store.ts';
import { syncPass, type SyncEvent } from './sync.ts';
import { takePass, type TakeEvent } from './take.ts';

export type BridgeEvent =
  | TakeEvent
  | ({ kind: 'written' } & SyncEvent)
  | { kind: 'switch'; enabled: boolean }
  | { kind: 'table'; present: boolean };

export interface BridgeOptions extends Partial<LegacyOptions> {
  /** turn bridging on at start (installs the take guard, flips the switch); otherwise follow the switch as `legacy bridge`/`rollback` set it */
  enable?: boolean;
  /** also install the NOTIFY-on-insert trigger */
  installTrigger?: boolean;
  /** write this process's pid into WORKER_PID_FILE so Enqueue()'s SIGUSR1 wakes the bridge (restored on stop); default: IFQUEUE_LEGACY_OWN_PID_FILE=1 */
  ownPidFile?: boolean;
  /** safety-net poll (default 1000 ms) */
  pollMs?: number;
  batch?: number;
  onEvent?: (event: BridgeEvent) => void;
  onError?: (where: string, message: string) => void;
}

export interface Bridge {
  readonly id: string;
  /** run a pass now */
  wake(): void;
  /** resolves after a complete pass that started after this call (tests, CLI) */
  settled(): Promise<void>;
  /** idempotent; the runner stays up (stop the bridge before the runner) */
  stop(): Promise<void>;
}

const HEARTBEAT_MS = 2000;
const MIN_GAP_MS = 25;
const TABLE_RECHECK_MS = 30_000;

/** Turns bridging on: the take guard first (so the old worker cannot start what the bridge takes), then the switch. */
export async function enableBridging(runner: Runner, options: { installTrigger?: boolean; by?: string } = {}): Promise<void> {
  await runner.start();
  await ensureLegacyStore(runner.db);
  await setTrigger(runner.db, 'guard', true);
  if (options.installTrigger) await setTrigger(runner.db, 'notify', true);
  await setBridgeSwitch(runner.db, true, options.by ?? `${hostname()} pid ${process.pid}`);
}

export async function startBridge(runner: Runner, options: BridgeOptions = {}): Promise<Bridge> {
  const o = legacyOptionsFromEnv(process.env, options);
  const pollMs = options.pollMs ?? 1000;
  const batch = options.batch ?? 100;
  const emit = (e: BridgeEvent) => options.onEvent?.(e);
  const report = (where: string, error: unknown) =>
    options.onError ? options.onError(where, errorMessage(error)) : process.stderr.write(`ifqueue: legacy ${where}: ${errorMessage(error)}\n`);
  await runner.start();
  await ensureLegacyStore(runner.db);
  if (options.enable) await enableBridging(runner, { installTrigger: options.installTrigger });
  else if (options.installTrigger) await setTrigger(runner.db, 'notify', true);

  const id = randomUUID();
  let wakeController = new AbortController();
  let stopped = false;
  let waiters: (() => void)[] = [];
  const wake = () => wakeController.abort();

  const ownPidFile = options.ownPidFile ?? process.env.IFQUEUE_LEGACY_OWN_PID_FILE === '1';
  let lease: PidFileLease | null = ownPidFile ? takeOverPidFile(o.pidFile) : null;
  const onSignal = () => wake();
  if (lease) process.on('SIGUSR1', onSignal);
  const beat = () =>
    runner.db.query(
      `INSERT INTO ifqueue.legacy_bridge (id, host, pid, owns_pid_file) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET last_seen = now(), owns_pid_file = EXCLUDED.owns_pid_file`,
      [id, hostname(), process.pid, !!lease],
    );
  await beat();
  await runner.db.query(`DELETE FROM ifqueue.legacy_bridge WHERE last_seen < now() - interval '1 day'`);

  const listener: LegacyListener = listenLegacy(runner.db, wake, (e) => report('listen', e));
  const offs = [
    runner.on('job:started', wake),
    runner.on('job:completed', wake),
    runner.on('job:failed', (e) => {
      if (!e.willRetry) wake();
    }),
    runner.on('job:cancelled', wake),
    runner.on('job:deleted', wake),
  ];

  let enabled: boolean | null = null;
  let tablePresent: boolean | null = null;
  let lastBeat = Date.now();
  let lastTableCheck = 0;

  async function pass(): Promise<void> {
    if (Date.now() - lastBeat >= HEARTBEAT_MS) {
      lastBeat = Date.now();
      await beat();
    }
    if (tablePresent !== true && Date.now() - lastTableCheck >= TABLE_RECHECK_MS) {
      lastTableCheck = Date.now();
      const present = await legacyTableExists(runner.db);
      if (present !== tablePresent) emit({ kind: 'table', present });
      tablePresent = present;
    }
    if (!tablePresent) return;
    let result;
    do {
      result = await takePass(runner, batch);
      for (const e of result.events) emit(e);
    } while (result.enabled && result.locked === batch && !stopped);
    if (result.enabled !== enabled) {
      enabled = result.enabled;
      emit({ kind: 'switch', enabled });
      // Switched off (rollback): give the pid file back, so Enqueue() wakes the old worker again.
      if (!enabled && lease) {
        lease.release();
        lease = null;
        process.off('SIGUSR1', onSignal);
        await beat();
      }
    }
    let written: SyncEvent[];
    do {
      written = await syncPass(runner);
      for (const e of written) emit({ kind: 'written', ...e });
    } while (written.length >= 200 && !stopped);
  }

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      if (wakeController.signal.aborted) wakeController = new AbortController();
      const current = waiters.splice(0);
      try {
        await pass();
        failures = 0;
      } catch (error) {
        if (failures++ % 30 === 0) report('bridge', error);
        if (/does not exist/.test(errorMessage(error))) tablePresent = null;
      }
      for (const w of current) w();
      if (stopped) break;
      await abortableSleep(MIN_GAP_MS);
      await abortableSleep(failures ? Math.min(pollMs * 2 ** Math.min(failures, 3), 10_000) : pollMs, wakeController.signal);
    }
  })();

  let stopping: Promise<void> | null = null;
  return {
    id,
    wake,
    settled() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        wake();
      });
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        wake();
        await loop;
        for (const w of waiters.splice(0)) w();
        waiters = [];
        offs.forEach((off) => off());
        await listener.stop();
        process.off('SIGUSR1', onSignal);
        lease?.release();
        await runner.db.query(`DELETE FROM ifqueue.legacy_bridge WHERE id = $1`, [id]).catch(() => {});
      })();
      return stopping;
    },
  };
}
