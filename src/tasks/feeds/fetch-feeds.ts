// FetchFeeds: each feed fetched, parsed and stored on its own, so one broken site costs only its own items.
import type pg from 'pg';
import { errorMessage, isPermanent, PermanentError } from '../../runner/errors.ts';
import type { TaskContext } from '../../runner/types.ts';
import type { HttpClient } from '../http/index.ts';
import { cleanFeedItems } from './clean.ts';
import { type FeedSource, feedUrl } from './sources.ts';
import type { FeedId } from './types.ts';
import { upsertFeedItems } from './upsert.ts';

export interface FeedReport {
  feed: FeedId;
  ok: boolean;
  /** items parsed from the document */
  fetched: number;
  new: number;
  updated: number;
  unchanged: number;
  /** entries that could not be used (no id, no date, malformed) plus repeated ids */
  skipped: number;
  durationMs: number;
  error?: string;
}

export interface FetchFeedsEnvironment {
  pool: pg.Pool;
  http: HttpClient;
  sources: Record<string, string>;
  maxBytes: number;
}

/** How many skipped entries are named one by one in the log before the rest are only counted. */
const SKIPPED_LINES_SHOWN = 10;

async function fetchOne(source: FeedSource, env: FetchFeedsEnvironment, ctx: TaskContext): Promise<FeedReport> {
  const started = performance.now();
  const response = await env.http.getText(feedUrl(source, env.sources), {
    signal: ctx.signal,
    headers: source.headers,
    maxBytes: env.maxBytes,
    encoding: source.encoding,
  });
  const parsed = cleanFeedItems(source.parse(response.text), response.finalUrl);
  parsed.skipped.slice(0, SKIPPED_LINES_SHOWN).forEach((line) => ctx.log.warn(`${source.id}: skipped ${line}`));
  if (parsed.skipped.length > SKIPPED_LINES_SHOWN) ctx.log.warn(`${source.id}: skipped ${parsed.skipped.length - SKIPPED_LINES_SHOWN} more entries`);
  if (parsed.items.length === 0 && parsed.skipped.length === 0) ctx.log.warn(`${source.id}: the document has no entries`);
  const counts = await upsertFeedItems(env.pool, source.id, parsed.items);
  const durationMs = Math.round(performance.now() - started);
  const report: FeedReport = {
    feed: source.id,
    ok: true,
    fetched: parsed.items.length,
    new: counts.inserted,
    updated: counts.updated,
    unchanged: counts.unchanged,
    skipped: parsed.skipped.length + counts.duplicates,
    durationMs,
  };
  ctx.log.info(
    `${source.id}: fetched ${report.fetched}, new ${report.new}, updated ${report.updated}, unchanged ${report.unchanged}` +
      `, skipped ${report.skipped} (${response.body.length} bytes, ${durationMs} ms)`,
  );
  return report;
}

function failedReport(feed: FeedId, error: unknown, startedAt: number): FeedReport {
  return { feed, ok: false, fetched: 0, new: 0, updated: 0, unchanged: 0, skipped: 0, durationMs: Math.round(performance.now() - startedAt), error: errorMessage(error).split('\n')[0] };
}

/**
 * Runs the feeds in order. A failing feed is logged and the next one still runs; the job fails only
 * when every feed failed (then nothing was refreshed, which is worth a retry and a red line), and
 * fails permanently when every failure was permanent (refused address, size limit, 4xx).
 */
export async function fetchFeeds(sources: readonly FeedSource[], env: FetchFeedsEnvironment, ctx: TaskContext): Promise<FeedReport[]> {
  const reports: FeedReport[] = [];
  const errors: unknown[] = [];
  for (const [index, source] of sources.entries()) {
    if (ctx.signal.aborted) break;
    ctx.progress({ label: source.id, current: index, total: sources.length, detail: progressDetail(reports) });
    const startedAt = performance.now();
    try {
      reports.push(await fetchOne(source, env, ctx));
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      errors.push(error);
      const report = failedReport(source.id, error, startedAt);
      ctx.log.error(`${source.id}: failed after ${report.durationMs} ms: ${report.error}`);
      reports.push(report);
    }
  }
  ctx.progress({ current: reports.length, total: sources.length, detail: progressDetail(reports) });
  if (ctx.signal.aborted) throw new Error('fetch-feeds cancelled');
  if (sources.length > 0 && errors.length === sources.length) {
    const summary = `every feed failed: ${reports.map((r) => `${r.feed}: ${r.error}`).join('; ')}`;
    if (errors.every(isPermanent)) throw new PermanentError(summary, { cause: errors[0] });
    throw new Error(summary, { cause: errors[0] });
  }
  return reports;
}

function progressDetail(reports: readonly FeedReport[]): string {
  return reports.map((r) => `${r.feed} ${r.ok ? '✓' : '✗'}`).join(' ');
}
