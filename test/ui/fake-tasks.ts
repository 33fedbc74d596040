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
    schema: z.object({ appendUrls: z.boolean().default(false), dryRun: z.boolean().default(false) }).strict(),
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
