// The open job: its detail, the log lines received so far, and how the log pane is scrolled.
import type { JobDetail, JobProgress, LogLine } from '../../runner/types.ts';
import type { SliceCreator } from './index.ts';

/** the log, everything else about the job, or the shown attempt's error stack */
export type DetailPane = 'log' | 'info' | 'stack';

export interface DetailState {
  jobId: string | null;
  job: JobDetail | null;
  /** getJob answered null */
  missing: boolean;
  error: string | null;
  /** attempt whose log is shown; null means the latest */
  attempt: number | null;
  log: LogLine[];
  /** like tail -f: stay at the end as lines arrive */
  follow: boolean;
  /** first visible log line when not following */
  logScroll: number;
  pane: DetailPane;
  /** first visible line of the info or stack pane */
  infoScroll: number;
}

export interface DetailSlice {
  detail: DetailState;
  openDetail(jobId: string): void;
  setDetailJob(jobId: string, job: JobDetail | null): void;
  setDetailError(jobId: string, error: string): void;
  setDetailProgress(jobId: string, progress: JobProgress): void;
  /** shows another attempt's log (the lines are reloaded) */
  setDetailAttempt(attempt: number | null): void;
  appendLog(jobId: string, lines: readonly LogLine[]): void;
  setFollow(follow: boolean): void;
  setLogScroll(scroll: number): void;
  setPane(pane: DetailPane): void;
  setInfoScroll(scroll: number): void;
}

/** Appends lines, dropping any already held: followLog promises no repeats, but a reconnect may replay. */
export function mergeLog(log: LogLine[], lines: readonly LogLine[]): LogLine[] {
  const last = log[log.length - 1];
  const fresh = last ? lines.filter((l) => l.attempt > last.attempt || (l.attempt === last.attempt && l.seq > last.seq)) : lines;
  return fresh.length ? log.concat(fresh) : log;
}

/** The attempt whose log is on screen: the chosen one, else the latest the job or its log has seen. */
export function shownAttempt(d: DetailState): number {
  if (d.attempt !== null) return d.attempt;
  return Math.max(d.job?.attempts.length ?? 0, d.job?.attempt ?? 0, d.log[d.log.length - 1]?.attempt ?? 0);
}

const shownCache = new WeakMap<LogLine[], { attempt: number; lines: LogLine[] }>();

/**
 * The lines of the shown attempt. The latest attempt's log is followed without an attempt filter (so a
 * retry's first lines appear as it starts), which delivers earlier attempts' lines too: they are not shown.
 */
export function shownLog(d: DetailState): LogLine[] {
  const attempt = shownAttempt(d);
  const cached = shownCache.get(d.log);
  if (cached?.attempt === attempt) return cached.lines;
  const lines = d.log.every((l) => l.attempt === attempt) ? d.log : d.log.filter((l) => l.attempt === attempt);
  shownCache.set(d.log, { attempt, lines });
  return lines;
}

function freshDetail(jobId: string | null): DetailState {
  return { jobId, job: null, missing: false, error: null, attempt: null, log: [], follow: true, logScroll: 0, pane: 'log', infoScroll: 0 };
}

export const createDetailSlice: SliceCreator<DetailSlice> = (set) => {
  const update = (jobId: string | null, fn: (d: DetailState) => Partial<DetailState> | null) =>
    set((s) => {
      if (jobId !== null && s.detail.jobId !== jobId) return {};
      const patch = fn(s.detail);
      return patch ? { detail: { ...s.detail, ...patch } } : {};
    });
  return {
    detail: freshDetail(null),
    openDetail: (jobId) => set({ detail: freshDetail(jobId) }),
    setDetailJob: (jobId, job) => update(jobId, () => ({ job, missing: job === null, error: null })),
    setDetailError: (jobId, error) => update(jobId, () => ({ error })),
    setDetailProgress: (jobId, progress) => update(jobId, (d) => (d.job ? { job: { ...d.job, progress } } : null)),
    setDetailAttempt: (attempt) => update(null, () => ({ attempt, log: [], logScroll: 0, follow: true })),
    appendLog: (jobId, lines) =>
      update(jobId, (d) => {
        const log = mergeLog(d.log, lines);
        return log === d.log ? null : { log };
      }),
    setFollow: (follow) => update(null, () => ({ follow })),
    setLogScroll: (logScroll) => update(null, () => ({ logScroll: Math.max(0, logScroll) })),
    setPane: (pane) => update(null, (d) => (d.pane === pane ? null : { pane, infoScroll: 0 })),
    setInfoScroll: (infoScroll) => update(null, () => ({ infoScroll: Math.max(0, infoScroll) })),
  };
};
