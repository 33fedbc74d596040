// P1: enqueue -> task start latency with an idle consumer; the producer is another process.
// ifqueue vs raw pg-boss (LISTEN/NOTIFY) vs graphile-worker, each in a database of its own.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchFlags } from './lib/cli.ts';
import { startChild } from './lib/child.ts';
import { createBenchDatabase } from './lib/database.ts';
import { isMain, runBench } from './lib/main.ts';
import { fmt, fmtSpread, machineInfo, printTable, printTargets, writeResult, type BenchResult } from './lib/report.ts';
import { distribution, spreadOf, type Distribution } from './lib/stats.ts';
import { SYSTEMS, prepareSystem, type SystemName } from './lib/systems.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const role = (name: string) => path.join(here, 'roles', name);

export async function measureLatencyOnce(system: SystemName, url: string, count: number): Promise<{ dist: Distribution; settings: unknown }> {
  const consumer = startChild(role('queue-consumer.ts'), [system, url, 'latency']);
  try {
    const { settings } = await consumer.next<{ type: string; settings: unknown }>('ready');
    const producer = startChild(role('queue-producer.ts'), [system, url, String(count), '5', '25']);
    await producer.next('ready');
    await sleep(1000); // let start-up work settle: the consumer is idle when the first job arrives
    producer.send({ type: 'go' });
    await producer.next('sent', 120_000);
    await producer.stop();
    consumer.send({ type: 'expect', n: count + 1 });
    await consumer.next('handled', 90_000); // a lost wake-up costs a system its 30 s poll
    consumer.send({ type: 'collect' });
    const { values } = await consumer.next<{ type: string; values: number[] }>('latencies');
    if (values.length !== count) throw new Error(`${system}: ${values.length} of ${count} jobs reported`);
    return { dist: distribution(values), settings };
  } finally {
    await consumer.stop();
  }
}

async function main() {
  const flags = benchFlags();
  const count = flags.quick ? 60 : 300;
  const startedAt = new Date().toISOString();
  const before = await machineInfo();
  const reps: Record<SystemName, Distribution[]> = { ifqueue: [], 'pg-boss': [], 'graphile-worker': [] };
  const settings: Record<string, unknown> = { jobs: count, gapMs: '5–25 random', repetitions: flags.reps };
  const dbs = new Map<SystemName, string>();
  for (const system of SYSTEMS) {
    const db = await createBenchDatabase(`p1_${system}`);
    await prepareSystem(system, db.url);
    dbs.set(system, db.url);
  }
  for (let rep = 1; rep <= flags.reps; rep++) {
    // rotate the order so a slow phase of a shared machine does not always hit the same system
    const order = SYSTEMS.map((_, i) => SYSTEMS[(i + rep - 1) % SYSTEMS.length]);
    for (const system of order) {
      const { dist, settings: s } = await measureLatencyOnce(system, dbs.get(system)!, count);
      settings[system] = s;
      reps[system].push(dist);
      console.log(`rep ${rep} ${system}: p50 ${fmt(dist.p50, 2)} ms, p99 ${fmt(dist.p99, 2)} ms, max ${fmt(dist.max, 2)} ms`);
    }
  }
  const spreads = Object.fromEntries(SYSTEMS.map((s) => [s, spreadOf(reps[s])])) as Record<SystemName, ReturnType<typeof spreadOf<Distribution>>>;
  const table = printTable(
    `P1 enqueue -> task start, ms: median (min–max) over ${flags.reps} runs of ${count} jobs`,
    ['system', 'mean', 'p50', 'p90', 'p99', 'max'],
    SYSTEMS.map((s) => [s, ...(['mean', 'p50', 'p90', 'p99', 'max'] as const).map((k) => fmtSpread(spreads[s][k], 2))]),
  );
  const ifq = spreads.ifqueue;
  const faster = (k: 'p50' | 'p99') => ifq[k].median < spreads['pg-boss'][k].median && ifq[k].median < spreads['graphile-worker'][k].median;
  const targets: BenchResult['targets'] = [
    { name: 'p50', target: '<= 3 ms', measured: `${fmt(ifq.p50.median, 2)} ms`, met: ifq.p50.median <= 3 },
    { name: 'p99', target: '<= 8 ms', measured: `${fmt(ifq.p99.median, 2)} ms`, met: ifq.p99.median <= 8 },
    {
      name: 'faster than both',
      target: 'p50 and p99 below pg-boss and graphile-worker',
      measured: `p50 ${fmt(ifq.p50.median, 2)} vs ${fmt(spreads['pg-boss'].p50.median, 2)} / ${fmt(spreads['graphile-worker'].p50.median, 2)}; p99 ${fmt(ifq.p99.median, 2)} vs ${fmt(spreads['pg-boss'].p99.median, 2)} / ${fmt(spreads['graphile-worker'].p99.median, 2)}`,
      met: faster('p50') && faster('p99'),
    },
  ];
  printTargets(targets);
  const file = await writeResult({
    id: 'p1',
    title: 'enqueue -> task start latency',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { before, afterLoad: (await machineInfo()).load },
    settings,
    results: { runs: reps, spread: spreads },
    targets,
    table,
    notes: ['latency = handler start minus the producer timestamp taken just before send(); both clocks are the same machine wall clock'],
  });
  console.log(`written ${file}`);
}

if (isMain(import.meta.url)) runBench(main);
