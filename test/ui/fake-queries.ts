// The fake runner's reads: which jobs match a filter, per-queue counts, and a new job's record.
import type { EnqueueOptions, JobDetail, JobFilter, JobState, QueueCounts } from '../../src/runner/types.ts';

/** Jobs matching the filter, newest first (the keyset order of the real runner). */
export function matchJobs(jobs: Iterable<JobDetail>, filter: JobFilter): JobDetail[] {
  const now = new Date().toISOString();
  const search = filter.search?.toLowerCase();
  return [...jobs]
    .filter((j) => !filter.task || j.task === filter.task)
    .filter((j) => {
      switch (filter.state) {
        case undefined: return true;
        case 'waiting': return j.state === 'created' && j.startAfter <= now;
        case 'scheduled': return j.state === 'created' && j.startAfter > now;
        default: return j.state === filter.state;
      }
    })
    .filter((j) => !search || (j.name ?? '').toLowerCase().includes(search) || j.id.startsWith(search) || JSON.stringify(j.args).toLowerCase().includes(search))
    .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
}

export function queueCounts(jobs: Iterable<JobDetail>, task: string, paused: boolean): QueueCounts {
  const all = [...jobs];
  const of = (state: JobFilter['state']) => matchJobs(all, { task, state }).length;
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  const done = matchJobs(all, { task, state: 'completed' });
  const oldest = matchJobs(all, { task, state: 'waiting' }).at(-1);
  return {
    task, waiting: of('waiting'), scheduled: of('scheduled'), active: of('active'), retry: of('retry'), failed: of('failed'), cancelled: of('cancelled'),
    completed: done.length, completedLastHour: done.filter((j) => (j.finishedAt ?? '') >= hourAgo).length, completedLastDay: done.length,
    failedLastHour: matchJobs(all, { task, state: 'failed' }).filter((j) => (j.finishedAt ?? '') >= hourAgo).length,
    oldestWaitingSeconds: oldest ? Math.round((Date.now() - Date.parse(oldest.createdAt)) / 1000) : null,
    paused, throughput: Array.from({ length: 12 }, (_, i) => (done.length * (i + 1)) % 7),
  };
}

export function newJob(id: string, task: string, args: unknown, options: EnqueueOptions, createdAt: string, startAfter: Date): JobDetail {
  const retries = options.retries ?? 2;
  return {
    id, task, name: options.name ?? null, state: 'created', priority: options.priority ?? 100, attempt: 0, maxAttempts: retries + 1,
    dependsOn: options.dependsOn ?? null, blocked: false, args, createdAt, startAfter: startAfter.toISOString(),
    startedAt: null, finishedAt: null, error: null, errorStack: null, output: null, progress: null, attempts: [], dependents: [], onFailJobId: null,
    options: { retryLimit: retries, retryDelay: 1, retryBackoff: false, retryDelayMax: null, expireSeconds: 900, onFail: options.onFail ?? null, legacyId: options.legacyId ?? null },
  };
}

/** A job moved into a state as a runner would: a new attempt when it starts, the attempt closed when it ends. */
export function transition(job: JobDetail, state: JobState, extra: Partial<JobDetail>): JobDetail {
  const now = new Date().toISOString();
  const next: JobDetail = { ...job, state, ...extra };
  if (state === 'active') {
    next.attempt = job.attempt + 1;
    next.startedAt = now;
    next.finishedAt = null;
    next.attempts = [...job.attempts, { attempt: next.attempt, runnerId: 'r1', host: 'web1', pid: 4121, startedAt: now, finishedAt: null, outcome: 'running', error: null, errorStack: null, logLines: 0, truncatedLines: 0 }];
  }
  if (state === 'completed' || state === 'failed' || state === 'cancelled') {
    next.finishedAt = extra.finishedAt ?? now;
    const last = next.attempts.length - 1;
    next.attempts = next.attempts.map((a, i) =>
      i === last && a.outcome === 'running' ? { ...a, finishedAt: now, outcome: state === 'completed' ? 'completed' : 'failed', error: next.error, errorStack: next.errorStack } : a,
    );
  }
  return next;
}
