// P3: a task's log line -> a follower in another process (runner.followLog, the dashboard's path).
// 1 000 lines at 100 lines/s, then a burst of 10 000; delay percentiles, loss and order.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFlags } from './lib/cli.ts';
import { startChild } from './lib/child.ts';
import { createBenchDatabase } from './lib/database.ts';
import { isMain, runBench } from './lib/main.ts';
import { fmt, fmtSpread, machineInfo, printTable, printTargets, writeResult, type BenchResult } from './lib/report.ts';
import { distribution, spreadOf, wallMs, type Distribution } from './lib/stats.ts';
import { Runner } from '../../src/runner/runner.ts';
import { LOG_TASK, logTask } from './lib/log-task.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const role = (name: string) => path.join(here, 'roles', name);

interface Run {
  paced: Distribution;
  burst: Distribution;
  all: Distribution;
  lost: number;
  outOfOrder: number;
  duplicates: number;
  truncationMarkers: number;
}

async function followOnce(url: string, paced: number, burst: number): Promise<Run> {
  const worker = startChild(role('log-worker.ts'), [url]);
  const follower = startChild(role('log-follower.ts'), [url, String(paced), String(burst)]);
  const producer = new Runner({ databaseUrl: url, tasks: [logTask], work: false, kind: 'cli' });
  try {
    await Promise.all([worker.next('ready'), follower.next('ready'), producer.start()]);
    const startAt = wallMs() + 1000;
    const jobId = await producer.enqueue(LOG_TASK, { startAt, paced, perSecond: 100, burst });
    follower.send({ type: 'follow', jobId });
    const { at } = await follower.next<{ type: string; at: number }>('following');
    if (at > startAt) console.warn(`  follower subscribed ${fmt(at - startAt, 0)} ms after the first line: early lines come from the catch-up read`);
    const timeout = setTimeout(() => follower.send({ type: 'give-up' }), paced * 10 + 60_000);
    const done = await follower.next<{ type: string; pacedDelays: number[]; burstDelays: number[]; received: number; outOfOrder: number; duplicates: number; markers: number }>('done', paced * 10 + 90_000);
    clearTimeout(timeout);
    return {
      paced: distribution(done.pacedDelays),
      burst: distribution(done.burstDelays),
      all: distribution([...done.pacedDelays, ...done.burstDelays]),
      lost: paced + burst - done.received,
      outOfOrder: done.outOfOrder,
      duplicates: done.duplicates,
      truncationMarkers: done.markers,
    };
  } finally {
    await producer.stop();
    await Promise.all([worker.stop(), follower.stop()]);
  }
}

async function main() {
  const flags = benchFlags();
  const paced = flags.quick ? 200 : 1000;
  const burst = flags.quick ? 2000 : 10_000;
  const startedAt = new Date().toISOString();
  const before = await machineInfo();
  const db = await createBenchDatabase('p3');
  const runs: Run[] = [];
  for (let rep = 1; rep <= flags.reps; rep++) {
    const r = await followOnce(db.url, paced, burst);
    runs.push(r);
    console.log(`rep ${rep}: paced p50 ${fmt(r.paced.p50)} p99 ${fmt(r.paced.p99)} ms; burst p50 ${fmt(r.burst.p50)} p99 ${fmt(r.burst.p99)} ms; lost ${r.lost}, out of order ${r.outOfOrder}`);
  }
  await db.drop();
  const phases = ['paced', 'burst', 'all'] as const;
  const spreads = Object.fromEntries(phases.map((p) => [p, spreadOf(runs.map((r) => r[p]))])) as Record<(typeof phases)[number], ReturnType<typeof spreadOf<Distribution>>>;
  const table = printTable(
    `P3 log line -> follower in another process, ms: median (min–max) over ${flags.reps} runs`,
    ['phase', 'lines', 'p50', 'p90', 'p99', 'max'],
    phases.map((p) => [
      p === 'paced' ? `${paced} at 100/s` : p === 'burst' ? `burst of ${burst}` : 'all',
      String(runs[0][p].count),
      ...(['p50', 'p90', 'p99', 'max'] as const).map((k) => fmtSpread(spreads[p][k])),
    ]),
  );
  const worst = (k: 'lost' | 'outOfOrder' | 'duplicates') => Math.max(...runs.map((r) => r[k]));
  console.log(`lost ${worst('lost')}, out of order ${worst('outOfOrder')}, duplicates ${worst('duplicates')} (worst run)`);
  const all = spreads.all;
  const targets: BenchResult['targets'] = [
    { name: 'p50', target: '<= 50 ms', measured: `${fmt(all.p50.median)} ms`, met: all.p50.median <= 50 },
    { name: 'p99', target: '<= 200 ms', measured: `${fmt(all.p99.median)} ms`, met: all.p99.median <= 200 },
    { name: 'nothing lost or reordered', target: '0', measured: `lost ${worst('lost')}, reordered ${worst('outOfOrder')}, repeated ${worst('duplicates')}`, met: worst('lost') + worst('outOfOrder') + worst('duplicates') === 0 },
  ];
  printTargets(targets);
  const file = await writeResult({
    id: 'p3',
    title: 'live log delay to a follower in another process',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { before, afterLoad: (await machineInfo()).load },
    settings: { paced, perSecond: 100, burst, repetitions: flags.reps, maxLogLinesPerAttempt: 100_000 },
    results: { runs, spread: spreads },
    targets,
    table,
    notes: ['delay = follower callback time minus the time the task called ctx.log.info (stamped in the line)'],
  });
  console.log(`written ${file}`);
}

if (isMain(import.meta.url)) runBench(main);
