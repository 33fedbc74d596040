// The three queues under comparison behind one small interface: ifqueue's Runner, raw pg-boss, and
// graphile-worker. Each gets the settings named in issue 7; the settings are returned for the result file.
import { z } from 'zod';
import { PgBoss } from 'pg-boss';
import { Logger, makeWorkerUtils, run, type Runner as GraphileRunner, type WorkerUtils } from 'graphile-worker';
import { Runner } from '../../../src/runner/runner.ts';
import { defineTask } from '../../../src/runner/task.ts';
import { demoTasks } from '../../../src/tasks/demo/index.ts';
import type { TaskDefinition } from '../../../src/runner/types.ts';

export const SYSTEMS = ['ifqueue', 'pg-boss', 'graphile-worker'] as const;
export type SystemName = (typeof SYSTEMS)[number];
/** P1 latency: default pickup settings with LISTEN/NOTIFY; P2 throughput: each system's fastest documented settings. */
export type Mode = 'latency' | 'throughput';

export const QUEUE = 'bench-probe';
export type JobHandler = (data: Record<string, unknown>) => void | Promise<void>;

const silentLogger = new Logger(() => () => {});

/** Same shape as demo-noop (concurrency 200), but calls back so the benchmark sees each start. */
export function probeTask(onJob: JobHandler): TaskDefinition {
  return defineTask({
    name: QUEUE,
    description: 'Benchmark probe: reports its start, does nothing',
    schema: z.object({}).passthrough(),
    concurrency: 200,
    async handler(args) {
      await onJob(args as Record<string, unknown>);
      return null;
    },
  });
}

export function ifqueueRunner(url: string, work: boolean, onJob: JobHandler = () => {}, extra: Partial<ConstructorParameters<typeof Runner>[0]> = {}): Runner {
  return new Runner({
    databaseUrl: url,
    tasks: [...demoTasks, probeTask(onJob)],
    kind: work ? 'daemon' : 'cli',
    work,
    onError: (where, message) => process.stderr.write(`bench ifqueue ${where}: ${message}\n`),
    ...extra,
  });
}

export function bossSettings(mode: Mode) {
  return mode === 'throughput' ? { batchSize: 50, burstWhenBatchFull: true } : {};
}

export const GRAPHILE_PERFORMANCE = {
  concurrentJobs: 24,
  maxPoolSize: 25,
  localQueue: { size: 500 },
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
};

function newBoss(url: string, work: boolean): PgBoss {
  const boss = new PgBoss({ connectionString: url, useListenNotify: work, schedule: false, supervise: work, application_name: 'bench pg-boss' } as any);
  boss.on('error', (e: Error) => process.stderr.write(`bench pg-boss: ${e.message}\n`));
  return boss;
}

/** Creates schemas and the queue so that neither side's start-up includes migrations. */
export async function prepareSystem(system: SystemName, url: string): Promise<void> {
  if (system === 'ifqueue') {
    const r = ifqueueRunner(url, false);
    await r.start();
    await r.stop();
  } else if (system === 'pg-boss') {
    const boss = newBoss(url, false);
    await boss.start();
    await boss.createQueue(QUEUE, { notify: true } as any);
    await boss.stop({ graceful: false, close: true });
  } else {
    const utils = await makeWorkerUtils({ connectionString: url, logger: silentLogger });
    await utils.migrate();
    await utils.release();
  }
}

export interface Consumer {
  settings: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startConsumer(system: SystemName, url: string, mode: Mode, onJob: JobHandler): Promise<Consumer> {
  if (system === 'ifqueue') {
    const runner = ifqueueRunner(url, true, onJob);
    await runner.start();
    return { settings: { runner: 'defaults', concurrency: 200, maxBatch: 100 }, stop: () => runner.stop({ timeoutMs: 5000 }) };
  }
  if (system === 'pg-boss') {
    const boss = newBoss(url, true);
    await boss.start();
    const settings = bossSettings(mode);
    await boss.work(QUEUE, settings as any, async (jobs: { data: unknown }[]) => {
      for (const job of jobs) await onJob(job.data as Record<string, unknown>);
    });
    return { settings: { useListenNotify: true, queueNotify: true, ...settings }, stop: () => boss.stop({ graceful: false, close: true }) };
  }
  const runner: GraphileRunner = await run({
    connectionString: url,
    noHandleSignals: true,
    logger: silentLogger,
    concurrency: GRAPHILE_PERFORMANCE.concurrentJobs,
    taskList: { [QUEUE]: async (payload: unknown) => void (await onJob(payload as Record<string, unknown>)) },
    preset: { worker: GRAPHILE_PERFORMANCE },
  } as any);
  return { settings: { ...GRAPHILE_PERFORMANCE }, stop: () => runner.stop() };
}

export interface Producer {
  send(data: Record<string, unknown>): Promise<void>;
  /** the system's bulk insert (null for ifqueue: the runner has no bulk enqueue yet) */
  sendMany: ((data: Record<string, unknown>[]) => Promise<void>) | null;
  close(): Promise<void>;
}

export async function startProducer(system: SystemName, url: string): Promise<Producer> {
  if (system === 'ifqueue') {
    const runner = ifqueueRunner(url, false);
    await runner.start();
    return { send: async (data) => void (await runner.enqueue(QUEUE, data)), sendMany: async (list) => void (await runner.enqueueMany(QUEUE, list)), close: () => runner.stop() };
  }
  if (system === 'pg-boss') {
    const boss = newBoss(url, false);
    await boss.start();
    return {
      send: async (data) => void (await boss.send(QUEUE, data)),
      sendMany: async (list) => void (await boss.insert(QUEUE, list.map((data) => ({ data })))),
      close: () => boss.stop({ graceful: false, close: true }),
    };
  }
  const utils: WorkerUtils = await makeWorkerUtils({ connectionString: url, logger: silentLogger });
  return {
    send: async (data) => void (await utils.addJob(QUEUE, data)),
    sendMany: async (list) => void (await utils.addJobs(list.map((payload) => ({ identifier: QUEUE, payload })))),
    close: async () => void (await utils.release()),
  };
}
