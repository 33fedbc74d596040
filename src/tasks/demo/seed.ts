// Demo jobs in every state, so a new user sees a working dashboard at once. Only into an empty queue.
import type { QueueApi } from '../../runner/types.ts';

export interface SeedReport {
  seeded: boolean;
  reason?: string;
  jobs: number;
}

export async function seedDemoJobs(api: QueueApi): Promise<SeedReport> {
  const existing = await api.countJobs({});
  if (existing > 0) return { seeded: false, reason: `the database already holds ${existing} job(s)`, jobs: 0 };
  let jobs = 0;
  const add = async (task: string, args: unknown, options = {}) => {
    jobs++;
    return api.enqueue(task, args, options);
  };
  // completed quickly
  for (let i = 1; i <= 5; i++) await add('demo-log-burst', { lines: 10 * i }, { name: `warm-up ${i}` });
  // failed for good, and one cycling through retries
  await add('demo-fail', { message: 'HTTP 404 Not Found (demo)' }, { name: 'CloneUrl(10231)' });
  await add('demo-fail', { message: 'connection reset by peer (demo)' }, { name: 'CloneUrl(10188)', retries: 3 });
  // running for a while, writing log lines every second
  const long = await add('demo-sleep', { seconds: 300 }, { name: 'long import (demo)', priority: 10 });
  for (let i = 1; i <= 6; i++) await add('demo-sleep', { seconds: 20 + i * 10 }, { name: `RecodeGame(${4400 + i})` });
  // waiting on a dependency, scheduled for later, cancelled
  await add('demo-log-burst', { lines: 50 }, { name: 'after the long import', dependsOn: long });
  await add('demo-sleep', { seconds: 5 }, { name: 'nightly (demo)', startAfter: 3600 });
  const cancelled = await add('demo-sleep', { seconds: 5 }, { name: 'cancelled (demo)', startAfter: 7200 });
  await api.cancelJob(cancelled);
  return { seeded: true, jobs };
}
