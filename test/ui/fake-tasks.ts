// Task definitions the fake runner registers: the real demo tasks plus stand-ins with the IFDB tasks' names and arguments.
import { z } from 'zod';
import { defineTask } from '../../src/runner/task.ts';
import { demoTasks } from '../../src/tasks/demo/index.ts';
import type { TaskDefinition } from '../../src/runner/types.ts';

const noop = async () => null;

export const fakeTasks: TaskDefinition[] = [
  ...demoTasks,
  defineTask({
    name: 'clone-file',
    description: 'Backs up a remote file',
    schema: z.object({ urlId: z.number().int().positive() }).strict(),
    handler: noop,
    summarize: (a) => `url ${a.urlId}`,
  }),
  defineTask({
    name: 'import-games',
    description: 'Imports games from the sources',
    // The real task's arguments (src/tasks/import/index.ts): a flag or a list of URLs.
    schema: z
      .object({ appendUrls: z.union([z.boolean(), z.array(z.string().max(2048).regex(/^https?:\/\//i)).max(1000)]).optional(), dryRun: z.boolean().optional() })
      .strict(),
    exclusive: true,
    handler: noop,
  }),
  defineTask({
    name: 'import-force-update-urls',
    description: 'Imports games, appending URLs',
    schema: z.object({ dryRun: z.boolean().default(false) }).strict(),
    exclusive: true,
    handler: noop,
  }),
  defineTask({
    name: 'force-reimport',
    description: 'Re-fetches every updateable game',
    schema: z.object({ dryRun: z.boolean().default(false) }).strict(),
    exclusive: true,
    handler: noop,
  }),
  defineTask({
    name: 'fetch-feeds',
    description: 'Fetches the news feeds',
    schema: z.object({}).strict(),
    exclusive: true,
    handler: noop,
  }),
];
