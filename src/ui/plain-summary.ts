// What `ifqueue` prints instead of the dashboard when stdout is not a terminal.
import type { QueueApi } from '../runner/types.ts';
import { displayDsn } from './dsn.ts';
import { sanitizeLine } from '../text/terminal.ts';
import { clock, count, duration, until, since } from './format.ts';

/** Exact counts in the plain summary; a capped one (a lower bound) as ≥10k. */
const exact = (n: number, capped = false) => (capped ? count(n, true) : String(n));
import { columns } from './text.ts';
import { errorLine } from './errors.ts';

export async function printPlainSummary(api: QueueApi, out: NodeJS.WritableStream): Promise<void> {
  let snapshot;
  try {
    snapshot = await api.snapshot();
  } catch (error) {
    throw new Error(`cannot read the queue from ${displayDsn(api.database)}: ${errorLine(error)}`, { cause: error });
  }
  const now = Date.parse(snapshot.takenAt) || Date.now();
  const t = snapshot.totals;
  const lines = [
    `ifqueue  ${displayDsn(snapshot.database)}  at ${snapshot.takenAt}`,
    `totals: waiting ${exact(t.waiting, t.capped?.includes('waiting'))}, scheduled ${exact(t.scheduled, t.capped?.includes('scheduled'))}, active ${t.active}, retry ${t.retry}, failed ${t.failed}, done 1h ${t.completedLastHour}, failed 1h ${t.failedLastHour}`,
    '',
    columns([['queue', 26], ['waiting', 8, 'right'], ['sched', 6, 'right'], ['active', 7, 'right'], ['retry', 6, 'right'], ['failed', 7, 'right'], ['done 1h', 8, 'right'], ['done 24h', 9, 'right'], ['oldest', 8, 'right'], ['paused', 6]]),
    ...snapshot.queues.map((q) =>
      columns([
        [sanitizeLine(q.task), 26], [exact(q.waiting, q.capped?.includes('waiting')), 8, 'right'], [exact(q.scheduled, q.capped?.includes('scheduled')), 6, 'right'], [String(q.active), 7, 'right'], [String(q.retry), 6, 'right'],
        [String(q.failed), 7, 'right'], [String(q.completedLastHour), 8, 'right'], [String(q.completedLastDay), 9, 'right'],
        [q.oldestWaitingSeconds == null ? '-' : duration(q.oldestWaitingSeconds * 1000), 8, 'right'], [q.paused ? 'yes' : 'no', 6],
      ]).trimEnd(),
    ),
    '',
    `runners: ${snapshot.runners.length === 0 ? 'none' : ''}`,
    ...snapshot.runners.map((r) => `  ${sanitizeLine(r.host)} pid ${r.pid} ${r.kind} up ${since(r.startedAt, now)} ${r.alive ? `seen ${since(r.lastSeenAt, now)} ago` : 'GONE'}: ${r.queues.map(sanitizeLine).join(' ') || '(watching)'}`),
    `schedules: ${snapshot.schedules.length === 0 ? 'none' : ''}`,
    ...snapshot.schedules.map((s) => `  ${sanitizeLine(s.task)} (${sanitizeLine(s.key)}) ${sanitizeLine(s.cron)} ${sanitizeLine(s.tz)} ${s.paused ? 'paused' : `next ${clock(s.nextRuns[0], now)} (${until(s.nextRuns[0], now)})`} last ${s.lastOutcome ?? '-'}`),
  ];
  out.write(lines.join('\n') + '\n');
}
