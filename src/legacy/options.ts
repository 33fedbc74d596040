// Where the legacy worker lives: its pid file, its systemd unit and the command that starts it.
import path from 'node:path';

export const LEGACY_TABLE = 'core_taskqueueelement';
/** Production value of IFDB's WORKER_PID_FILE setting. */
export const DEFAULT_PID_FILE = '/home/ifdb/tmp/tmp/ifdbworker.pid';
export const DEFAULT_UNIT = 'ifdb-worker';
/** The worker's process command line contains this (`manage.py ifdbworker`). */
export const WORKER_MARKER = 'ifdbworker';
/** Legacy kept the last 128 K characters of a row's log. */
export const MAX_LOG_CHARS = 128 * 1024;

export interface LegacyOptions {
  /** IFDB's WORKER_PID_FILE */
  pidFile: string;
  /** systemd unit of the old worker; null: do not use systemd */
  unit: string | null;
  /** starts the old worker when there is no systemd unit (rollback), e.g. "/srv/ifdb/venv/bin/python manage.py ifdbworker" */
  workerCommand: string | null;
  /** working directory of workerCommand */
  workerCwd?: string;
  /** where the output of a worker started by workerCommand goes (appended); default: ifdbworker.log beside the pid file */
  workerLog?: string;
}

/** The log of a worker ifqueue starts: IFQUEUE_LEGACY_WORKER_LOG, else ifdbworker.log in the pid file's directory (the worker's user can write there). */
export function workerLogPath(o: LegacyOptions): string {
  return o.workerLog ?? path.join(path.dirname(o.pidFile), 'ifdbworker.log');
}

/** Options from the environment: WORKER_PID_FILE (IFDB's own name), IFQUEUE_LEGACY_UNIT ('' disables systemd), IFQUEUE_LEGACY_WORKER_COMMAND, _CWD, _LOG. */
export function legacyOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<LegacyOptions> = {}): LegacyOptions {
  const unit = env.IFQUEUE_LEGACY_UNIT ?? DEFAULT_UNIT;
  return {
    pidFile: env.IFQUEUE_LEGACY_PID_FILE || env.WORKER_PID_FILE || DEFAULT_PID_FILE,
    unit: unit === '' ? null : unit,
    workerCommand: env.IFQUEUE_LEGACY_WORKER_COMMAND || null,
    workerCwd: env.IFQUEUE_LEGACY_WORKER_CWD || undefined,
    workerLog: env.IFQUEUE_LEGACY_WORKER_LOG || undefined,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
}
