// The job detail's info pane as lines: every value in full, long ones wrapped by hand to the width.
import type { JobDetail } from '../../runner/types.ts';
import type { Token } from '../theme.ts';
import { sanitizeLine, sanitizeLines } from '../../text/terminal.ts';
import { hardWrap } from '../text.ts';
import { prettyJson, runTime, timestamp } from '../format.ts';

export interface Line {
  text: string;
  tone: Token;
}

const LABEL = 12;

function field(label: string, value: string, tone: Token = 'text'): Line[] {
  return [{ text: label.padEnd(LABEL) + sanitizeLine(value), tone }];
}

function block(title: string, text: string, tone: Token = 'text'): Line[] {
  return [{ text: title, tone: 'title' }, ...sanitizeLines(text).map((l) => ({ text: `  ${l}`, tone }))];
}

function options(job: JobDetail): string {
  const o = job.options;
  return [
    `retries ${o.retryLimit}`, `delay ${o.retryDelay}s`, `backoff ${o.retryBackoff ? 'on' : 'off'}`,
    `max delay ${o.retryDelayMax == null ? '—' : `${o.retryDelayMax}s`}`, `expires ${o.expireSeconds}s`, `legacy id ${o.legacyId ?? '—'}`,
  ].join(', ');
}

export function jobInfoLines(job: JobDetail): Line[] {
  const lines: Line[] = [
    ...field('State', `${job.state}${job.blocked ? ' (blocked by its dependency)' : ''}, attempt ${job.attempt} of ${job.maxAttempts}`),
    ...field('Id', job.id),
    ...field('Task', job.task),
    ...field('Name', job.name ?? '—'),
    ...field('Priority', `${job.priority} (lower runs sooner)`),
    ...field('Created', timestamp(job.createdAt)),
    ...field('Start after', timestamp(job.startAfter)),
    ...field('Started', timestamp(job.startedAt)),
    ...field('Finished', timestamp(job.finishedAt)),
    ...field('Depends on', job.dependsOn ?? '—'),
    ...field('Dependents', job.dependents.length ? job.dependents.join(', ') : '—'),
    ...field('On fail', `${job.options.onFail ?? '—'}${job.onFailJobId ? ` (job ${job.onFailJobId})` : ''}`),
    ...field('Options', options(job)),
    { text: '', tone: 'text' },
    ...block('Args', prettyJson(job.args)),
  ];
  if (job.output !== null && job.output !== undefined) lines.push({ text: '', tone: 'text' }, ...block('Output', prettyJson(job.output)));
  lines.push({ text: '', tone: 'text' }, { text: `Attempts (${job.attempts.length})`, tone: 'title' });
  for (const a of job.attempts) {
    const took = a.finishedAt ? runTime(Date.parse(a.finishedAt) - Date.parse(a.startedAt)) : 'running';
    const where = a.host ? `${a.host} pid ${a.pid ?? '?'}` : 'runner unknown';
    const dropped = a.truncatedLines ? `, ${a.truncatedLines} dropped` : '';
    lines.push({ text: sanitizeLine(`  #${a.attempt}  ${timestamp(a.startedAt)} → ${timestamp(a.finishedAt)} (${took})  ${a.outcome}  ${where}  ${a.logLines} log lines${dropped}`), tone: a.outcome === 'failed' || a.outcome === 'expired' || a.outcome === 'lost' ? 'error' : 'text' });
    // The message only: the stack is one key away (e), a screenful per failed attempt would bury the rest.
    const message = firstLine(a.error ?? a.errorStack);
    if (message) lines.push({ text: `      ${message}${a.errorStack ? '   (e: stack)' : ''}`, tone: 'error' });
  }
  if (job.attempts.length === 0) lines.push({ text: '  none yet', tone: 'muted' });
  const lastError = firstLine(job.error ?? job.errorStack);
  if (lastError && !job.attempts.some((a) => firstLine(a.error ?? a.errorStack) === lastError)) {
    lines.push({ text: '', tone: 'text' }, { text: 'Error', tone: 'title' }, { text: `  ${lastError}${job.errorStack ? '   (e: stack)' : ''}`, tone: 'error' });
  }
  return lines;
}

function firstLine(text: string | null | undefined): string {
  return text ? (sanitizeLines(text).find((l) => l.trim() !== '') ?? '').trim() : '';
}

/** The error stack of an attempt (the job's own for the latest, when the attempt has none), or null. */
export function attemptStack(job: JobDetail, attempt: number): string | null {
  const a = job.attempts.find((x) => x.attempt === attempt);
  const latest = attempt >= job.attempts.length;
  return a?.errorStack ?? (latest ? job.errorStack : null) ?? a?.error ?? (latest ? job.error : null) ?? null;
}

/** The stack pane's lines: the stack of the shown attempt, wrapped to the width. */
export function stackLines(job: JobDetail, attempt: number, width: number): Line[] {
  const stack = attemptStack(job, attempt);
  if (!stack) return [{ text: `  attempt ${attempt || '—'} has no error`, tone: 'muted' }];
  // Frames wrap with a hanging indent, so a long path still reads as one frame.
  return sanitizeLines(stack).flatMap((l, i) => {
    const [first, ...rest] = hardWrap(i === 0 ? l : `  ${l.trimStart()}`, width);
    const more = rest.length ? hardWrap(rest.join(''), Math.max(1, width - 4)).map((r) => `    ${r}`) : [];
    return [first ?? '', ...more].map((text) => ({ text, tone: (i === 0 ? 'error' : 'text') as Token }));
  });
}

/** The info lines wrapped to the pane's width. */
export function wrappedInfoLines(job: JobDetail, width: number): Line[] {
  return jobInfoLines(job).flatMap((l) => (l.text === '' ? [l] : hardWrap(l.text, width).map((text) => ({ text, tone: l.tone }))));
}

export function infoLineCount(job: JobDetail, width: number): number {
  return wrappedInfoLines(job, width).length;
}
