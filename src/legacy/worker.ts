// Finds the old worker: its systemd unit if there is one, else the pid in WORKER_PID_FILE checked
// against /proc/<pid>/cmdline. A pid that is not an ifdbworker is reported as stale, never trusted.
import { readFile, stat } from 'node:fs/promises';
import type { LegacyOptions } from './options.ts';
import { isWorkerCmdline, processCmdline, processStartTime } from './process.ts';
import { inspectUnit, unitRunning, type UnitState } from './systemd.ts';

export type PidFileState = 'missing' | 'unreadable' | 'invalid' | 'gone' | 'worker' | 'stale' | 'bridge';

export interface PidFileInfo {
  path: string;
  state: PidFileState;
  pid: number | null;
  /** when the file was last written: the worker writes it at start */
  writtenAt: Date | null;
  /** one line for people */
  detail: string;
}

export interface WorkerInfo {
  alive: boolean;
  /** how the running worker was found */
  via: 'systemd' | 'pid-file' | null;
  pid: number | null;
  /** the systemd unit when systemd knows it */
  unit: string | null;
  unitState: string | null;
  /** the unit as systemd reports it (its last result, restarts), when there is one */
  unitInfo: UnitState | null;
  /** when the worker process started (rows started before it are not its current row) */
  startedAt: Date | null;
  pidFile: PidFileInfo;
  summary: string;
}

/** Reads the pid file; `bridgePids` are pids of live ifqueue bridges on this host that may have taken it over. */
export async function inspectPidFile(path: string, bridgePids: ReadonlySet<number> = new Set()): Promise<PidFileInfo> {
  let text: string;
  let writtenAt: Date | null = null;
  try {
    text = await readFile(path, 'utf8');
    writtenAt = (await stat(path)).mtime;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path, state: 'missing', pid: null, writtenAt, detail: `no pid file at ${path}` };
    return { path, state: 'unreadable', pid: null, writtenAt, detail: `cannot read pid file ${path}: ${(error as Error).message}` };
  }
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return { path, state: 'invalid', pid: null, writtenAt, detail: `pid file ${path} does not hold a pid: ${JSON.stringify(trimmed.slice(0, 40))}` };
  const pid = Number(trimmed);
  if (bridgePids.has(pid)) return { path, state: 'bridge', pid, writtenAt, detail: `pid file ${path} holds the ifqueue bridge (pid ${pid})` };
  const argv = await processCmdline(pid);
  if (!argv) return { path, state: 'gone', pid, writtenAt, detail: `pid file ${path} names pid ${pid}, which is not running` };
  if (isWorkerCmdline(argv)) return { path, state: 'worker', pid, writtenAt, detail: `pid ${pid} is the legacy worker` };
  const shown = argv.join(' ').slice(0, 80);
  return { path, state: 'stale', pid, writtenAt, detail: `stale pid file ${path}: pid ${pid} is not an ifdbworker (${shown}); not signalled` };
}

export async function findWorker(options: LegacyOptions, bridgePids?: ReadonlySet<number>): Promise<WorkerInfo> {
  const [unit, pidFile] = await Promise.all([inspectUnit(options.unit), inspectPidFile(options.pidFile, bridgePids)]);
  return describeWorker(unit, pidFile);
}

async function describeWorker(unit: UnitState | null, pidFile: PidFileInfo): Promise<WorkerInfo> {
  if (unit && unitRunning(unit)) {
    const pid = unit.mainPid;
    return {
      alive: true,
      via: 'systemd',
      pid,
      unit: unit.unit,
      unitState: unit.active,
      unitInfo: unit,
      startedAt: pid ? await processStartTime(pid) : null,
      pidFile,
      summary: `running (${unit.unit} ${unit.active}${pid ? `, pid ${pid}` : ''})`,
    };
  }
  if (pidFile.state === 'worker' && pidFile.pid) {
    return {
      alive: true,
      via: 'pid-file',
      pid: pidFile.pid,
      unit: unit?.unit ?? null,
      unitState: unit?.active ?? null,
      unitInfo: unit,
      startedAt: await processStartTime(pidFile.pid),
      pidFile,
      summary: `running (pid ${pidFile.pid} from ${pidFile.path}${unit ? `; ${unit.unit} is ${unit.active}` : ''})`,
    };
  }
  const why = unit ? `${unit.unit} is ${unit.active}; ${pidFile.detail}` : pidFile.detail;
  return { alive: false, via: null, pid: null, unit: unit?.unit ?? null, unitState: unit?.active ?? null, unitInfo: unit, startedAt: null, pidFile, summary: `not running (${why})` };
}
