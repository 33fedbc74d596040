// The fetch-feeds task: refreshes core_feedcache from the four feeds IFDB's home page shows.
import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import { defineTask } from '../../runner/task.ts';
import type { TaskDefinition, TaskLogger } from '../../runner/types.ts';
import type { TaskDeps } from '../deps.ts';
import { createHttpClient, type HttpTuning } from '../http/client.ts';
import { fetchFeeds } from './fetch-feeds.ts';
import { requireTables } from '../import/updater/require-tables.ts';
import { FEED_SOURCES } from './sources.ts';

export { fetchFeeds, type FeedReport } from './fetch-feeds.ts';
export { FEED_SOURCES } from './sources.ts';

export interface FeedTaskOptions {
  /** tests turn the client's own retries down */
  httpTuning?: HttpTuning;
}

/** Builds the fetch-feeds task on IFDB's pool and the tasks' configuration. */
export function feedTasks(deps: TaskDeps, options: FeedTaskOptions = {}): TaskDefinition[] {
  // One client (one connection pool) for all runs; its retry notices go to the log of the job that caused them.
  const jobLog = new AsyncLocalStorage<TaskLogger>();
  const http = createHttpClient(deps.config, (level, message) => jobLog.getStore()?.[level](message), options.httpTuning);

  const fetchFeedsTask = defineTask({
    name: 'fetch-feeds',
    description: 'Refreshes the home page feeds (ifhub, ifru, urq, inst) in core_feedcache',
    schema: z.object({}).strict(),
    exclusive: true,
    retry: { retries: 2, delaySeconds: 60, backoff: true, maxDelaySeconds: 600 },
    expireSeconds: 600,
    async handler(_args, ctx) {
      await requireTables(deps.pool, ['core_feedcache'], 'fetch-feeds');
      const reports = await jobLog.run(ctx.log, () =>
        fetchFeeds(FEED_SOURCES, { pool: deps.pool, http, sources: deps.config.sources, maxBytes: deps.config.limits.pageBytes }, ctx),
      );
      return { feeds: reports };
    },
    summarize: () => 'all feeds',
  });

  return [fetchFeedsTask];
}
