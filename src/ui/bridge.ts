// The one place runner events enter the store. Bursts are coalesced: at most one store write per flush
// interval (about 10 a second), counts re-read at most every couple of seconds and only after a change,
// and while idle nothing runs but a slow safety refresh.
import type { EventName, JobProgress, LogLine, QueueApi, RunnerEvents } from '../runner/types.ts';
import type { DashboardState, DashboardStore } from './store/index.ts';
import { mergeLog } from './store/detail-slice.ts';
import { errorLine } from './errors.ts';

export interface BridgeTiming {
  /** minimum time between two event-driven store writes */
  flushMs: number;
  /** minimum time between two snapshot reads */
  countsMinMs: number;
  /** refresh even without events (another process may have changed rows without notifying) */
  safetyMs: number;
  /** first reconnect delay while the database is down; doubles up to maxRetryMs */
  retryMs: number;
  maxRetryMs: number;
}

export const DEFAULT_TIMING: BridgeTiming = { flushMs: 100, countsMinMs: 2000, safetyMs: 30_000, retryMs: 2000, maxRetryMs: 15_000 };

export interface Bridge {
  start(): void;
  stop(): void;
  /** re-read counts and lists soon (after a user action), still coalesced */
  refresh(): void;
  /** streams a job's log into the store while the detail screen is open; returns the unsubscribe */
  follow(jobId: string, attempt?: number): () => void;
}

const EVENTS: readonly EventName[] = [
  'job:created', 'job:started', 'job:progress', 'job:completed', 'job:failed', 'job:retried', 'job:released', 'job:cancelled', 'job:deleted',
  'log:lines', 'schedule:fired', 'schedule:changed', 'queue:changed', 'runner:up', 'runner:down', 'db:status',
];

interface Pending {
  countsDirty: boolean;
  touched: Set<string>;
  /** a delete or bulk change without ids: the open job may be affected */
  touchedAll: boolean;
  progress: Map<string, JobProgress>;
  lines: Map<string, LogLine[]>;
  db: RunnerEvents['db:status'] | null;
}

function emptyPending(): Pending {
  return { countsDirty: false, touched: new Set(), touchedAll: false, progress: new Map(), lines: new Map(), db: null };
}

