// `ifqueue legacy stop`: stops the old worker the way its unit did (SIGTERM: it finishes its current
// row, then exits), through systemd when the unit exists, else by the verified pid. Never by name.
import type pg from 'pg';
import { abortableSleep } from '../runner/sleep.ts';
import type { LegacyOptions } from './options.ts';
import { isWorkerCmdline, processCmdline } from './process.ts';
import { LEGACY_TABLE } from './options.ts';
import { legacyReport } from './status.ts';
import { systemctl } from './systemd.ts';
import type { UnfinishedRow } from './rows.ts';

export interface StopResult {
  ok: boolean;
  /** the worker was not running because it had crashed (not ok: someone should look at why) */
  crashed?: boolean;
  /** one line */
  message: string;
}

export interface StopOptions {
  timeoutMs?: number;
  /** how often progress is reported while waiting */
  progressEveryMs?: number;
  signal?: AbortSignal;
}

const rowLabel = (r: UnfinishedRow) => `row ${r.id}${r.name ? ` ${r.name}` : ''}`;

async function rowOutcome(db: pg.Pool, id: number): Promise<string> {
  const { rows } = await db.query(`SELECT pending, success, fail FROM ${LEGACY_TABLE} WHERE id = $1`, [id]);
  const r = rows[0];
  if (!r) return 'was deleted';
  return r.fail ? 'failed' : r.pending ? 'went back to pending (retry)' : r.success ? 'succeeded' : 'is unfinished (orphaned)';
}

export async function stopWorker(db: pg.Pool, options: LegacyOptions, onProgress: (message: string) => void, o: StopOptions = {}): Promise<StopResult> {
  const timeoutMs = o.timeoutMs ?? 10 * 60_000;
  const every = o.progressEveryMs ?? 2000;
  const report = await legacyReport(db, options);
  const w = report.worker;
  if (!w.alive) {
    if (w.pidFile.state === 'stale') return { ok: false, message: `${w.pidFile.detail}; nothing was stopped` };
    if (report.crash) return { ok: false, crashed: true, message: `old worker is not running: it crashed: ${report.crash}; nothing to stop` };
    return { ok: true, message: `old worker is not running (${w.pidFile.detail})` };
  }
  const current = report.running;
  const finishing = current ? `; it finishes ${rowLabel(current)} first` : '; it is idle';
  const started = Date.now();

  if (w.via === 'systemd' && w.unit) {
    onProgress(`stopping ${w.unit}${w.pid ? ` (pid ${w.pid})` : ''}${finishing}`);
    const stop = systemctl('stop', w.unit, timeoutMs);
    let done = false;
    void stop.finally(() => (done = true));
    while (!done) {
      await Promise.race([stop, abortableSleep(every, o.signal)]);
      if (!done) onProgress(`waiting for ${w.unit} to stop (${Math.round((Date.now() - started) / 1000)}s)${current ? `: ${rowLabel(current)} still running` : ''}`);
    }
    const failure = await stop;
    if (failure) return { ok: false, message: failure };
    return { ok: true, message: `${w.unit} stopped after ${Math.round((Date.now() - started) / 1000)}s${current ? `; ${rowLabel(current)} ${await rowOutcome(db, current.id)}` : ''}` };
  }

  const pid = w.pid!;
  // Check the command line again right before signalling: the pid may have been reused meanwhile.
  const argv = await processCmdline(pid);
  if (!argv || !isWorkerCmdline(argv)) return { ok: true, message: `old worker (pid ${pid}) exited by itself` };
  try {
    process.kill(pid, 'SIGTERM');
  } catch (error) {
    return { ok: false, message: `cannot signal the old worker (pid ${pid}): ${(error as Error).message} (run as its user, or: systemctl stop ifdb-worker)` };
  }
  onProgress(`sent SIGTERM to the old worker (pid ${pid})${finishing}`);
  let lastReport = Date.now();
  while (Date.now() - started < timeoutMs) {
    const still = await processCmdline(pid);
    if (!still || !isWorkerCmdline(still)) {
      const secs = Math.round((Date.now() - started) / 1000);
      return { ok: true, message: `old worker (pid ${pid}) exited after ${secs}s${current ? `; ${rowLabel(current)} ${await rowOutcome(db, current.id)}` : ''}` };
    }
    if (Date.now() - lastReport >= every) {
      lastReport = Date.now();
      onProgress(`old worker (pid ${pid}) is still ${current ? `finishing ${rowLabel(current)}` : 'exiting'} (${Math.round((Date.now() - started) / 1000)}s)`);
    }
    if (o.signal?.aborted) break;
    await abortableSleep(100, o.signal);
  }
  return { ok: false, message: `old worker (pid ${pid}) is still running after ${Math.round((Date.now() - started) / 1000)}s; it was not killed (a kill would orphan its row)` };
}
