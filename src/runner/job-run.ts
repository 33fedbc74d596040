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
import type { ExecOptions, ExecResult, JobProgress, JobRef, LogLevel, QueueApi, TaskContext, TaskLogger } from './types.ts';

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
  return new JobRun(job, task, d);
}

type HandlerResult = { ok: true; output: unknown } | { ok: false; error: unknown };

/**
 * One attempt. A class, not a closure per piece: a runner starts thousands of these a second, and
 * most never log, never read their signal and never report progress, so those are made on first use.
 */
class JobRun implements RunningJob {
  readonly id: string;
  readonly task: string;
  readonly claim: string;
  readonly attempt: number;
  readonly startedAt: number;
  readonly expiresAt: number;
  readonly meta: ClaimedJob['meta'];
  done: Promise<void>;
  private controller: AbortController | null = null;
  private reason: AbortReason | null = null;
  private settled: Promise<void> | null = null;
  private result: HandlerResult | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  /** the log store knows this attempt (on its first line) */
  private logging = false;
  private progressState: { last: number; pending: JobProgress | null; timer: NodeJS.Timeout | null } | null = null;

  constructor(
    private readonly job: ClaimedJob,
    private readonly definition: ResolvedTask,
    private readonly d: RunJobDeps,
  ) {
    this.id = job.id;
    this.task = definition.definition.name;
    this.claim = job.claim;
    this.attempt = job.retryCount + 1;
    this.startedAt = Date.now();
    this.expiresAt = this.startedAt + job.expireSeconds * 1000;
    this.meta = job.meta;
    this.done = this.run();
  }

  get abortReason(): AbortReason | null {
    return this.reason;
  }

  get maxAttempts(): number {
    return this.job.retryLimit + 1;
  }

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  abort(r: AbortReason): void {
    if (this.reason || this.settled) return;
    this.reason = r;
    const message = r === 'expired' ? `job expired after ${this.job.expireSeconds}s` : r === 'lost' ? 'this runner was declared lost' : `job ${r}`;
    (this.controller ??= new AbortController()).abort(new Error(message));
    // A handler that ignores its signal does not hold its attempt open: it is settled without it.
    if (r === 'expired' || r === 'cancelled') {
      this.graceTimer = setTimeout(() => void this.giveUp(), ABORT_GRACE_MS);
      this.graceTimer.unref();
    }
  }

  giveUp(): Promise<void> {
    return this.settleOnce();
  }

  /** A line of this attempt's log; the log store learns of the attempt on its first line. */
  write(level: LogLevel, text: string): void {
    if (!this.logging) {
      this.logging = true;
      this.d.logs.begin(this.id, this.attempt, this.job.writtenLines, this.job.truncatedLines > 0 ? HEAD_LINES + this.job.truncatedLines : 0);
    }
    this.d.logs.append(this.id, this.attempt, level, text);
  }

  progress(progress: JobProgress): void {
    const p = (this.progressState ??= { last: 0, pending: null, timer: null });
    p.pending = progress;
    const wait = PROGRESS_INTERVAL_MS - (Date.now() - p.last);
    if (wait <= 0) this.sendProgress();
    else p.timer ??= setTimeout(() => this.sendProgress(), wait);
  }

  private sendProgress(): void {
    const p = this.progressState;
    if (!p) return;
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    if (!p.pending) return;
    const progress = p.pending;
    p.pending = null;
    p.last = Date.now();
    this.d.saveProgress(this, progress);
  }

  private async run(): Promise<void> {
    try {
      const parsed = this.definition.definition.schema.safeParse(this.job.data ?? {});
      if (!parsed.success) {
        const error = new Error(describeZodError(this.task, parsed.error)) as Error & { permanent: boolean };
        error.permanent = true;
        throw error;
      }
      this.result = { ok: true, output: await runWithLogSink(this, () => this.definition.definition.handler(parsed.data, new JobContext(this, this.d))) };
    } catch (error) {
      this.result = { ok: false, error };
    }
    this.d.onHandlerReturned();
    if (this.settled) {
      // given up earlier (grace over, shutdown, lost): nothing it returns can change the outcome now
      if (this.reason) this.write('warn', DISCARDED[this.reason]);
      await this.settled;
      await this.endLog();
      return;
    }
    await this.settleOnce();
  }

  private async endLog(): Promise<void> {
    if (this.logging) await this.d.logs.end(this.id, this.attempt);
  }

  /** Waits until the lines so far are stored: a reader that sees the outcome sees them too. */
  private async flushLog(): Promise<void> {
    if (this.logging) await this.d.logs.flushAttempt(this.id, this.attempt);
  }

