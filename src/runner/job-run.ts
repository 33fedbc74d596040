// Runs one claimed job: builds its context (logger, signal, exec, progress), captures its console
// output, bounds it by its expiry, and settles it. Once the job's signal has been aborted (shutdown,
// expiry, cancel, this runner declared lost) whatever the handler returns or throws is discarded:
// shutdown gives the job back without using an attempt, expiry fails the attempt, a cancelled job
// stays cancelled, and a lost runner writes nothing (its attempt was settled by whoever declared it).
import pg from 'pg';
import { format } from 'node:util';
import { runWithLogSink } from './console-capture.ts';
import { errorMessage, isPermanent } from './errors.ts';
import { runChild } from './exec.ts';
import { HEAD_LINES, type LogStore } from './log-store.ts';
import { describeZodError, type ResolvedTask } from './registry.ts';
import { abortableSleep } from './sleep.ts';
import { storableText, storableTextOrNull } from '../text/storable.ts';
import type { JobProgress, LogLevel, QueueApi, TaskContext, TaskLogger } from './types.ts';

export type AbortReason = 'cancelled' | 'expired' | 'shutdown' | 'lost';

/** A job as the claim statement returns it. */
export interface ClaimedJob {
  id: string;
  data: unknown;
  retryCount: number;
  retryLimit: number;
  expireSeconds: number;
  claim: string;
  writtenLines: number;
  truncatedLines: number;
  meta: { name: string | null; onFail: string | null; hasDependents: boolean };
}

export interface RunningJob {
  readonly id: string;
  readonly task: string;
  readonly claim: string;
  readonly attempt: number;
  readonly startedAt: number;
  readonly expiresAt: number;
  readonly meta: ClaimedJob['meta'];
  readonly abortReason: AbortReason | null;
  /** Aborts the handler's signal; the result that follows is discarded. */
  abort(reason: AbortReason): void;
  /** Settles an aborted job now, without waiting for a handler that ignores its signal. */
  giveUp(): Promise<void>;
  /** Resolves when the handler has returned and the attempt is settled. */
  done: Promise<void>;
}

export interface FailureRecord {
  permanent: boolean;
  outcome: 'failed' | 'expired';
  message: string;
  stack: string | null;
}

/** How a worker settles attempts (batched, fenced by the claim, retried through outages). */
export interface AttemptSettler {
  complete(job: RunningJob, output: unknown): Promise<void>;
  fail(job: RunningJob, failure: FailureRecord): Promise<{ willRetry: boolean } | null>;
  giveBack(job: RunningJob, reason: string): Promise<void>;
}

export interface RunJobDeps {
  logs: LogStore;
  api: Pick<QueueApi, 'enqueue' | 'enqueueOrGet'>;
  settler: AttemptSettler;
  saveProgress: (job: RunningJob, progress: JobProgress) => void;
  /** the handler returned (or threw): its slot is free, even while its settlement is being written */
  onHandlerReturned: () => void;
  reportError: (where: string, error: unknown) => void;
}

/** How long an aborted handler gets to return before its attempt is settled without it. */
export const ABORT_GRACE_MS = 5000;
const PROGRESS_INTERVAL_MS = 500;
const MAX_ERROR_CHARS = 8000;
const MAX_STACK_CHARS = 32_000;

const DISCARDED: Record<AbortReason, string> = {
  shutdown: 'the task returned after it was told to stop for the shutdown: its result is discarded',
  expired: 'the task returned after its deadline: its result is discarded',
  cancelled: 'the task returned after the job was cancelled: its result is discarded',
  lost: 'the task returned after this runner was declared lost: its result is discarded (the job runs elsewhere)',
};

/** Connection-level failures (and server shutdown/restart) that a retry can outlast; SQL errors are not. */
export function isTransientDbError(error: unknown): boolean {
  if (!(error instanceof pg.DatabaseError)) return !(error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError);
  const code = error.code ?? '';
  // 40P01/40001: a settlement that met a concurrent lost-runner pass; a retry sees the outcome
  return code.startsWith('08') || code.startsWith('57P') || code === '53300' || code === '40P01' || code === '40001';
}

