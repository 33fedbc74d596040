// The upload tasks: clone-file (with its on-fail mark-broken) and recode-game.
import type { TaskDefinition } from '../../runner/types.ts';
import type { TaskDeps } from '../deps.ts';
import { createHttpClient, type HttpClient } from '../http/index.ts';
import { cloneFileTask } from './clone-file.ts';
import { markBrokenTask } from './mark-broken.ts';
import { recodeGameTask } from './recode-game.ts';
import { createStaleSweeper } from './stale-sweeper.ts';

/** Pass the HTTP client shared by all task families, so the per-host limit holds across them. */
export function uploadTasks(deps: TaskDeps, http: HttpClient = createHttpClient(deps.config)): TaskDefinition[] {
  const sweep = createStaleSweeper(deps.config);
  return [cloneFileTask(deps, http, sweep), markBrokenTask(deps), recodeGameTask(deps, sweep)];
}

export { requireIfdbTables } from './ifdb-tables.ts';
