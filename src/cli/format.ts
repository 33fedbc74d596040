// Plain-text output for the CLI: durations, relative times, tables.
import type { JobSummary } from '../runner/types.ts';
import { sanitizeLine } from '../text/terminal.ts';

export { sanitizeLine };

export { parseDuration } from '../text/duration.ts';

export function formatDuration(seconds: number | null): string {
  if (seconds == null) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)}h` : ''}`;
}

/** A count for text output: "≥ 10 000" when it is a capped lower bound. */
export function countText(n: number, capped: boolean): string {
  return capped ? `≥ ${n.toLocaleString('en-US').replace(/,/g, ' ')}` : String(n);
}

export function ago(iso: string | null): string {
  if (!iso) return '—';
  return formatDuration((Date.now() - new Date(iso).getTime()) / 1000) + ' ago';
}

/**
 * Writes lines to stdout, each made terminal-safe (src/text/terminal.ts): a newline, tab or escape
 * sequence inside a job name, error or log line can never start a fake line or row.
 */
export function printLines(lines: readonly string[], stream: NodeJS.WritableStream = process.stdout): void {
  stream.write(lines.map(sanitizeLine).join('\n') + '\n');
}

/** Columns aligned by characters; every cell is sanitised first, so a cell is always one line. */
export function table(rows: string[][], headers: string[]): string {
  const all = [headers, ...rows].map((row) => row.map(sanitizeLine));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  return all.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function jobRow(j: JobSummary): string[] {
  return [
    j.id,
    j.task,
    sanitizeLine(j.name ?? '—').slice(0, 40),
    j.blocked ? 'created (waiting for dependency)' : j.state,
    String(j.priority),
    `${j.attempt}/${j.maxAttempts}`,
    ago(j.createdAt),
    sanitizeLine(j.error ?? '').slice(0, 60),
  ];
}
export const JOB_HEADERS = ['id', 'task', 'name', 'state', 'prio', 'att', 'created', 'error'];

/**
 * JSON for terminals and programs alike: exact data, but DEL, C1 controls (the 8-bit CSI U+009B …) and
 * bidi overrides are written as \uXXXX escapes, which JSON.stringify leaves raw.
 */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}
