// The typed contract of the runner: tasks, jobs, queries, actions and events.
// The CLI, the dashboard and the tests use only what is declared here.
import type { z } from 'zod';

/** pg-boss's job states, used as-is in JSON output. */
export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
export const JOB_STATES: readonly JobState[] = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'];

/** What the dashboard's tabs and the CLI's --state accept: pg-boss states plus two views of `created`. */
export type StateFilter = JobState | 'waiting' | 'scheduled';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface TaskLogger {
  debug(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

export interface JobProgress {
  /** e.g. the source being imported */
  label?: string;
  current?: number;
  total?: number;
  /** free text, e.g. "apero ✓ rilarhiv ✓" */
  detail?: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** stop reading output after this many bytes (the rest is dropped and a marker logged) */
  maxOutputBytes?: number;
}

export interface ExecResult {
  exitCode: number;
  /** last lines of combined output, also written to the job log as they came */
  tail: string[];
}

export interface JobRef {
  id: string;
  task: string;
  name: string | null;
  /** 1-based attempt number */
  attempt: number;
  maxAttempts: number;
}

/** What a task handler receives besides its arguments. */
export interface TaskContext {
  log: TaskLogger;
  /** aborted on cancel, expiry and forced shutdown; pass it to fetches and child processes */
  signal: AbortSignal;
  job: JobRef;
  progress(progress: JobProgress): void;
  /** Runs a child process (argument vector, never a shell); its stdout/stderr lines go to the job log. Rejects on non-zero exit. */
  exec(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Enqueue follow-up work (e.g. CloneFile jobs from an import). */
  enqueue: QueueApi['enqueue'];
  enqueueOrGet: QueueApi['enqueueOrGet'];
}

export interface RetryPolicy {
  /** retries after the first attempt */
  retries: number;
  delaySeconds: number;
  backoff: boolean;
  maxDelaySeconds?: number;
}

export interface TaskDefinition<A = any, R = unknown> {
  name: string;
  description: string;
  /** zod schema of the arguments; bad arguments are rejected at enqueue time */
  schema: z.ZodType<A>;
  handler: (args: A, ctx: TaskContext) => Promise<R>;
  /** jobs of this task run at once in one runner process (default 1) */
  concurrency?: number;
  /** never overlaps itself across all runners (imports, feed fetches) */
  exclusive?: boolean;
  retry?: Partial<RetryPolicy>;
  /** each attempt is bounded by this (default 900 s) */
  expireSeconds?: number;
  /** default on-fail task for jobs of this task */
  onFail?: string;
  /** legacy priority (lower runs sooner), default 100 */
  priority?: number;
  /** a short label for args in lists, e.g. "url 123" */
  summarize?: (args: A) => string;
}

export interface TaskInfo {
  name: string;
  description: string;
  concurrency: number;
  exclusive: boolean;
  retry: RetryPolicy;
  expireSeconds: number;
  onFail: string | null;
  /** JSON schema of the arguments, for forms */
  argsJsonSchema: unknown;
  /** example arguments (defaults filled) or null when the task needs input */
  exampleArgs: unknown;
}

export interface EnqueueOptions {
  /** human identity, e.g. CloneUrl(123); dedupe key for enqueueOrGet */
  name?: string;
  /** legacy numbering: lower runs sooner; default 100 */
  priority?: number;
  startAfter?: Date | number /* seconds from now */;
  /** retries after the first attempt (overrides the task's) */
  retries?: number;
  /** seconds between attempts, fixed (no backoff), overriding the task's delay: legacy's retry_minutes × 60 */
  retryDelaySeconds?: number;
  /** a registered task that receives { job, error } after the final failure */
  onFail?: string;
  /** an existing job id or name; this job runs only after it succeeded */
  dependsOn?: string;
  /** set by the legacy bridge: the core_taskqueueelement row this job came from */
  legacyId?: number;
}

export interface EnqueueOrGetResult {
  id: string;
  created: boolean;
}

/** Payload an on-fail task receives. */
export interface OnFailArgs {
  job: { id: string; task: string; name: string | null; args: unknown; attempts: number };
  error: { message: string; stack?: string };
}

export interface JobSummary {
  id: string;
  task: string;
  name: string | null;
  state: JobState;
  /** legacy numbering (lower runs sooner) */
  priority: number;
  /** attempts started so far (0 before the first start) */
  attempt: number;
  maxAttempts: number;
  dependsOn: string | null;
  /** true while waiting for its dependency */
  blocked: boolean;
  args: unknown;
  createdAt: string;
  startAfter: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** first line of the last error */
  error: string | null;
}

export interface AttemptInfo {
  attempt: number;
  runnerId: string | null;
  host: string | null;
  pid: number | null;
  startedAt: string;
  finishedAt: string | null;
  outcome: 'running' | 'completed' | 'failed' | 'cancelled' | 'returned' | 'expired' | 'lost';
  error: string | null;
  errorStack: string | null;
  logLines: number;
  truncatedLines: number;
}

export interface JobDetail extends JobSummary {
  options: {
    retryLimit: number;
    retryDelay: number;
    retryBackoff: boolean;
    retryDelayMax: number | null;
    expireSeconds: number;
    onFail: string | null;
    legacyId: number | null;
  };
  errorStack: string | null;
  output: unknown;
  progress: JobProgress | null;
  attempts: AttemptInfo[];
  dependents: string[];
  onFailJobId: string | null;
}

export interface LogLine {
  jobId: string;
  attempt: number;
  seq: number;
  ts: string;
  level: LogLevel;
  text: string;
  /** present on the synthetic marker where lines were dropped */
  truncated?: number;
}

export interface JobFilter {
  task?: string;
  state?: StateFilter;
  /** matches name, id prefix or args text */
  search?: string;
}

export interface JobPage {
  jobs: JobSummary[];
  /** opaque keyset cursor for the next page, null at the end */
  next: string | null;
}

export interface QueueCounts {
  task: string;
  waiting: number;
  scheduled: number;
  active: number;
  retry: number;
  failed: number;
  cancelled: number;
  completed: number;
  completedLastHour: number;
  completedLastDay: number;
  failedLastHour: number;
  oldestWaitingSeconds: number | null;
  paused: boolean;
  /** completed per 5-minute bucket over the last hour, oldest first */
  throughput: number[];
  /** counts that reached the counting cap (COUNT_CAP): their value is a lower bound ("≥ 10 000") */
  capped?: readonly CappedCount[];
}

/** The counts that need a scan (the time-dependent split of created jobs) and so can be capped. */
export type CappedCount = 'waiting' | 'scheduled';

export interface RunnerInfo {
  id: string;
  host: string;
  pid: number;
  version: string;
  kind: 'daemon' | 'dashboard' | 'cli' | 'test';
  startedAt: string;
  lastSeenAt: string;
  queues: string[];
  alive: boolean;
}

export interface ScheduleInfo {
  id: string;
  task: string;
  key: string;
  cron: string;
  tz: string;
  args: unknown;
  paused: boolean;
  nextRuns: string[];
  lastRunAt: string | null;
  lastJobId: string | null;
  lastOutcome: JobState | null;
  lastDurationMs: number | null;
}

export interface ScheduleInput {
  task: string;
  cron: string;
  tz?: string;
  args?: unknown;
  /** distinguishes several schedules of one task; default 'default' */
  key?: string;
  paused?: boolean;
}

export type CronPreview = { ok: true; next: string[] } | { ok: false; error: string };

export interface Totals {
  waiting: number;
  scheduled: number;
  active: number;
  retry: number;
  failed: number;
  completedLastHour: number;
  failedLastHour: number;
  /** totals that include a capped count, and so are lower bounds */
  capped?: readonly CappedCount[];
}

export interface Snapshot {
  /** DSN with the password masked */
  database: string;
  takenAt: string;
  queues: QueueCounts[];
  runners: RunnerInfo[];
  schedules: ScheduleInfo[];
  totals: Totals;
}

export interface CleanupOptions {
  /** completed (and cancelled) jobs finished longer ago than this; default 14 days */
  olderThanSeconds?: number;
  /** also failed jobs finished longer ago than olderThanSeconds */
  includeFailed?: boolean;
  task?: string;
  dryRun?: boolean;
}

export interface CleanupReport {
  dryRun: boolean;
  completed: number;
  cancelled: number;
  failed: number;
}

/** Cross-process events, delivered through PostgreSQL LISTEN/NOTIFY. */
export interface RunnerEvents {
  /** a job was enqueued (by any process using the runner API or the SQL API, ifqueue.enqueue) */
  'job:created': {
    id: string;
    task: string;
    name: string | null;
    /** it depends on a job that had already failed or was cancelled: the reconciler fails it */
    dependencyFailed?: true;
    /** it waits for a job that had not finished when it was enqueued: the reconciler looks once more */
    dependencyPending?: true;
  };
  /** a job was created in a queue (pg-boss's own notification; no id: from raw sends, schedules, other tools) */
  'queue:activity': { task: string };
  /** a runner claimed a job and started an attempt */
  'job:started': { id: string; task: string; attempt: number; runnerId: string };
  /** a task reported progress */
  'job:progress': { id: string; task: string; progress: JobProgress };
  /** an attempt succeeded */
  'job:completed': { id: string; task: string; attempt: number; durationMs: number };
  /** an attempt failed; willRetry says whether another attempt is queued */
  'job:failed': { id: string; task: string; attempt: number; error: string; willRetry: boolean };
  /** jobs were put back to the queue (manual retry, retry-all, shutdown return) */
  'job:retried': { ids: string[]; task: string | null };
  /** jobs whose dependency completed may run now */
  'job:released': { ids: string[]; task: string | null };
  /** jobs were cancelled */
  'job:cancelled': { ids: string[] };
  /** jobs were deleted (delete, cleanup) */
  'job:deleted': { count: number; task: string | null };
  /** log lines were stored for a running job (lines present when they fit in a notification) */
  'log:lines': { jobId: string; attempt: number; fromSeq: number; toSeq: number; lines?: LogLine[] };
  /** a schedule produced a job */
  'schedule:fired': { scheduleId: string; task: string; jobId: string };
  /** a schedule was created, changed, paused, resumed or deleted */
  'schedule:changed': { scheduleId: string };
  /** a queue was paused or resumed */
  'queue:changed': { task: string; paused: boolean };
  /** a runner registered */
  'runner:up': { id: string; host: string; pid: number; kind: RunnerInfo['kind'] };
  /** a runner stopped, or was found dead */
  'runner:down': { id: string; host: string; pid: number; reason: 'stopped' | 'lost' };
  /** a background error in this process (local only; the daemon logs it, the dashboard flashes it) */
  'runner:error': { where: string; message: string };
  /** this process's connection to PostgreSQL went down or came back */
  'db:status': { connected: boolean; error?: string };
}

export type EventName = keyof RunnerEvents;
export type EventListener<E extends EventName> = (payload: RunnerEvents[E]) => void;

/** The façade every consumer uses (the dashboard's fake runner implements it too). */
export interface QueueApi {
  readonly database: string;
  tasks(): TaskInfo[];

  enqueue(task: string, args: unknown, options?: EnqueueOptions): Promise<string>;
  enqueueOrGet(task: string, args: unknown, options: EnqueueOptions & { name: string }): Promise<EnqueueOrGetResult>;

  snapshot(): Promise<Snapshot>;
  listJobs(filter: JobFilter, page?: { limit?: number; after?: string | null }): Promise<JobPage>;
  countJobs(filter: JobFilter): Promise<number>;
  getJob(id: string): Promise<JobDetail | null>;
  getLog(jobId: string, options?: { attempt?: number; afterSeq?: number; limit?: number }): Promise<LogLine[]>;
  /** Streams a job's log: existing lines first, then live ones, none missed or repeated. Returns an unsubscribe. */
  followLog(jobId: string, onLines: (lines: LogLine[]) => void, options?: { attempt?: number }): Promise<() => void>;

  retryJob(id: string): Promise<number>;
  retryFailed(filter?: { task?: string; ids?: string[] }): Promise<number>;
  cancelJob(id: string): Promise<number>;
  deleteJob(id: string): Promise<number>;
  cleanup(options?: CleanupOptions): Promise<CleanupReport>;
  pauseQueue(task: string): Promise<void>;
  resumeQueue(task: string): Promise<void>;

  listSchedules(): Promise<ScheduleInfo[]>;
  setSchedule(input: ScheduleInput): Promise<ScheduleInfo>;
  deleteSchedule(id: string): Promise<number>;
  pauseSchedule(id: string): Promise<void>;
  resumeSchedule(id: string): Promise<void>;
  runScheduleNow(id: string): Promise<string>;
  previewCron(cron: string, tz?: string, count?: number): CronPreview;

  on<E extends EventName>(event: E, listener: EventListener<E>): () => void;
}
