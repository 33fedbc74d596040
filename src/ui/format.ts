// Short human forms of times, durations, ids and arguments for list cells.
import { sanitizeLine } from '../text/terminal.ts';

/** 12s, 4m, 3h 12m, 2d 4h — compact for columns. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 && m < 10 ? `${m}m ${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** Milliseconds as "850ms" or "2.1s" or "4m 12s", for run times. */
export function runTime(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return duration(ms);
}

export function since(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '—' : duration(now - t);
}

/**
 * A past event: "2m ago". A moment the clock has not reached yet (the database's clock runs a little ahead
 * of this machine's, or the event is newer than the last tick) is still past: "just now", never "in 3s".
 */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return now - t < 1000 ? 'just now' : `${duration(now - t)} ago`;
}

/** A coming moment: "in 3h 12m"; one already reached is "due now", never "3s ago". */
export function until(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return t - now < 1000 ? 'due now' : `in ${duration(t - now)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Local wall-clock time HH:MM, with the date when it is not today. */
export function clock(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return hm;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${hm}`;
}

/** Full local timestamp for detail views: 2024-05-01 14:36:02. */
export function timestamp(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** 14:40:10.221 for log lines. */
export function logTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '??:??:??.???';
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** 3f2a…c81 for uuids; short ids stay whole. */
export function shortId(id: string): string {
  const s = sanitizeLine(id);
  return s.length <= 10 ? s : `${s.slice(0, 4)}…${s.slice(-3)}`;
}

/** Compact one-line args: {urlId:10231} rather than {"urlId":10231}. */
export function argsSummary(args: unknown): string {
  if (args === undefined || args === null) return '—';
  let json: string;
  try {
    json = JSON.stringify(args) ?? String(args);
  } catch {
    json = String(args);
  }
  return sanitizeLine(json.replace(/"([A-Za-z_$][\w$]*)":/g, '$1:'));
}

export function prettyJson(value: unknown): string {
  if (value === undefined) return '—';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the last `width` buckets, scaled to the largest; empty buckets show as the lowest bar. */
export function sparkline(values: readonly number[], width: number): string {
  const tail = values.slice(-width);
  const max = Math.max(0, ...tail);
  const bars = tail.map((v) => (max === 0 || v <= 0 ? BARS[0] : BARS[Math.max(1, Math.round((v / max) * (BARS.length - 1)))]));
  return bars.join('').padStart(width, BARS[0]);
}

/** A count in a narrow column; capped (a lower bound, see COUNT_CAP) shows as "≥10k". */
export function count(n: number | null | undefined, capped = false): string {
  if (n == null) return '—';
  if (capped) return `≥${n >= 1000 ? `${Math.floor(n / 1000)}k` : n}`;
  if (n < 100_000) return String(n);
  if (n < 10_000_000) return `${Math.round(n / 1000)}k`;
  return `${Math.round(n / 1_000_000)}M`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
