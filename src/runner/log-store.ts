// Stores job log lines while the job runs: buffered for a few milliseconds, written in one statement
// for all running jobs, published to followers, and bounded per attempt (the first HEAD_LINES and the
// last lines are kept; the middle is dropped and counted so readers can show a marker).
import type pg from 'pg';
import { EVENTS_CHANNEL, encodeEvents, type EventTuple } from './events.ts';
import type { LogLevel, LogLine } from './types.ts';
import { storableText } from '../text/storable.ts';

export const HEAD_LINES = 200;
const MAX_LINE_CHARS = 4000;
const FLUSH_DELAY_MS = 15;
const MAX_BUFFERED = 100_000;
const INLINE_CHUNK_BYTES = 6000;

interface AttemptState {
  written: number;
  /** highest seq deleted from the middle so far */
  deletedUpTo: number;
  /** this process appended lines to the attempt */
  appended?: boolean;
}

export interface LogStoreOptions {
  maxLinesPerAttempt: number;
  origin: string;
  onError: (error: unknown) => void;
}

/** A line as stored: storable (no NUL, no lone surrogate) and cut so that one line cannot flood the table. */
export function cleanLogText(text: string): string {
  return storableText(text, MAX_LINE_CHARS);
}

export class LogStore {
  private buffer: LogLine[] = [];
  private readonly attempts = new Map<string, AttemptState>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private dropped = 0;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: LogStoreOptions,
  ) {}

  /** Starts (or resumes, after a returned attempt) an attempt's log at the given line count. */
  begin(jobId: string, attempt: number, alreadyWritten: number, alreadyDeletedUpTo = 0): void {
    this.attempts.set(`${jobId}:${attempt}`, { written: alreadyWritten, deletedUpTo: alreadyDeletedUpTo });
  }

  append(jobId: string, attempt: number, level: LogLevel, text: string): void {
    const state = this.attempts.get(`${jobId}:${attempt}`);
    if (!state || this.closed) return;
    state.appended = true;
    if (this.buffer.length >= MAX_BUFFERED) {
      this.dropped++;
      return;
    }
    for (const part of text.split(/\r?\n/)) {
      state.written++;
      this.buffer.push({ jobId, attempt, seq: state.written, ts: new Date().toISOString(), level, text: cleanLogText(part) });
    }
    if (!this.timer) this.timer = setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes what is buffered, then stops: later lines are dropped (the runner has stopped). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.buffer = [];
  }

  /** Writes everything buffered so far. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.flushing) await this.flushing;
    if (!this.buffer.length) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.write(batch).finally(() => (this.flushing = null));
    await this.flushing;
  }

  /** Waits until the attempt's lines so far are stored (at once when it wrote none). */
  async flushAttempt(jobId: string, attempt: number): Promise<void> {
    if (this.attempts.get(`${jobId}:${attempt}`)?.appended) await this.flush();
  }

  /** Flushes and forgets an attempt. */
  async end(jobId: string, attempt: number): Promise<void> {
    const key = `${jobId}:${attempt}`;
    // an attempt that never logged has nothing to wait for (most short jobs)
    if (this.attempts.get(key)?.appended) await this.flush();
    this.attempts.delete(key);
  }

  private async write(batch: LogLine[]): Promise<void> {
    const max = this.options.maxLinesPerAttempt;
    const kept: LogLine[] = [];
    const deletions: { jobId: string; attempt: number; lo: number; hi: number }[] = [];
    const counts = new Map<string, { jobId: string; attempt: number; written: number; truncated: number }>();
    for (const line of batch) {
      const key = `${line.jobId}:${line.attempt}`;
      const state = this.attempts.get(key) ?? { written: line.seq, deletedUpTo: 0 };
      const cutHi = state.written - (max - HEAD_LINES); // lines with HEAD < seq <= cutHi are dropped
      if (state.written > max && line.seq > HEAD_LINES && line.seq <= cutHi) {
        // dropped before it was ever stored
      } else kept.push(line);
      if (state.written > max && cutHi > Math.max(state.deletedUpTo, HEAD_LINES)) {
        deletions.push({ jobId: line.jobId, attempt: line.attempt, lo: Math.max(state.deletedUpTo, HEAD_LINES), hi: cutHi });
        state.deletedUpTo = cutHi;
      }
      counts.set(key, {
        jobId: line.jobId,
        attempt: line.attempt,
        written: state.written,
        truncated: Math.max(0, Math.max(state.deletedUpTo, cutHi) - HEAD_LINES),
      });
    }
    const events: EventTuple[] = [];
    const byAttempt = new Map<string, LogLine[]>();
    for (const line of kept) {
      const key = `${line.jobId}:${line.attempt}`;
      let list = byAttempt.get(key);
      if (!list) byAttempt.set(key, (list = []));
      list.push(line);
    }
    for (const lines of byAttempt.values()) {
      let chunk: LogLine[] = [];
      let bytes = 0;
      const push = () => {
        if (!chunk.length) return;
        events.push(['log:lines', { jobId: chunk[0].jobId, attempt: chunk[0].attempt, fromSeq: chunk[0].seq, toSeq: chunk[chunk.length - 1].seq, lines: chunk }]);
        chunk = [];
        bytes = 0;
      };
      for (const line of lines) {
        const size = Buffer.byteLength(line.text) + 120;
        if (bytes + size > INLINE_CHUNK_BYTES) push();
        chunk.push(line);
        bytes += size;
      }
      push();
    }
    const payloads = encodeEvents(this.options.origin, events);
    const c = [...counts.values()];
    try {
      await this.pool.query(
        `WITH ins AS (
           INSERT INTO ifqueue.job_log (job_id, attempt, seq, ts, level, text)
           SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::timestamptz[], $5::text[], $6::text[])
           ON CONFLICT DO NOTHING
         ), del AS (
           DELETE FROM ifqueue.job_log l USING unnest($7::uuid[], $8::int[], $9::int[], $10::int[]) AS d(job_id, attempt, lo, hi)
           WHERE l.job_id = d.job_id AND l.attempt = d.attempt AND l.seq > d.lo AND l.seq <= d.hi
         ), upd AS (
           UPDATE ifqueue.job_attempt a SET written_lines = v.w, truncated_lines = v.t
           FROM unnest($11::uuid[], $12::int[], $13::int[], $14::int[]) AS v(job_id, attempt, w, t)
           WHERE a.job_id = v.job_id AND a.attempt = v.attempt
         )
         SELECT pg_notify('${EVENTS_CHANNEL}', p) FROM unnest($15::text[]) AS p`,
        [
          kept.map((l) => l.jobId),
          kept.map((l) => l.attempt),
          kept.map((l) => l.seq),
          kept.map((l) => l.ts),
          kept.map((l) => l.level),
          kept.map((l) => l.text),
          deletions.map((d) => d.jobId),
          deletions.map((d) => d.attempt),
          deletions.map((d) => d.lo),
          deletions.map((d) => d.hi),
          c.map((x) => x.jobId),
          c.map((x) => x.attempt),
          c.map((x) => x.written),
          c.map((x) => x.truncated),
          payloads,
        ],
      );
    } catch (error) {
      // Keep the lines for the next flush (the database may be back by then), bounded by MAX_BUFFERED.
      this.buffer = [...batch, ...this.buffer].slice(0, MAX_BUFFERED);
      this.options.onError(error);
      if (!this.timer) this.timer = setTimeout(() => void this.flush(), 1000);
    }
  }
}
