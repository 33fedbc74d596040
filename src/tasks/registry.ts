// Every task ifqueue knows, built from its dependencies (IFDB pool and configuration).
import type { TaskDefinition } from '../runner/types.ts';
import type { TaskDeps } from './deps.ts';
import { demoTasks } from './demo/index.ts';
import { discordTasks } from './discord/index.ts';
import { feedTasks } from './feeds/index.ts';
import { importTasks } from './import/index.ts';
import { uploadTasks } from './uploads/index.ts';

/** Tasks that need nothing but the runner. */
export function buildDemoTasks(): TaskDefinition[] {
  return [...demoTasks];
}

/** The IFDB task families, and the demo tasks when asked for. */
export function buildTasks(deps: TaskDeps, options: { demo?: boolean } = {}): TaskDefinition[] {
  return [...(options.demo ? buildDemoTasks() : []), ...uploadTasks(deps), ...feedTasks(deps), ...discordTasks(deps), ...importTasks(deps)];
}
