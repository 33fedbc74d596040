// mark-broken: the on-fail handler of clone-file; flags the URL so IFDB shows it as broken.
import { z } from 'zod';
import { defineTask } from '../../runner/task.ts';
import type { TaskDeps } from '../deps.ts';
import { requireIfdbTables } from './ifdb-tables.ts';

const schema = z.object({
  job: z.object({
    id: z.string(),
    task: z.string(),
    name: z.string().nullable(),
    args: z.object({ urlId: z.number().int().positive() }).passthrough(),
    attempts: z.number().int().nonnegative(),
  }),
  error: z.object({ message: z.string(), stack: z.string().optional() }),
});

export function markBrokenTask(deps: TaskDeps) {
  return defineTask({
    name: 'mark-broken',
    description: 'Marks a games_url as broken after its clone-file job failed for good',
    schema,
    concurrency: 2,
    retry: { retries: 3, delaySeconds: 30, backoff: true, maxDelaySeconds: 600 },
    expireSeconds: 60,
    async handler({ job, error }, ctx) {
      await requireIfdbTables(deps.pool, ['games_url']);
      const urlId = job.args.urlId;
      const result = await deps.pool.query('UPDATE games_url SET is_broken = true WHERE id = $1', [urlId]);
      const why = error.message.split('\n')[0];
      if (result.rowCount === 0) {
        ctx.log.warn(`url ${urlId} no longer exists; nothing to mark (job ${job.name ?? job.id} failed: ${why})`);
        return { urlId, marked: false };
      }
      ctx.log.info(`marked url ${urlId} broken: job ${job.name ?? job.id} failed after ${job.attempts} attempt(s): ${why}`);
      return { urlId, marked: true };
    },
    summarize: (a) => `url ${a.job.args.urlId}`,
  });
}
