// Starts the old worker again (rollback): its systemd unit when there is one, else the configured
// command, detached, so it outlives this process, with its output appended to a log file (its
// exceptions are the only trace of why it stopped). Waits until the pid file names a live ifdbworker.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { parseCommandString } from 'execa';
import { abortableSleep } from '../runner/sleep.ts';
import { workerLogPath, type LegacyOptions } from './options.ts';
import { inspectUnit, systemctl } from './systemd.ts';
import { findWorker } from './worker.ts';

export async function startWorker(options: LegacyOptions, waitMs = 15_000): Promise<{ ok: boolean; message: string }> {
  const before = await findWorker(options);
  if (before.alive) return { ok: true, message: `old worker already running (${before.summary})` };
  const unit = await inspectUnit(options.unit);
  let logNote = '';
  if (unit) {
    const failure = await systemctl('start', unit.unit, waitMs);
    if (failure) return { ok: false, message: failure };
  } else if (options.workerCommand) {
    const [file, ...args] = parseCommandString(options.workerCommand);
    const logFile = workerLogPath(options);
    let fd: number;
    try {
      fd = openSync(logFile, 'a', 0o640);
    } catch (error) {
      return { ok: false, message: `cannot open the old worker's log ${logFile}: ${(error as Error).message} (set IFQUEUE_LEGACY_WORKER_LOG)` };
    }
    // node's spawn, not execa: the child writes to the file itself, so the output outlives this process
    const started = await new Promise<string | null>((resolve) => {
      const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], cwd: options.workerCwd });
      child.once('error', (error) => resolve(error.message));
      child.once('spawn', () => resolve(null));
      child.unref();
    });
    closeSync(fd);
    if (started) return { ok: false, message: `cannot start the old worker with ${JSON.stringify(options.workerCommand)}: ${started}` };
    logNote = `; its output goes to ${logFile}`;
  } else {
    return { ok: false, message: 'no systemd unit and no worker command: start the old worker yourself (or set IFQUEUE_LEGACY_WORKER_COMMAND)' };
  }
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const w = await findWorker(options);
    if (w.alive) return { ok: true, message: `old worker started: ${w.summary}${logNote}` };
    await abortableSleep(100);
  }
  return { ok: false, message: `old worker did not show up within ${Math.round(waitMs / 1000)}s (${(await findWorker(options)).summary})${logNote}` };
}
