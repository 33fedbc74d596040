// The P3 task: writes paced log lines and then a burst, each stamped with its index and wall-clock time.
import { z } from 'zod';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTask } from '../../../src/runner/task.ts';
import { wallMs } from './stats.ts';

export const LOG_TASK = 'bench-log';

export const logTask = defineTask({
  name: LOG_TASK,
  description: 'Benchmark: paced log lines, then a burst',
  schema: z.object({ startAt: z.number(), paced: z.number().int(), perSecond: z.number(), burst: z.number().int() }),
  concurrency: 1,
  async handler({ startAt, paced, perSecond, burst }, ctx) {
    await sleep(Math.max(0, startAt - wallMs()));
    const t0 = wallMs();
    for (let i = 0; i < paced; i++) {
      // pace against the start so timer drift does not slow the rate
      await sleep(Math.max(0, t0 + (i * 1000) / perSecond - wallMs()));
      ctx.log.info(`${i} ${wallMs()}`);
    }
    for (let i = paced; i < paced + burst; i++) {
      ctx.log.info(`${i} ${wallMs()}`);
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    return null;
  },
});

/** Parses a line written by the task: [index, written at]. */
export function parseLine(text: string): [number, number] | null {
  const m = /^(\d+) (\d+(?:\.\d+)?)$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}
