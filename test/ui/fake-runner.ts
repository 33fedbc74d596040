// An in-memory QueueApi for the dashboard's tests: same interface as the real runner, events included,
// plus helpers to move jobs through their lifecycle and to take the "database" down.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Cron } from 'croner';
import type {
  CleanupOptions, CleanupReport, CronPreview, EnqueueOptions, EnqueueOrGetResult, EventListener, EventName, JobDetail, JobFilter,
  JobPage, JobState, LogLevel, LogLine, QueueApi, QueueCounts, RunnerEvents, RunnerInfo, ScheduleInfo, ScheduleInput, Snapshot,
  TaskDefinition, TaskInfo,
} from '../../src/runner/types.ts';
import { fakeTasks } from './fake-tasks.ts';
import { matchJobs, newJob, queueCounts, transition } from './fake-queries.ts';

type Follower = (lines: LogLine[]) => void;

export class FakeRunner implements QueueApi {
  readonly database = 'postgres://ifdb:*****@db.example:5432/ifdb';
  readonly jobs = new Map<string, JobDetail>();
  readonly logs = new Map<string, LogLine[]>();
  readonly schedules = new Map<string, ScheduleInfo>();
  readonly paused = new Set<string>();
  readonly runners: RunnerInfo[] = [];
  /** how often each method was called */
  readonly calls: Record<string, number> = {};
  readonly listCalls: Array<{ filter: JobFilter; after: string | null | undefined; limit: number | undefined }> = [];
  private readonly definitions: Map<string, TaskDefinition>;
  private readonly events = new EventEmitter();
  private readonly followers = new Map<string, Set<Follower>>();
  private down = false;
  private seq = 0;

  constructor(tasks: TaskDefinition[] = fakeTasks) {
    this.definitions = new Map(tasks.map((t) => [t.name, t]));
    this.events.setMaxListeners(100);
  }

  // ---- test helpers ----

  emit<E extends EventName>(event: E, payload: RunnerEvents[E]): void {
    this.events.emit(event, payload);
  }

  /** Every async method rejects while down, as when PostgreSQL is unreachable. */
  setDown(down: boolean): void {
    this.down = down;
    this.emit('db:status', down ? { connected: false, error: 'connect ECONNREFUSED 127.0.0.1:5432' } : { connected: true });
  }

  listenerCount(): number {
    return this.events.eventNames().reduce((n, e) => n + this.events.listenerCount(e), 0);
  }

  followerCount(): number {
    return [...this.followers.values()].reduce((n, s) => n + s.size, 0);
  }

  /** Puts a job directly into a state, as if a runner had moved it there. */
  setState(id: string, state: JobState, extra: Partial<JobDetail> = {}): JobDetail {
    const next = transition(this.mustGet(id), state, extra);
    this.jobs.set(id, next);
    return next;
  }

  start(id: string): void {
    const job = this.setState(id, 'active');
    this.emit('job:started', { id, task: job.task, attempt: job.attempt, runnerId: 'r1' });
  }

  complete(id: string): void {
    const job = this.setState(id, 'completed', { error: null });
    this.emit('job:completed', { id, task: job.task, attempt: job.attempt, durationMs: 1200 });
  }

  fail(id: string, message: string, stack = `Error: ${message}\n    at handler (task.ts:1:1)`): void {
    const job = this.setState(id, 'failed', { error: message.split('\n')[0], errorStack: stack });
    this.emit('job:failed', { id, task: job.task, attempt: job.attempt, error: message, willRetry: false });
  }

  log(jobId: string, text: string, level: LogLevel = 'info', truncated?: number): LogLine {
    const lines = this.logs.get(jobId) ?? [];
    const job = this.mustGet(jobId);
    const line: LogLine = { jobId, attempt: Math.max(1, job.attempt), seq: lines.length + 1, ts: new Date().toISOString(), level, text, ...(truncated ? { truncated } : {}) };
    this.logs.set(jobId, [...lines, line]);
    for (const f of this.followers.get(jobId) ?? []) f([line]);
    this.emit('log:lines', { jobId, attempt: line.attempt, fromSeq: line.seq, toSeq: line.seq, lines: [line] });
    return line;
  }

  addRunner(info: Partial<RunnerInfo> = {}): RunnerInfo {
    const now = new Date().toISOString();
    const r: RunnerInfo = { id: `r${this.runners.length + 1}`, host: 'web1', pid: 4121, version: '0.1.0', kind: 'daemon', startedAt: now, lastSeenAt: now, queues: [...this.definitions.keys()], alive: true, ...info };
    this.runners.push(r);
    return r;
  }

  // ---- QueueApi ----

  tasks(): TaskInfo[] {
    return [...this.definitions.values()].map((t) => {
      const example = t.schema.safeParse({});
      return {
        name: t.name, description: t.description, concurrency: t.concurrency ?? 1, exclusive: t.exclusive ?? false,
        retry: { retries: 2, delaySeconds: 1, backoff: false, ...t.retry }, expireSeconds: t.expireSeconds ?? 900, onFail: t.onFail ?? null,
        argsJsonSchema: z.toJSONSchema(t.schema, { io: 'input' }), exampleArgs: example.success ? example.data : null,
      };
    });
  }

