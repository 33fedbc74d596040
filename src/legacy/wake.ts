// Wakes the old worker the way Django's NotifyWorker() does (SIGUSR1), after checking again that the
// pid is still an ifdbworker: it sleeps up to 6 hours otherwise, even with pending rows.
import { isWorkerCmdline, processCmdline } from './process.ts';
import type { WorkerInfo } from './worker.ts';

export type WakeResult = { woke: number } | { failed: string } | null;

/** null when there is no live worker to wake. */
export async function wakeWorker(worker: WorkerInfo): Promise<WakeResult> {
  if (!worker.alive || !worker.pid) return null;
  const argv = await processCmdline(worker.pid);
  if (!argv || !isWorkerCmdline(argv)) return null;
  try {
    process.kill(worker.pid, 'SIGUSR1');
    return { woke: worker.pid };
  } catch (error) {
    return { failed: `cannot wake the old worker (pid ${worker.pid}): ${(error as Error).message}` };
  }
}
