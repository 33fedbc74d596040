// Records every statement this process sends (all pg clients: the runner's pool, pg-boss's, the listener),
// so an idle benchmark can say which query runs how often.
import pg from 'pg';

const BURST_MS = 1000;

export interface QueryStat {
  statement: string;
  count: number;
  /** shortest gap between two wake-ups that ran this statement, ms (null when it ran in one wake-up only) */
  minGapMs: number | null;
}

const log: { at: number; text: string }[] = [];
let recording = false;
const original = pg.Client.prototype.query;

export function installQueryLog(): void {
  (pg.Client.prototype as any).query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
    if (recording) {
      const text = typeof config === 'string' ? config : ((config as { text?: string })?.text ?? String(config));
      log.push({ at: performance.now(), text: text.replace(/\s+/g, ' ').trim().slice(0, 90) });
    }
    return (original as any).call(this, config, ...rest);
  };
}

export function startRecording(): void {
  log.length = 0;
  recording = true;
}

export function stopRecording(): QueryStat[] {
  recording = false;
  const by = new Map<string, number[]>();
  for (const e of log) {
    const list = by.get(e.text) ?? [];
    list.push(e.at);
    by.set(e.text, list);
  }
  return [...by].map(([statement, times]) => {
    // runs of one statement within a second (one pass over several queues, BEGIN/COMMIT of one
    // transaction) count as one wake-up; the gap is between wake-ups
    const wakeUps = times.filter((t, i) => i === 0 || t - times[i - 1] > BURST_MS);
    let minGap: number | null = null;
    for (let i = 1; i < wakeUps.length; i++) minGap = Math.min(minGap ?? Infinity, wakeUps[i] - wakeUps[i - 1]);
    return { statement, count: times.length, minGapMs: minGap };
  });
}