  async enqueue(task: string, args: unknown, options: EnqueueOptions = {}): Promise<string> {
    this.guard('enqueue');
    const def = this.definitions.get(task);
    if (!def) throw new Error(`unknown task "${task}"`);
    const parsed = def.schema.safeParse(args ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`invalid arguments for ${task}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const id = randomUUID();
    const now = Date.now();
    const startAfter = options.startAfter instanceof Date ? options.startAfter : new Date(now + (options.startAfter ?? 0) * 1000);
    const created = new Date(now + this.seq++).toISOString(); // strictly increasing, so keyset order is stable
    this.jobs.set(id, newJob(id, task, parsed.data, options, created, startAfter));
    this.emit('job:created', { id, task, name: options.name ?? null });
    return id;
  }

  async enqueueOrGet(task: string, args: unknown, options: EnqueueOptions & { name: string }): Promise<EnqueueOrGetResult> {
    const open = [...this.jobs.values()].find((j) => j.task === task && j.name === options.name && ['created', 'retry', 'active'].includes(j.state));
    if (open) return { id: open.id, created: false };
    return { id: await this.enqueue(task, args, options), created: true };
  }

  async snapshot(): Promise<Snapshot> {
    this.guard('snapshot');
    const queues: QueueCounts[] = [...this.definitions.keys()].map((task) => this.countsOf(task));
    const sum = (k: keyof QueueCounts) => queues.reduce((n, q) => n + (q[k] as number), 0);
    return {
      database: this.database, takenAt: new Date().toISOString(), queues, runners: [...this.runners], schedules: [...this.schedules.values()],
      totals: { waiting: sum('waiting'), scheduled: sum('scheduled'), active: sum('active'), retry: sum('retry'), failed: sum('failed'), completedLastHour: sum('completedLastHour'), failedLastHour: sum('failedLastHour') },
    };
  }

  async listJobs(filter: JobFilter, page: { limit?: number; after?: string | null } = {}): Promise<JobPage> {
    this.guard('listJobs');
    this.listCalls.push({ filter, after: page.after, limit: page.limit });
    const limit = page.limit ?? 50;
    let rows = this.matching(filter);
    if (page.after) {
      const [createdAt, id] = JSON.parse(Buffer.from(page.after, 'base64url').toString()) as [string, string];
      rows = rows.filter((j) => j.createdAt < createdAt || (j.createdAt === createdAt && j.id < id));
    }
    const jobs = rows.slice(0, limit);
    const last = jobs[jobs.length - 1];
    const next = rows.length > limit && last ? Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url') : null;
    return { jobs: jobs.map(({ options, errorStack, output, progress, attempts, dependents, onFailJobId, ...summary }) => summary), next };
  }

  async countJobs(filter: JobFilter): Promise<number> {
    this.guard('countJobs');
    return this.matching(filter).length;
  }

  async getJob(id: string): Promise<JobDetail | null> {
    this.guard('getJob');
    return this.jobs.get(id) ?? null;
  }

  async getLog(jobId: string, options: { attempt?: number; afterSeq?: number; limit?: number } = {}): Promise<LogLine[]> {
    this.guard('getLog');
    return (this.logs.get(jobId) ?? []).filter((l) => (options.attempt === undefined || l.attempt === options.attempt) && l.seq > (options.afterSeq ?? 0)).slice(0, options.limit ?? Infinity);
  }

  async followLog(jobId: string, onLines: (lines: LogLine[]) => void, options: { attempt?: number } = {}): Promise<() => void> {
    const existing = await this.getLog(jobId, options);
    const follower: Follower = (lines) => onLines(lines.filter((l) => options.attempt === undefined || l.attempt === options.attempt));
    if (existing.length) onLines(existing);
    const set = this.followers.get(jobId) ?? new Set();
    set.add(follower);
    this.followers.set(jobId, set);
    return () => set.delete(follower);
  }

  async retryJob(id: string): Promise<number> {
    this.guard('retryJob');
    const job = this.jobs.get(id);
    if (!job || !['failed', 'cancelled'].includes(job.state)) return 0;
    this.jobs.set(id, { ...job, state: 'created', error: null, startAfter: new Date().toISOString() });
    this.emit('job:retried', { ids: [id], task: job.task });
    return 1;
  }

  async retryFailed(filter: { task?: string; ids?: string[] } = {}): Promise<number> {
    this.guard('retryFailed');
    const ids = this.matching({ task: filter.task, state: 'failed' }).map((j) => j.id).filter((id) => !filter.ids || filter.ids.includes(id));
    for (const id of ids) this.jobs.set(id, { ...this.mustGet(id), state: 'created', error: null });
    if (ids.length) this.emit('job:retried', { ids, task: filter.task ?? null });
    return ids.length;
  }

  async cancelJob(id: string): Promise<number> {
    this.guard('cancelJob');
    const job = this.jobs.get(id);
    if (!job || !['created', 'retry', 'active'].includes(job.state)) return 0;
    this.setState(id, 'cancelled');
    this.emit('job:cancelled', { ids: [id] });
    return 1;
  }

  async deleteJob(id: string): Promise<number> {
    this.guard('deleteJob');
    const job = this.jobs.get(id);
    // as the real runner: a running job is never deleted (cancel it first)
    if (!job || job.state === 'active') return 0;
    this.jobs.delete(id);
    this.emit('job:deleted', { count: 1, task: job.task });
    return 1;
  }

  async cleanup(options: CleanupOptions = {}): Promise<CleanupReport> {
    this.guard('cleanup');
    const cutoff = Date.now() - (options.olderThanSeconds ?? 14 * 86_400) * 1000;
    const states: JobState[] = ['completed', 'cancelled', ...(options.includeFailed ? (['failed'] as const) : [])];
    const gone = [...this.jobs.values()].filter((j) => states.includes(j.state) && (!options.task || j.task === options.task) && j.finishedAt && Date.parse(j.finishedAt) < cutoff);
    const report: CleanupReport = { dryRun: !!options.dryRun, completed: 0, cancelled: 0, failed: 0 };
    for (const j of gone) {
      report[j.state as 'completed' | 'cancelled' | 'failed']++;
      if (!options.dryRun) this.jobs.delete(j.id);
    }
    if (!options.dryRun && gone.length) this.emit('job:deleted', { count: gone.length, task: options.task ?? null });
    return report;
  }

  async pauseQueue(task: string): Promise<void> {
    this.guard('pauseQueue');
    this.paused.add(task);
    this.emit('queue:changed', { task, paused: true });
  }

  async resumeQueue(task: string): Promise<void> {
    this.guard('resumeQueue');
    this.paused.delete(task);
    this.emit('queue:changed', { task, paused: false });
  }

  async listSchedules(): Promise<ScheduleInfo[]> {
    this.guard('listSchedules');
    return [...this.schedules.values()];
  }

  async setSchedule(input: ScheduleInput): Promise<ScheduleInfo> {
    this.guard('setSchedule');
    if (!this.definitions.has(input.task)) throw new Error(`unknown task "${input.task}"`);
    const preview = this.previewCron(input.cron, input.tz);
    if (!preview.ok) throw new Error(`invalid cron "${input.cron}": ${preview.error}`);
    const key = input.key ?? 'default';
    const id = `${input.task}:${key}`;
    const old = this.schedules.get(id);
    const info: ScheduleInfo = { id, task: input.task, key, cron: input.cron, tz: input.tz ?? 'UTC', args: input.args ?? {}, paused: input.paused ?? old?.paused ?? false, nextRuns: preview.next, lastRunAt: old?.lastRunAt ?? null, lastJobId: old?.lastJobId ?? null, lastOutcome: old?.lastOutcome ?? null, lastDurationMs: old?.lastDurationMs ?? null };
    this.schedules.set(id, info);
    this.emit('schedule:changed', { scheduleId: id });
    return info;
  }

  async deleteSchedule(id: string): Promise<number> {
    this.guard('deleteSchedule');
    const had = this.schedules.delete(id);
    if (had) this.emit('schedule:changed', { scheduleId: id });
    return had ? 1 : 0;
  }

  async pauseSchedule(id: string): Promise<void> {
    this.guard('pauseSchedule');
    this.schedules.set(id, { ...this.mustSchedule(id), paused: true });
    this.emit('schedule:changed', { scheduleId: id });
  }

  async resumeSchedule(id: string): Promise<void> {
    this.guard('resumeSchedule');
    this.schedules.set(id, { ...this.mustSchedule(id), paused: false });
    this.emit('schedule:changed', { scheduleId: id });
  }

  async runScheduleNow(id: string): Promise<string> {
    const s = this.mustSchedule(id);
    const jobId = await this.enqueue(s.task, s.args);
    this.schedules.set(id, { ...s, lastRunAt: new Date().toISOString(), lastJobId: jobId, lastOutcome: 'created' });
    this.emit('schedule:fired', { scheduleId: id, task: s.task, jobId });
    return jobId;
  }

  previewCron(cron: string, tz = 'UTC', count = 5): CronPreview {
    try {
      const c = new Cron(cron, { timezone: tz, paused: true });
      return { ok: true, next: c.nextRuns(count).map((d) => d.toISOString()) };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  on<E extends EventName>(event: E, listener: EventListener<E>): () => void {
    this.events.on(event, listener as (p: unknown) => void);
    return () => this.events.off(event, listener as (p: unknown) => void);
  }

  // ---- internals ----

  private guard(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }

  private mustGet(id: string): JobDetail {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }

  private mustSchedule(id: string): ScheduleInfo {
    const s = this.schedules.get(id);
    if (!s) throw new Error(`no schedule ${id}`);
    return s;
  }

  private matching(filter: JobFilter): JobDetail[] {
    return matchJobs(this.jobs.values(), filter);
  }

  private countsOf(task: string): QueueCounts {
    return queueCounts(this.jobs.values(), task, this.paused.has(task));
  }
}
