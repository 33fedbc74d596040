// P2: 20 000 no-op jobs already queued, drained by ifqueue's full runner vs raw pg-boss (batchSize 50 +
// burstWhenBatchFull) vs graphile-worker (its documented performance settings). Each run gets a fresh database.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchFlags } from './lib/cli.ts';
import { startChild } from './lib/child.ts';
import { createBenchDatabase, type BenchDatabase } from './lib/database.ts';
import { isMain, runBench } from './lib/main.ts';
import { fmt, fmtSpread, machineInfo, printTable, printTargets, writeResult, type BenchResult } from './lib/report.ts';
import { spread, wallMs } from './lib/stats.ts';
import { SYSTEMS, prepareSystem, startProducer, type SystemName } from './lib/systems.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const role = (name: string) => path.join(here, 'roles', name);

/** ifqueue's jobs are pg-boss jobs: seeded with pg-boss's own bulk insert, as the runner has no bulk enqueue. */
async function seed(system: SystemName, url: string, count: number): Promise<void> {
  const producer = await startProducer(system === 'ifqueue' ? 'pg-boss' : system, url);
  try {
    for (let i = 0; i < count; i += 1000) {
      await producer.sendMany!(Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({ i: i + k })));
    }
  } finally {
    await producer.close();
  }
}

async function remaining(system: SystemName, db: BenchDatabase): Promise<number> {
  const sql =
    system === 'graphile-worker'
      ? 'SELECT count(*)::int AS n FROM graphile_worker._private_jobs'
      : `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'bench-probe' AND state <> 'completed'`;
  return (await db.pool.query(sql)).rows[0].n;
}

export async function drainOnce(system: SystemName, count: number): Promise<{ jobsPerSecond: number; drainMs: number; settledLagMs: number; consumerCpuMs: number; settings: unknown }> {
  const db = await createBenchDatabase(`p2_${system}`);
  try {
    await prepareSystem(system, db.url);
    // IFQUEUE_BENCH_EXTRA_SQL: statements run after set-up (e.g. candidate indexes), to measure their write cost
    if (process.env.IFQUEUE_BENCH_EXTRA_SQL) await db.pool.query(process.env.IFQUEUE_BENCH_EXTRA_SQL);
    await seed(system, db.url, count);
    if ((await remaining(system, db)) !== count) throw new Error(`${system}: seeding left ${await remaining(system, db)} jobs, wanted ${count}`);
    await db.pool.query('VACUUM ANALYZE');
    // IFQUEUE_BENCH_CPU_PROF=DIR writes a V8 CPU profile of each consumer (open it in Chrome DevTools)
    const prof = process.env.IFQUEUE_BENCH_CPU_PROF;
    const consumer = startChild(role('queue-consumer.ts'), [system, db.url, 'throughput'], prof ? { execArgv: ['--cpu-prof', '--cpu-prof-dir', prof] } : {});
    try {
      const { settings } = await consumer.next<{ type: string; settings: unknown }>('ready');
      consumer.send({ type: 'expect', n: count });
      const handled = await consumer.next<{ type: string; firstAt: number; lastAt: number }>('handled', 300_000);
      // handlers have all started; the drain ends when the database shows every job finished
      while ((await remaining(system, db)) > 0) await sleep(5);
      const end = wallMs();
      consumer.send({ type: 'stop' });
      const { cpuMs } = await consumer.next<{ type: string; cpuMs: number }>('stopped');
      const drainMs = end - handled.firstAt;
      return { jobsPerSecond: (count / drainMs) * 1000, drainMs, settledLagMs: end - handled.lastAt, consumerCpuMs: cpuMs, settings };
    } finally {
      await consumer.stop();
    }
  } finally {
    await db.drop();
  }
}

async function main() {
  const flags = benchFlags();
  const count = flags.quick ? 4000 : 20_000;
  const startedAt = new Date().toISOString();
  const before = await machineInfo();
  const runs: Record<SystemName, Awaited<ReturnType<typeof drainOnce>>[]> = { ifqueue: [], 'pg-boss': [], 'graphile-worker': [] };
  const settings: Record<string, unknown> = { jobs: count, repetitions: flags.reps };
  for (let rep = 1; rep <= flags.reps; rep++) {
    const order = SYSTEMS.map((_, i) => SYSTEMS[(i + rep - 1) % SYSTEMS.length]);
    for (const system of order) {
      const r = await drainOnce(system, count);
      settings[system] = r.settings;
      runs[system].push(r);
      console.log(`rep ${rep} ${system}: ${fmt(r.jobsPerSecond, 0)} jobs/s (${fmt(r.drainMs, 0)} ms, consumer CPU ${fmt(r.consumerCpuMs, 0)} ms)`);
    }
  }
  const rate = Object.fromEntries(SYSTEMS.map((s) => [s, spread(runs[s].map((r) => r.jobsPerSecond))])) as Record<SystemName, ReturnType<typeof spread>>;
  const cpu = Object.fromEntries(SYSTEMS.map((s) => [s, spread(runs[s].map((r) => (r.consumerCpuMs / count) * 1000))]));
  const table = printTable(
    `P2 drain ${count.toLocaleString('en-US')} queued no-op jobs: median (min–max) over ${flags.reps} runs`,
    ['system', 'jobs/s', 'consumer CPU µs/job'],
    SYSTEMS.map((s) => [s, fmtSpread(rate[s], 0), fmtSpread(cpu[s], 0)]),
  );
  const ifq = rate.ifqueue.median;
  const targets: BenchResult['targets'] = [
    { name: '>= raw pg-boss', target: `>= ${fmt(rate['pg-boss'].median, 0)} jobs/s`, measured: `${fmt(ifq, 0)} jobs/s`, met: ifq >= rate['pg-boss'].median },
    { name: '>= graphile-worker', target: `>= ${fmt(rate['graphile-worker'].median, 0)} jobs/s`, measured: `${fmt(ifq, 0)} jobs/s`, met: ifq >= rate['graphile-worker'].median },
  ];
  printTargets(targets);
  const file = await writeResult({
    id: 'p2',
    title: 'drain throughput of queued no-op jobs',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { before, afterLoad: (await machineInfo()).load },
    settings,
    results: { runs, spread: { jobsPerSecond: rate, consumerCpuMicrosPerJob: cpu } },
    targets,
    table,
    notes: ['rate = jobs / (last job finished in the database - first handler start); consumer start-up is excluded for every system'],
  });
  console.log(`written ${file}`);
}

if (isMain(import.meta.url)) runBench(main);
