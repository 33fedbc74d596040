// A TasksConfig for tests: temp dirs, 127.0.0.1 allowed, small limits unless overridden.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadTasksConfig, type TasksConfig } from '../../../src/tasks/config.ts';

export interface TestConfig {
  config: TasksConfig;
  root: string;
  cleanup(): Promise<void>;
}

export async function makeTestConfig(env: Record<string, string> = {}): Promise<TestConfig> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ifq-tasks-'));
  const config = loadTasksConfig({
    IFQUEUE_FILES_DIR: path.join(root, 'files'),
    IFQUEUE_TMP_DIR: path.join(root, 'tmp'),
    IFQUEUE_ALLOW_HOSTS: '127.0.0.1',
    IFQUEUE_REQUEST_TIMEOUT_MS: '10000',
    IFQUEUE_IDLE_TIMEOUT_MS: '5000',
    ...env,
  });
  return { config, root, cleanup: () => rm(root, { recursive: true, force: true }) };
}
