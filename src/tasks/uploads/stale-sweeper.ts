// Runs the sweep of stale temporaries (files/sweep.ts) from the file tasks themselves: on the first
// attempt in a process (a restarted daemon cleans up after the process that was killed) and then
// at most once an hour.
import type { TaskContext } from '../../runner/types.ts';
import type { TasksConfig } from '../config.ts';
import { staleAfterMs, sweepTemporaries } from '../files/index.ts';

const SWEEP_EVERY_MS = 60 * 60 * 1000;

export type StaleSweeper = (ctx: TaskContext) => Promise<void>;

export function createStaleSweeper(config: TasksConfig): StaleSweeper {
  let last = -Infinity;
  return async (ctx) => {
    if (Date.now() - last < SWEEP_EVERY_MS) return;
    last = Date.now();
    const { removed } = await sweepTemporaries(config, staleAfterMs(config));
    if (removed.length > 0) {
      ctx.log.info(`removed ${removed.length} stale temporary file(s) a killed process left: ${removed.slice(0, 5).map((p) => p.split('/').pop()).join(', ')}${removed.length > 5 ? ', …' : ''}`);
    }
  };
}