/**
 * Runs a statement that settles an attempt, retrying it while the database is unreachable. A
 * settlement given up leaves the job active until pg-boss expires it, so it is retried until the
 * attempt's expiry, or until `giveUpAt()` once the runner is stopping.
 */
export async function settleWithRetry<T>(
  fn: () => Promise<T>,
  until: { expiresAt: number; giveUpAt?: () => number },
  onRetry: (error: unknown, retry: number) => void,
): Promise<T> {
  for (let retry = 1; ; retry++) {
    try {
      return await fn();
    } catch (error) {
      const wait = Math.min(250 * 2 ** Math.min(retry, 5), 5000);
      const deadline = Math.min(until.expiresAt, until.giveUpAt?.() ?? Infinity);
      if (Date.now() + wait >= deadline || !isTransientDbError(error)) throw error;
      onRetry(error, retry);
      await abortableSleep(Math.min(wait, Math.max(0, deadline - Date.now())));
    }
  }
}

export function runJob(job: ClaimedJob, task: ResolvedTask, d: RunJobDeps): RunningJob {
  const name = task.definition.name;
  const attempt = job.retryCount + 1;
  const startedAt = Date.now();
  // Created on first use: most tasks never read their signal, and a no-op job should cost little.
  let controller: AbortController | null = null;
  let reason: AbortReason | null = null;
  let settled: Promise<void> | null = null;
  let handlerResult: { ok: true; output: unknown } | { ok: false; error: unknown } | null = null;

  d.logs.begin(job.id, attempt, job.writtenLines, job.truncatedLines > 0 ? HEAD_LINES + job.truncatedLines : 0);
  const write = (level: LogLevel, text: string) => d.logs.append(job.id, attempt, level, text);
  const logAt =
    (level: LogLevel) =>
    (message: string, ...rest: unknown[]) =>
      write(level, rest.length ? format(message, ...rest) : String(message));
  const log: TaskLogger = { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') };
  const signal = () => (controller ??= new AbortController()).signal;

  let expiry: NodeJS.Timeout | null = null;
  let graceTimer: NodeJS.Timeout | null = null;

  const running: RunningJob = {
    id: job.id,
    task: name,
    claim: job.claim,
    attempt,
    startedAt,
    expiresAt: startedAt + job.expireSeconds * 1000,
    meta: job.meta,
    get abortReason() {
      return reason;
    },
    abort(r) {
      if (reason || settled) return;
      reason = r;
      if (expiry) clearTimeout(expiry);
      signal();
      controller!.abort(new Error(r === 'expired' ? `job expired after ${job.expireSeconds}s` : r === 'lost' ? 'this runner was declared lost' : `job ${r}`));
      // A handler that ignores its signal does not hold its attempt open: it is settled without it.
      if (r === 'expired' || r === 'cancelled') {
        graceTimer = setTimeout(() => void running.giveUp(), ABORT_GRACE_MS);
        graceTimer.unref();
      }
    },
    giveUp() {
      return settleOnce();
    },
    done: Promise.resolve(),
  };

  let lastProgress = 0;
  let pendingProgress: JobProgress | null = null;
  let progressTimer: NodeJS.Timeout | null = null;
  const sendProgress = () => {
    progressTimer = null;
    if (!pendingProgress) return;
    const progress = pendingProgress;
    pendingProgress = null;
    lastProgress = Date.now();
    d.saveProgress(running, progress);
  };

  const ctx: TaskContext = {
    log,
    get signal() {
      return signal();
    },
    job: { id: job.id, task: name, name: job.meta.name, attempt, maxAttempts: job.retryLimit + 1 },
    progress(progress) {
      pendingProgress = progress;
      const wait = PROGRESS_INTERVAL_MS - (Date.now() - lastProgress);
      if (wait <= 0) sendProgress();
      else if (!progressTimer) progressTimer = setTimeout(sendProgress, wait);
    },
    exec: (file, args, options) => runChild(file, args, (stream, line) => write(stream === 'stderr' ? 'warn' : 'info', line), signal(), options),
    enqueue: (t, a, o) => d.api.enqueue(t, a, o),
    enqueueOrGet: (t, a, o) => d.api.enqueueOrGet(t, a, o),
  };

  expiry = setTimeout(() => running.abort('expired'), job.expireSeconds * 1000);
  expiry.unref();

  /** Settles the attempt exactly once: from the handler's result, or without it once given up. */
  function settleOnce(): Promise<void> {
    settled ??= (async () => {
      if (expiry) clearTimeout(expiry);
      if (graceTimer) clearTimeout(graceTimer);
      if (progressTimer) sendProgress();
      try {
        if (reason) await settleAborted(reason);
        else if (handlerResult?.ok) {
          await d.logs.flushAttempt(job.id, attempt);
          await d.settler.complete(running, handlerResult.output);
        } else await settleFailure(handlerResult && !handlerResult.ok ? handlerResult.error : new Error('task did not finish'));
      } catch (error) {
        d.reportError(`settle ${name}`, error);
      }
      // a handler still running after it was given up may still log (that its result is discarded)
      if (handlerResult) await d.logs.end(job.id, attempt);
    })();
    return settled;
  }

  running.done = (async () => {
    try {
      const parsed = task.definition.schema.safeParse(job.data ?? {});
      if (!parsed.success) {
        const error = new Error(describeZodError(name, parsed.error)) as Error & { permanent: boolean };
        error.permanent = true;
        throw error;
      }
      handlerResult = { ok: true, output: await runWithLogSink(write, () => task.definition.handler(parsed.data, ctx)) };
    } catch (error) {
      handlerResult = { ok: false, error };
    }
    d.onHandlerReturned();
    if (settled) {
      // given up earlier (grace over, shutdown, lost): nothing it returns can change the outcome now
      if (reason) write('warn', DISCARDED[reason]);
      await settled;
      await d.logs.end(job.id, attempt);
      return;
    }
    await settleOnce();
  })();

  async function settleAborted(r: AbortReason): Promise<void> {
    if (handlerResult?.ok) write('warn', DISCARDED[r]);
    if (r === 'lost') return;
    if (r === 'shutdown') {
      write('warn', 'runner shutting down: job returned to the queue (this attempt is not counted)');
      await d.logs.flushAttempt(job.id, attempt);
      return d.settler.giveBack(running, 'returned at shutdown');
    }
    if (r === 'cancelled') {
      write('warn', 'job cancelled while running');
      await d.logs.flushAttempt(job.id, attempt);
      await d.settler.fail(running, { permanent: true, outcome: 'failed', message: 'cancelled while running', stack: null });
      return;
    }
    await settleFailure(new Error(`expired after ${job.expireSeconds}s`), true);
  }

  async function settleFailure(error: unknown, expired = false): Promise<void> {
    const message = storableText(expired ? `expired after ${job.expireSeconds}s` : errorMessage(error) || 'task failed', MAX_ERROR_CHARS);
    const stack = expired || !(error instanceof Error) ? null : storableTextOrNull(error.stack, MAX_STACK_CHARS);
    const permanent = !expired && isPermanent(error);
    const willRetry = !permanent && job.retryCount < job.retryLimit;
    write('error', `${permanent ? 'failed permanently' : 'failed'}: ${message}`);
    write('info', willRetry ? `will retry (attempt ${attempt + 1} of ${job.retryLimit + 1})` : 'no retries left');
    const failure: FailureRecord = { permanent, outcome: expired ? 'expired' : 'failed', message, stack };
    await d.logs.flushAttempt(job.id, attempt);
    try {
      await d.settler.fail(running, failure);
    } catch (storeError) {
      // The failure itself could not be written (a bug, a constraint): fail the job with a message
      // that can always be stored rather than leave it active until its expiry.
      d.reportError(`fail ${name}`, storeError);
      await d.settler.fail(running, { ...failure, message: storableText(`the failure could not be recorded: ${errorMessage(storeError)}`, 2000), stack: null });
    }
  }

  return running;
}