export function createBridge(api: QueueApi, store: DashboardStore, timing: BridgeTiming = DEFAULT_TIMING): Bridge {
  let pending = emptyPending();
  let running = false;
  let unsubscribers: Array<() => void> = [];
  let flushTimer: NodeJS.Timeout | null = null;
  let lastFlushAt = 0;
  let snapshotTimer: NodeJS.Timeout | null = null;
  let snapshotInFlight = false;
  let snapshotAgain = false;
  let lastSnapshotAt = 0;
  let lastSnapshotKey = '';
  let recovering = false;
  let retryDelay = timing.retryMs;
  let safetyTimer: NodeJS.Timeout | null = null;

  const write = (patch: Partial<DashboardState>) => store.setState(patch);

  function scheduleFlush(): void {
    if (!running || flushTimer) return;
    const wait = Math.max(0, lastFlushAt + timing.flushMs - Date.now());
    flushTimer = setTimeout(flush, wait);
  }

  function flush(): void {
    flushTimer = null;
    lastFlushAt = Date.now();
    const p = pending;
    pending = emptyPending();
    const s = store.getState();
    const patch: Partial<DashboardState> = {};
    const openId = s.detail.jobId;
    if (openId) {
      let detail = s.detail;
      const lines = p.lines.get(openId);
      if (lines) {
        const shown = detail.attempt === null ? lines : lines.filter((l) => l.attempt === detail.attempt);
        const log = mergeLog(detail.log, shown);
        if (log !== detail.log) detail = { ...detail, log };
      }
      const progress = p.progress.get(openId);
      if (progress && detail.job) detail = { ...detail, job: { ...detail.job, progress } };
      if (detail !== s.detail) patch.detail = detail;
      if (p.touchedAll || p.touched.has(openId)) patch.detailVersion = s.detailVersion + 1;
    }
    if (p.db) {
      // After an outage everything is read again and redrawn, even if the counts look the same.
      if (!p.db.connected) recovering = true;
      patch.connected = p.db.connected;
      patch.dbError = p.db.connected ? null : errorLine(p.db.error ?? 'connection lost');
    }
    if (Object.keys(patch).length > 0) write(patch);
    if (p.db?.connected === true) requestSnapshot(true);
    else if (p.countsDirty) requestSnapshot(false);
  }

  function requestSnapshot(now: boolean): void {
    if (!running) return;
    if (snapshotInFlight) {
      snapshotAgain = true;
      return;
    }
    const wait = now ? 0 : Math.max(0, lastSnapshotAt + timing.countsMinMs - Date.now());
    if (snapshotTimer) {
      if (!now) return;
      clearTimeout(snapshotTimer);
    }
    snapshotTimer = setTimeout(takeSnapshot, wait);
  }

  async function takeSnapshot(): Promise<void> {
    snapshotTimer = null;
    snapshotInFlight = true;
    lastSnapshotAt = Date.now();
    try {
      const snapshot = await api.snapshot();
      if (!running) return;
      retryDelay = timing.retryMs;
      const s = store.getState();
      // The safety refresh mostly finds nothing new; an unchanged snapshot must not cost a frame.
      const key = JSON.stringify({ ...snapshot, takenAt: null });
      if (key === lastSnapshotKey && s.connected === true && !recovering) return;
      lastSnapshotKey = key;
      // Lists and the open job reload with the counts, so the numbers on screen agree with each other.
      write({ snapshot, connected: true, dbError: null, jobsVersion: s.jobsVersion + 1, detailVersion: recovering ? s.detailVersion + 1 : s.detailVersion });
      recovering = false;
    } catch (error) {
      if (!running) return;
      recovering = true;
      write({ connected: false, dbError: errorLine(error) });
      // Reconnecting is not idle polling: keep trying, backing off, until the database answers.
      snapshotTimer = setTimeout(takeSnapshot, retryDelay);
      retryDelay = Math.min(retryDelay * 2, timing.maxRetryMs);
    } finally {
      snapshotInFlight = false;
      if (snapshotAgain && running) {
        snapshotAgain = false;
        requestSnapshot(false);
      }
    }
  }

  function onEvent<E extends EventName>(event: E, payload: RunnerEvents[E]): void {
    const p = pending;
    switch (event) {
      case 'log:lines':
        // The open job's lines come through follow() (followLog), which also fetches what a notification could not hold.
        return;
      case 'job:progress': {
        const e = payload as RunnerEvents['job:progress'];
        p.progress.set(e.id, e.progress);
        break;
      }
      case 'db:status':
        p.db = payload as RunnerEvents['db:status'];
        break;
      case 'job:retried':
      case 'job:released':
      case 'job:cancelled': {
        const e = payload as { ids: string[] };
        for (const id of e.ids) p.touched.add(id);
        p.countsDirty = true;
        break;
      }
      case 'job:deleted':
        p.touchedAll = true;
        p.countsDirty = true;
        break;
      case 'job:created':
      case 'job:started':
      case 'job:completed':
      case 'job:failed':
        p.touched.add((payload as { id: string }).id);
        p.countsDirty = true;
        break;
      default:
        p.countsDirty = true;
    }
    scheduleFlush();
  }

  return {
    start() {
      if (running) return;
      running = true;
      unsubscribers = EVENTS.map((event) => api.on(event, (payload) => onEvent(event, payload)));
      requestSnapshot(true);
      safetyTimer = setInterval(() => requestSnapshot(true), timing.safetyMs);
    },
    stop() {
      if (!running) return;
      running = false;
      for (const off of unsubscribers) off();
      unsubscribers = [];
      for (const t of [flushTimer, snapshotTimer]) if (t) clearTimeout(t);
      if (safetyTimer) clearInterval(safetyTimer);
      flushTimer = snapshotTimer = safetyTimer = null;
    },
    refresh() {
      requestSnapshot(true);
    },
    follow(jobId, attempt) {
      let closed = false;
      let off: (() => void) | null = null;
      const onLines = (lines: LogLine[]) => {
        if (closed || lines.length === 0) return;
        const held = pending.lines.get(jobId);
        pending.lines.set(jobId, held ? held.concat(lines) : lines);
        scheduleFlush();
      };
      api.followLog(jobId, onLines, attempt === undefined ? undefined : { attempt }).then(
        (unsubscribe) => (closed ? unsubscribe() : (off = unsubscribe)),
        (error) => {
          const detail = store.getState().detail;
          if (!closed && detail.jobId === jobId) write({ detail: { ...detail, error: `log: ${errorLine(error)}` } });
        },
      );
      return () => {
        closed = true;
        off?.();
      };
    },
  };
}
