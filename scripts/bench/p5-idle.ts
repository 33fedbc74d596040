// P5: cost of doing nothing. An idle working runner and an idle dashboard (watching) each run for a minute
// in a database of their own; CPU time from the process, statements from a query log inside the process,
// and transactions from pg_stat_database as a cross-check.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchFlags } from './lib/cli.ts';
import { startChild } from './lib/child.ts';
import { committedTransactions, createBenchDatabase } from './lib/database.ts';
import { isMain, runBench } from './lib/main.ts';
import { fmt, fmtSpread, machineInfo, printTable, printTargets, writeResult, type BenchResult } from './lib/report.ts';
import { spread } from './lib/stats.ts';
import type { QueryStat } from './lib/query-log.ts';
import { Runner } from '../../src/runner/runner.ts';
import { demoTasks } from '../../src/tasks/demo/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

interface IdleRun {
  cpuMs: number;
  cpuPercent: number;
  statementsPerMinute: number;
  transactionsPerMinute: number;
  queries: QueryStat[];
  renders?: number;
}

async function idleOnce(kind: 'runner' | 'dashboard', seconds: number): Promise<IdleRun> {
  const db = await createBenchDatabase(`p5_${kind}`);
  try {
    const setup = new Runner({ databaseUrl: db.url, tasks: demoTasks, work: false });
    await setup.start();
    await setup.stop();
    await db.pool.end();
    const child =
      kind === 'runner'
        ? startChild(path.join(here, 'roles', 'idle-runner.ts'), [db.url, String(seconds)])
        : startChild(path.join(here, 'roles', 'dashboard.ts'), [db.url, String(seconds)]);
    try {
      // Idle backends flush their statistics up to 10 s late: read both ends of the window 11 s after them.
      await child.next('idle-start', 60_000);
      const x0 = sleep(11_000).then(() => committedTransactions(db.name));
      const done = await child.next<{ type: string; cpuMs: number; queries: QueryStat[]; renders?: number }>('idle-done', seconds * 1000 + 60_000);
      const x1 = await sleep(11_000).then(() => committedTransactions(db.name));
      const total = done.queries.reduce((n, q) => n + q.count, 0);
      return {
        cpuMs: done.cpuMs,
        cpuPercent: (done.cpuMs / (seconds * 1000)) * 100,
        statementsPerMinute: (total / seconds) * 60,
        transactionsPerMinute: ((x1 - (await x0)) / seconds) * 60,
        queries: done.queries,
        ...(done.renders !== undefined ? { renders: done.renders } : {}),
      };
    } finally {
      await child.stop();
    }
  } finally {
    await db.drop();
  }
}

async function main() {
  const flags = benchFlags();
  const seconds = flags.quick ? 10 : 60;
  const startedAt = new Date().toISOString();
  const before = await machineInfo();
  const runs: Record<'runner' | 'dashboard', IdleRun[]> = { runner: [], dashboard: [] };
  for (let rep = 1; rep <= flags.reps; rep++) {
    // both at once: they use separate databases and together take one minute per repetition
    const [r, d] = await Promise.all([idleOnce('runner', seconds), idleOnce('dashboard', seconds)]);
    runs.runner.push(r);
    runs.dashboard.push(d);
    for (const [k, v] of [['runner', r], ['dashboard', d]] as const) {
      console.log(`rep ${rep} ${k}: CPU ${fmt(v.cpuMs, 0)} ms (${fmt(v.cpuPercent, 2)} %), ${fmt(v.statementsPerMinute)} statements/min, ${fmt(v.transactionsPerMinute)} transactions/min`);
    }
  }
  const row = (k: 'runner' | 'dashboard') => [
    k === 'runner' ? 'idle runner (working, no jobs)' : 'idle dashboard (watching)',
    fmtSpread(spread(runs[k].map((r) => r.cpuMs)), 0),
    fmtSpread(spread(runs[k].map((r) => r.cpuPercent)), 2),
    fmtSpread(spread(runs[k].map((r) => r.statementsPerMinute))),
    fmtSpread(spread(runs[k].map((r) => r.transactionsPerMinute))),
  ];
  const table = printTable(
    `P5 idle for ${seconds} s: median (min–max) over ${flags.reps} runs`,
    ['process', 'CPU ms', 'CPU %', 'statements/min', 'transactions/min (pg_stat_database)'],
    [row('runner'), row('dashboard')],
  );
  const frequent: string[] = [];
  for (const k of ['runner', 'dashboard'] as const) {
    const merged = new Map<string, { count: number; minGapMs: number | null }>();
    for (const run of runs[k])
      for (const q of run.queries) {
        const m = merged.get(q.statement) ?? { count: 0, minGapMs: null };
        m.count += q.count;
        if (q.minGapMs !== null) m.minGapMs = Math.min(m.minGapMs ?? Infinity, q.minGapMs);
        merged.set(q.statement, m);
      }
    console.log(`\n${k}: statements while idle (all runs)`);
    for (const [statement, m] of [...merged].sort((a, b) => b[1].count - a[1].count)) {
      console.log(`  ${String(m.count).padStart(4)}×  min gap ${m.minGapMs === null ? '–' : `${fmt(m.minGapMs / 1000)} s`}  ${statement}`);
      if (m.minGapMs !== null && m.minGapMs < 29_000) frequent.push(`${k}: every ${fmt(m.minGapMs / 1000)} s: ${statement}`);
    }
  }
  const cpu = Math.max(spread(runs.runner.map((r) => r.cpuPercent)).median, spread(runs.dashboard.map((r) => r.cpuPercent)).median);
  const targets: BenchResult['targets'] = [
    { name: 'CPU', target: '≈ 0 % (≤ 0.5 %)', measured: `${fmt(cpu, 2)} % (worst of runner and dashboard)`, met: cpu <= 0.5 },
    { name: 'query interval', target: 'no statement more often than every 30 s', measured: frequent.length ? frequent.join('; ') : 'none more often', met: frequent.length === 0 },
  ];
  printTargets(targets);
  const file = await writeResult({
    id: 'p5',
    title: 'idle cost of a runner and a dashboard',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { before, afterLoad: (await machineInfo()).load },
    settings: { seconds, repetitions: flags.reps },
    results: runs,
    targets,
    table,
    notes: ['statements are counted in-process on pg.Client.prototype.query (runner pool, pg-boss pool, listener); 29 s counts as every 30 s (timer jitter)'],
  });
  console.log(`written ${file}`);
}

if (isMain(import.meta.url)) runBench(main);
