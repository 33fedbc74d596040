// Runs one fetched job: builds its context (logger, signal, exec, progress), captures its console
// output, bounds it by its expiry, and settles it (complete, fail, or return to the queue).
import pg from 'pg';
import type { Job } from 'pg-boss';
import { encodeEvents } from './events.ts';
import { runWithLogSink } from './console-capture.ts';
import { errorMessage, isPermanent } from './errors.ts';
import { runChild } from './exec.ts';
import { HEAD_LINES } from './log-store.ts';
import { abortableSleep } from './sleep.ts';
import { describeZodError, type ResolvedTask } from './registry.ts';
import type { WorkerServices } from './worker.ts';
import type { JobProgress, LogLevel, TaskContext, TaskLogger } from './types.ts';
import { format } from 'node:util';

export type AbortReason = 'cancelled' | 'expired' | 'shutdown';

export interface RunningJob {
  id: string;
  task: string;
  retryCount: number;
  attempt: number;
  startedAt: number;
  /** when pg-boss will expire this attempt (it settles the job itself after that) */
  expiresAt: number;
  meta: { name: string | null; onFail: string | null; hasDependents: boolean };
  abort(reason: AbortReason): void;
  readonly abortReason: AbortReason | null;
  done: Promise<void>;
  settledHooks: (() => void)[];
}

export interface RunJobDeps extends WorkerServices {
  priorLines: number;
  priorTruncated: number;
  meta: RunningJob['meta'];
  onCompleted: (job: RunningJob, output: unknown) => Promise<void>;
  /** true once the runner is shutting down (settlements then stop retrying sooner) */
  isStopping?: () => boolean;
}

const STOPPING_RETRY_MS = 10_000;

/** Connection-level failures (and server shutdown/restart) that a retry can outlast; SQL errors are not. */
export function isTransientDbError(error: unknown): boolean {
  if (!(error instanceof pg.DatabaseError)) return true;
  const code = error.code ?? '';
  return code.startsWith('08') || code.startsWith('57P') || code === '53300';
}

/**
 * Runs a statement that settles an attempt, retrying it while the database is unreachable. A settlement
 * given up leaves the job active until pg-boss expires it (15 minutes by default) and runs it again, so
 * it is retried until the attempt's expiry (pg-boss settles the job after that; the attempt fence makes a
 * late settle a no-op), or for STOPPING_RETRY_MS once the runner is shutting down.
 */
export async function settleWithRetry<T>(
  fn: () => Promise<T>,
  until: { expiresAt: number; isStopping?: () => boolean },
  onRetry: (error: unknown, retry: number) => void,
): Promise<T> {
  let stoppingSince = 0;
  for (let retry = 1; ; retry++) {
    try {
      return await fn();
    } catch (error) {
      const wait = Math.min(250 * 2 ** Math.min(retry, 5), 5000);
      if (until.isStopping?.()) stoppingSince ||= Date.now();
      const outOfTime = Date.now() + wait >= until.expiresAt || (stoppingSince > 0 && Date.now() - stoppingSince >= STOPPING_RETRY_MS);
      if (outOfTime || !isTransientDbError(error)) throw error;
      onRetry(error, retry);
      await abortableSleep(wait);
    }
  }
}

const PROGRESS_INTERVAL_MS = 500;

/** A fetched job with its retry limit (read with the attempt record, not from pg-boss's wide fetch). */
export type FetchedJob = Job<unknown> & { retryLimit: number };

