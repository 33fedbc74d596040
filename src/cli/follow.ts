// Follows one job until it ends: its log as it is written, then its final state. Shared by
// `ifqueue job ID --follow` and the shortcut commands' --follow.
import { onStopRequest } from './signals.ts';
import type { EventListener, EventName, JobDetail, JobState, LogLine } from '../runner/types.ts';

/** What following needs; the Runner and the light client both have it. */
export interface Followable {
  followLog(jobId: string, onLines: (lines: LogLine[]) => void): Promise<() => void>;
  on<E extends EventName>(event: E, listener: EventListener<E>): (() => void) | Promise<() => void>;
  getJob(id: string): Promise<JobDetail | null>;
}

export interface FollowOutcome {
  /** null when following was interrupted (Ctrl+C) or the job was deleted */
  state: JobState | null;
  error: string | null;
}

const FINAL: readonly JobState[] = ['completed', 'failed', 'cancelled'];

/**
 * Streams the log to onLines and resolves with the final state. Events end it at once; a slow poll
 * catches what no event announces (a job failed by expiry or by its dependency, a lost listener).
 */
export async function followJob(api: Followable, id: string, onLines: (lines: LogLine[]) => void, options: { pollMs?: number; tailMs?: number } = {}): Promise<FollowOutcome> {
  const pollMs = options.pollMs ?? 2000;
  const tailMs = options.tailMs ?? 300;
  return new Promise<FollowOutcome>((resolve, reject) => {
    const offs: (() => void)[] = [];
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: FollowOutcome) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      stopListening();
      // let the last log lines of the attempt arrive before the final state is printed
      setTimeout(() => {
        offs.forEach((off) => off());
        resolve(outcome);
      }, outcome.state ? tailMs : 0);
    };
    const interrupt = () => finish({ state: null, error: null });
    const check = async () => {
      const job = await api.getJob(id);
      if (!job) finish({ state: null, error: null });
      else if (FINAL.includes(job.state)) finish({ state: job.state, error: job.error });
    };
    const recheck = () => void check().catch(() => {});
    // Ctrl+C (or SIGTERM) ends the following; a second one ends the process
    const stopListening = onStopRequest(interrupt);
    void (async () => {
      for (const subscribe of [
        () => api.on('job:completed', (e) => e.id === id && recheck()),
        () => api.on('job:failed', (e) => e.id === id && !e.willRetry && recheck()),
        () => api.on('job:cancelled', (e) => e.ids.includes(id) && recheck()),
        () => api.on('job:deleted', () => recheck()),
      ])
        offs.push(await subscribe());
      offs.push(await api.followLog(id, onLines));
      timer = setInterval(recheck, pollMs);
      await check();
    })().catch((error) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      stopListening();
      offs.forEach((off) => off());
      reject(error);
    });
  });
}
