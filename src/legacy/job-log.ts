// What the bridge writes into a legacy row's `log` column: lines in the old worker's format
// (level letter, MMDD HH:MM:SS.mmm), one section per attempt, so IFDB's admin stays readable.
import type { JobDetail, LogLevel, QueueApi } from '../runner/types.ts';
import { MAX_LOG_CHARS } from './options.ts';

const LETTER: Record<LogLevel, string> = { debug: 'D', info: 'I', warn: 'W', error: 'E' };
/** Per attempt, only the tail can end up in the bounded column anyway. */
const TAIL_LINES_PER_ATTEMPT = 3000;

export function logLine(level: LogLevel, at: Date | string, text: string): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
  return `${LETTER[level]}${stamp} ${text}`;
}

export const bridgeLine = (level: LogLevel, text: string) => logLine(level, new Date(), `ifqueue bridge] ${text}`);

/** The run's log for the row: header, every attempt's lines (tail), and the outcome. */
export async function renderJobLog(api: Pick<QueueApi, 'getLog'>, job: JobDetail): Promise<string> {
  const lines = [bridgeLine('info', `ifqueue job ${job.id} ${job.task} ${JSON.stringify(job.args)}${job.name ? ` (${job.name})` : ''}`)];
  for (const a of job.attempts) {
    const where = a.host ? ` on ${a.host}${a.pid ? ` pid ${a.pid}` : ''}` : '';
    lines.push(logLine('info', a.startedAt, `ifqueue] attempt ${a.attempt}/${job.maxAttempts}${where}: ${a.outcome}${a.error ? `: ${a.error}` : ''}`));
    const afterSeq = Math.max(0, a.logLines - TAIL_LINES_PER_ATTEMPT);
    const log = await api.getLog(job.id, { attempt: a.attempt, afterSeq, limit: TAIL_LINES_PER_ATTEMPT + 10 });
    if (afterSeq > 0) lines.push(logLine('warn', a.startedAt, `ifqueue] … ${afterSeq} earlier lines not copied (ifqueue job ${job.id} has them) …`));
    for (const l of log) lines.push(logLine(l.level, l.ts, l.text));
  }
  lines.push(bridgeLine(job.state === 'completed' ? 'info' : 'error', outcomeText(job)));
  return bound(lines.join('\n'));
}

export function outcomeText(job: JobDetail): string {
  if (job.state === 'completed') return `completed`;
  if (job.state === 'cancelled') return `cancelled in ifqueue`;
  return `failed for good: ${job.error ?? 'no error recorded'}`;
}

/** Keeps the last MAX_LOG_CHARS characters (code points, as Python slicing did). */
export function bound(text: string): string {
  const chars = [...text];
  return chars.length <= MAX_LOG_CHARS ? text : chars.slice(-MAX_LOG_CHARS).join('');
}