export function runJob(job: FetchedJob, task: ResolvedTask, d: RunJobDeps): RunningJob {
  const name = task.definition.name;
  const attempt = job.retryCount + 1;
  const controller = new AbortController();
  let reason: AbortReason | null = null;
  const startedAt = Date.now();
  const running: RunningJob = {
    id: job.id,
    task: name,
    retryCount: job.retryCount,
    attempt,
    startedAt,
    expiresAt: startedAt + job.expireInSeconds * 1000,
    meta: d.meta,
    abort(r) {
      if (reason) return;
      reason = r;
      controller.abort(new Error(r === 'expired' ? `job expired after ${job.expireInSeconds}s` : `job ${r}`));
    },
    get abortReason() {
      return reason;
    },
    done: Promise.resolve(),
    settledHooks: [],
  };

  d.logs.begin(job.id, attempt, d.priorLines, d.priorTruncated > 0 ? HEAD_LINES + d.priorTruncated : 0);
  const write = (level: LogLevel, text: string) => d.logs.append(job.id, attempt, level, text);
  const logAt =
    (level: LogLevel) =>
    (message: string, ...rest: unknown[]) =>
      write(level, rest.length ? format(message, ...rest) : String(message));
  const log: TaskLogger = { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') };

  let lastProgress = 0;
  let pendingProgress: JobProgress | null = null;
  let progressTimer: NodeJS.Timeout | null = null;
  const sendProgress = () => {
    progressTimer = null;
    if (!pendingProgress) return;
    const progress = pendingProgress;
    pendingProgress = null;
    lastProgress = Date.now();
    void d.bookPool
      .query(d.sql.saveProgress(job.id, name, progress))
      .then(() => d.bookPool.query(d.sql.notify(encodeEvents(d.origin, [['job:progress', { id: job.id, task: name, progress }]]))))
      .catch((error) => d.reportError(`progress ${name}`, error));
  };

  const ctx: TaskContext = {
    log,
    signal: controller.signal,
    job: { id: job.id, task: name, name: d.meta.name, attempt, maxAttempts: job.retryLimit + 1 },
    progress(progress) {
      pendingProgress = progress;
      const wait = PROGRESS_INTERVAL_MS - (Date.now() - lastProgress);
      if (wait <= 0) sendProgress();
      else if (!progressTimer) progressTimer = setTimeout(sendProgress, wait);
    },
    exec: (file, args, options) =>
      runChild(file, args, (stream, line) => write(stream === 'stderr' ? 'warn' : 'info', line), controller.signal, options),
    enqueue: (t, a, o) => d.api.enqueue(t, a, o),
    enqueueOrGet: (t, a, o) => d.api.enqueueOrGet(t, a, o),
  };

  const expiry = setTimeout(() => running.abort('expired'), job.expireInSeconds * 1000);
  expiry.unref();

  running.done = (async () => {
    try {
      const parsed = task.definition.schema.safeParse(job.data ?? {});
      if (!parsed.success) {
        const error = new Error(describeZodError(name, parsed.error)) as Error & { permanent: boolean };
        error.permanent = true;
        throw error;
      }
      const output = await runWithLogSink(write, () => task.definition.handler(parsed.data, ctx));
      if (progressTimer) sendProgress();
      await d.logs.end(job.id, attempt);
      if (reason === 'cancelled') return finish('cancelled', 'cancelled while running', null);
      await d.onCompleted(running, output);
    } catch (error) {
      if (progressTimer) sendProgress();
      await settleFailure(error);
    } finally {
      clearTimeout(expiry);
      if (progressTimer) clearTimeout(progressTimer);
    }
  })();

  async function finish(outcome: string, message: string | null, stack: string | null, willRetry?: boolean) {
    await d.logs.end(job.id, attempt);
    const events =
      outcome === 'failed' || outcome === 'expired'
        ? encodeEvents(d.origin, [['job:failed', { id: job.id, task: name, attempt, error: message ?? '', willRetry: !!willRetry }]])
        : outcome === 'returned'
          ? encodeEvents(d.origin, [['job:retried', { ids: [job.id], task: name }]])
          : [];
    await settle(`record attempt ${name}`, () => d.bookPool.query(d.sql.finishAttempts([{ id: job.id, attempt, outcome, error: message, stack }], events))).catch(
      (error) => d.reportError(`record attempt ${name}`, error),
    );
  }

  function settle<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return settleWithRetry(fn, { expiresAt: running.expiresAt, isStopping: d.isStopping }, (error, retry) => {
      if (retry === 1 || retry % 10 === 0) d.reportError(`${what} (retrying)`, error);
    });
  }

  async function settleFailure(error: unknown) {
    if (reason === 'shutdown') {
      write('warn', 'runner shutting down: job returned to the queue (this attempt is not counted)');
      await settle(`return ${name}`, () => d.pool.query(d.sql.returnJob(job.id, name, job.retryCount))).catch((e) => d.reportError(`return ${name}`, e));
      return finish('returned', 'returned at shutdown', null);
    }
    if (reason === 'cancelled') {
      write('warn', 'job cancelled while running');
      return finish('cancelled', 'cancelled while running', null);
    }
    const expired = reason === 'expired';
    const message = expired ? `expired after ${job.expireInSeconds}s` : errorMessage(error) || 'task failed';
    const stack = error instanceof Error && error.stack ? error.stack : null;
    const permanent = !expired && isPermanent(error);
    const willRetry = !permanent && job.retryCount < job.retryLimit;
    write('error', `${permanent ? 'failed permanently' : 'failed'}: ${message}`);
    if (stack && !expired) for (const line of stack.split('\n').slice(1, 12)) write('error', line);
    write('info', willRetry ? `will retry (attempt ${attempt + 1} of ${job.retryLimit + 1})` : 'no retries left');
    try {
      await settle(`fail ${name}`, async () => {
        if (permanent) await d.pool.query(d.sql.exhaustRetries(job.id, name));
        await d.boss.fail(name, { id: job.id, retryCount: job.retryCount }, { message, stack, permanent });
      });
    } catch (e) {
      d.reportError(`fail ${name}`, e);
    }
    await finish(expired ? 'expired' : 'failed', message, stack, willRetry);
    if (!willRetry && (d.meta.onFail || d.meta.hasDependents)) d.kick();
  }

  return running;
}
