// Starts the old worker again (rollback): its systemd unit when there is one, else the configured
// command, detached, so it outlives this process. Waits until the pid file names a live ifdbworker.
import { execa, parseCommandString } from 'execa';
import { abortableSleep } from '../runner/sleep.ts';
import type { LegacyOptions } from './options.ts';
import { inspectUnit, systemctl } from './systemd.ts';
import { findWorker } from './worker.ts';

export async function startWorker(options: LegacyOptions, waitMs = 15_000): Promise<{ ok: boolean; message: string }> {
  const before = await findWorker(options);
  if (before.alive) return { ok: true, message: `old worker already running (${before.summary})` };
  const unit = await inspectUnit(options.unit);
  if (unit) {
    const failure = await systemctl('start', unit.unit, waitMs);
    if (failure) return { ok: false, message: failure };
  } else if (options.workerCommand) {
    const [file, ...args] = parseCommandString(options.workerCommand);
    try {
      const child = execa(file, args, { detached: true, stdio: 'ignore', cleanup: false, cwd: options.workerCwd, reject: false });
      child.nodeChildProcess.unref();
      void child.catch(() => {});
    } catch (error) {
      return { ok: false, message: `cannot start the old worker with ${JSON.stringify(options.workerCommand)}: ${(error as Error).message}` };
    }
  } else {
    return { ok: false, message: 'no systemd unit and no worker command: start the old worker yourself (or set IFQUEUE_LEGACY_WORKER_COMMAND)' };
  }
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const w = await findWorker(options);
    if (w.alive) return { ok: true, message: `old worker started: ${w.summary}` };
    await abortableSleep(100);
  }
  return { ok: false, message: `old worker did not show up within ${Math.round(waitMs / 1000)}s (${(await findWorker(options)).summary})` };
}
