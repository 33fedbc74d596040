// Records every statement this process sends (all pg clients: the runner's pool, pg-boss's, the listener),
// so an idle benchmark can say which query runs how often.
import pg from 'pg';

export interface QueryStat {
  statement: string;
  count: number;
  /** shortest gap between two runs of this statement, ms (null when it ran once) */
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
    let minGap: number | null = null;
    for (let i = 1; i < times.length; i++) minGap = Math.min(minGap ?? Infinity, times[i] - times[i - 1]);
    return { statement, count: times.length, minGapMs: minGap };
  });
}
