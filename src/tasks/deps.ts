// What task handlers need from their environment besides (args, ctx).
import type pg from 'pg';
import type { TasksConfig } from './config.ts';

export interface TaskDeps {
  /** pool on IFDB's database (the same DATABASE_URL the runner uses) */
  pool: pg.Pool;
  config: TasksConfig;
}
