// Demo tasks: used by tests, benchmarks and the dashboard's demo data.
import { z } from 'zod';
import { defineTask } from '../../runner/task.ts';
import { abortableSleep } from '../../runner/sleep.ts';

export const demoSleep = defineTask({
  name: 'demo-sleep',
  description: 'Sleeps for a number of seconds, logging progress every second',
  schema: z.object({ seconds: z.number().min(0).max(86_400).default(5) }).strict(),
  concurrency: 4,
  retry: { retries: 1, delaySeconds: 1, backoff: false },
  async handler({ seconds }, ctx) {
    const started = Date.now();
    for (let i = 1; i <= Math.ceil(seconds); i++) {
      await abortableSleep(Math.min(1000, seconds * 1000 - (Date.now() - started)), ctx.signal);
      // stopped (cancel, expiry, shutdown): say so by throwing, never log seconds it did not sleep
      ctx.signal.throwIfAborted();
      ctx.log.info(`slept ${Math.min(i, seconds)}s of ${seconds}s`);
      ctx.progress({ current: Math.min(i, seconds), total: seconds });
    }
    return { slept: seconds };
  },
  summarize: (a) => `${a.seconds}s`,
});

export const demoFail = defineTask({
  name: 'demo-fail',
  description: 'Always fails with the given message',
  schema: z.object({ message: z.string().max(10_000).default('demo failure') }).strict(),
  concurrency: 2,
  retry: { retries: 0, delaySeconds: 1, backoff: false },
  async handler({ message }, ctx) {
    ctx.log.warn(`about to fail: ${message}`);
    throw new Error(message);
  },
  summarize: (a) => a.message.slice(0, 40),
});

export const demoLogBurst = defineTask({
  name: 'demo-log-burst',
  description: 'Writes a number of log lines as fast as it can',
  schema: z.object({ lines: z.number().int().min(0).max(1_000_000).default(100) }).strict(),
  concurrency: 4,
  async handler({ lines }, ctx) {
    for (let i = 1; i <= lines; i++) {
      ctx.log.info(`line ${i} of ${lines}`);
      if (i % 1000 === 0) {
        await new Promise((r) => setImmediate(r));
        ctx.signal.throwIfAborted();
      }
    }
    return { lines };
  },
  summarize: (a) => `${a.lines} lines`,
});

export const demoNoop = defineTask({
  name: 'demo-noop',
  description: 'Does nothing (benchmarks)',
  schema: z.object({}).passthrough(),
  concurrency: 1000,
  async handler() {
    return null;
  },
});

export const demoTasks = [demoSleep, demoFail, demoLogBurst, demoNoop];
