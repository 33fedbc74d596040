// All tasks with their configuration, and the default schedules.
import type pg from 'pg';
import type { ScheduleInput, TaskDefinition } from '../runner/types.ts';
import { loadTasksConfig, type TasksConfig } from './config.ts';
import { buildTasks } from './registry.ts';

export const DEFAULT_SCHEDULES: ScheduleInput[] = [
  { task: 'import-games', cron: '0 */6 * * *', tz: 'UTC', args: {} },
  { task: 'fetch-feeds', cron: '*/30 * * * *', tz: 'UTC', args: {} },
];

/**
 * The default schedules, created once per database: active when IFDB's tables are there, paused
 * otherwise (the embedded demo database has none, and the jobs would only fail).
 */
export async function defaultSchedulesFor(pool: pg.Pool): Promise<ScheduleInput[]> {
  const { rows } = await pool.query(`SELECT to_regclass('games_game') IS NOT NULL AS games, to_regclass('core_feedcache') IS NOT NULL AS feeds`);
  const present = { 'import-games': rows[0].games as boolean, 'fetch-feeds': rows[0].feeds as boolean };
  return DEFAULT_SCHEDULES.map((s) => ({ ...s, paused: !present[s.task as keyof typeof present] }));
}

export { loadTasksConfig };

/**
 * Builds every task; configuration comes from the environment (see README) unless given. The demo
 * tasks are included only when asked for (the embedded demo database, --demo, IFQUEUE_DEMO_TASKS).
 */
export function buildAllTasks(options: { pool: pg.Pool; env?: NodeJS.ProcessEnv; config?: TasksConfig; demo?: boolean }): TaskDefinition[] {
  return buildTasks({ pool: options.pool, config: options.config ?? loadTasksConfig(options.env ?? process.env) }, { demo: options.demo ?? false });
}
