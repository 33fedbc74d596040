// Every task ifqueue knows, built from its dependencies (IFDB pool and configuration).
import type { TaskDefinition } from '../runner/types.ts';
import type { TaskDeps } from './deps.ts';
import { demoTasks } from './demo/index.ts';

/** Tasks that need nothing but the runner. */
export function buildDemoTasks(): TaskDefinition[] {
  return [...demoTasks];
}

/** All tasks: demo tasks plus the IFDB tasks (each family adds itself here). */
export function buildTasks(deps: TaskDeps): TaskDefinition[] {
  void deps;
  return [...buildDemoTasks()];
}