  /** Settles the attempt exactly once: from the handler's result, or without it once given up. */
  private settleOnce(): Promise<void> {
    this.settled ??= (async () => {
      if (this.graceTimer) clearTimeout(this.graceTimer);
      if (this.progressState) this.sendProgress();
      try {
        if (this.reason) await this.settleAborted(this.reason);
        else if (this.result?.ok) {
          await this.flushLog();
          await this.d.settler.complete(this, this.result.output);
        } else await this.settleFailure(this.result && !this.result.ok ? this.result.error : new Error('task did not finish'));
      } catch (error) {
        this.d.reportError(`settle ${this.task}`, error);
      }
      // a handler still running after it was given up may still log (that its result is discarded)
      if (this.result) await this.endLog();
    })();
    return this.settled;
  }

  private async settleAborted(r: AbortReason): Promise<void> {
    if (this.result?.ok) this.write('warn', DISCARDED[r]);
    if (r === 'lost') return;
    if (r === 'shutdown') {
      this.write('warn', 'runner shutting down: job returned to the queue (this attempt is not counted)');
      await this.flushLog();
      return this.d.settler.giveBack(this, 'returned at shutdown');
    }
    if (r === 'cancelled') {
      this.write('warn', 'job cancelled while running');
      await this.flushLog();
      await this.d.settler.fail(this, { permanent: true, outcome: 'failed', message: 'cancelled while running', stack: null });
      return;
    }
    await this.settleFailure(new Error(`expired after ${this.job.expireSeconds}s`), true);
  }

  private async settleFailure(error: unknown, expired = false): Promise<void> {
    const message = storableText(expired ? `expired after ${this.job.expireSeconds}s` : errorMessage(error) || 'task failed', MAX_ERROR_CHARS);
    const stack = expired || !(error instanceof Error) ? null : storableTextOrNull(error.stack, MAX_STACK_CHARS);
    const permanent = !expired && isPermanent(error);
    const willRetry = !permanent && this.job.retryCount < this.job.retryLimit;
    this.write('error', `${permanent ? 'failed permanently' : 'failed'}: ${message}`);
    this.write('info', willRetry ? `will retry (attempt ${this.attempt + 1} of ${this.job.retryLimit + 1})` : 'no retries left');
    const failure: FailureRecord = { permanent, outcome: expired ? 'expired' : 'failed', message, stack };
    await this.flushLog();
    try {
      await this.d.settler.fail(this, failure);
    } catch (storeError) {
      // The failure itself could not be written (a bug, a constraint): fail the job with a message
      // that can always be stored rather than leave it active until its expiry.
      this.d.reportError(`fail ${this.task}`, storeError);
      await this.d.settler.fail(this, { ...failure, message: storableText(`the failure could not be recorded: ${errorMessage(storeError)}`, 2000), stack: null });
    }
  }

  /** For console capture: a console line written while this job's handler runs. */
  appendLine(level: LogLevel, text: string): void {
    this.write(level, text);
  }

  exec(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return runChild(file, args, (stream, line) => this.write(stream === 'stderr' ? 'warn' : 'info', line), this.signal, options);
  }
}

/** What a handler gets as `ctx`; its parts are made when the task first uses them. */
class JobContext implements TaskContext {
  private logger: TaskLogger | null = null;
  private ref: JobRef | null = null;

  constructor(
    private readonly run: JobRun,
    private readonly d: RunJobDeps,
  ) {}

  get log(): TaskLogger {
    if (!this.logger) {
      const at = (level: LogLevel) => (message: string, ...rest: unknown[]) => this.run.write(level, rest.length ? format(message, ...rest) : String(message));
      this.logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    }
    return this.logger;
  }

  get signal(): AbortSignal {
    return this.run.signal;
  }

  get job(): JobRef {
    return (this.ref ??= { id: this.run.id, task: this.run.task, name: this.run.meta.name, attempt: this.run.attempt, maxAttempts: this.run.maxAttempts });
  }

  progress(progress: JobProgress): void {
    this.run.progress(progress);
  }

  exec(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.run.exec(file, args, options);
  }

  enqueue(...args: Parameters<QueueApi['enqueue']>): ReturnType<QueueApi['enqueue']> {
    return this.d.api.enqueue(...args);
  }

  enqueueOrGet(...args: Parameters<QueueApi['enqueueOrGet']>): ReturnType<QueueApi['enqueueOrGet']> {
    return this.d.api.enqueueOrGet(...args);
  }
}
