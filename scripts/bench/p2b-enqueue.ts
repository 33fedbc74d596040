// P2b: enqueue rate through the runner API vs raw pg-boss send() / insert(), one at a time and in bulk.
import { benchFlags } from './lib/cli.ts';
import { createBenchDatabase } from './lib/database.ts';
import { isMain, runBench } from './lib/main.ts';
import { fmt, fmtSpread, machineInfo, printTable, printTargets, writeResult, type BenchResult } from './lib/report.ts';
import { spread, wallMs, type Spread } from './lib/stats.ts';
import { prepareSystem, startProducer, type Producer } from './lib/systems.ts';

type Way = 'sequential' | 'parallel16' | 'bulk';
const SYSTEMS = ['ifqueue', 'pg-boss'] as const;

async function rate(count: number, fn: (i: number) => Promise<void>, inFlight = 1): Promise<number> {
  const start = wallMs();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  return (count / (wallMs() - start)) * 1000;
}

async function measure(p: Producer, way: Way, count: number): Promise<number | null> {
  if (way === 'bulk') {
    if (!p.sendMany) return null;
    const chunk = 1000;
    return (await rate(Math.ceil(count / chunk), (i) => p.sendMany!(Array.from({ length: chunk }, (_, k) => ({ i: i * chunk + k }))))) * chunk;
  }
  return rate(count, (i) => p.send({ i }), way === 'parallel16' ? 16 : 1);
}

async function main() {
  const flags = benchFlags();
  const sizes: Record<Way, number> = flags.quick ? { sequential: 300, parallel16: 600, bulk: 5000 } : { sequential: 2000, parallel16: 4000, bulk: 50_000 };
  const startedAt = new Date().toISOString();
  const before = await machineInfo();
  const ways: Way[] = ['sequential', 'parallel16', 'bulk'];
  const runs: Record<string, Record<Way, (number | null)[]>> = {};
  const producers = new Map<string, { p: Producer; drop: () => Promise<void> }>();
  for (const system of SYSTEMS) {
    const db = await createBenchDatabase(`p2b_${system}`);
    await prepareSystem(system, db.url);
    const p = await startProducer(system, db.url);
    await measure(p, 'sequential', 100); // warm-up
    producers.set(system, { p, drop: () => db.drop() });
    runs[system] = { sequential: [], parallel16: [], bulk: [] };
  }
  // systems alternate within each repetition so a busy phase of a shared machine hits both
  for (let rep = 1; rep <= flags.reps; rep++) {
    for (const way of ways) {
      for (const system of rep % 2 ? SYSTEMS : [...SYSTEMS].reverse()) {
        const r = await measure(producers.get(system)!.p, way, sizes[way]);
        runs[system][way].push(r);
        console.log(`rep ${rep} ${system} ${way}: ${r === null ? 'no API' : `${fmt(r, 0)} jobs/s`}`);
      }
    }
  }
  for (const { p, drop } of producers.values()) {
    await p.close();
    await drop();
  }
  const s = (system: string, way: Way): Spread | undefined => {
    const v = runs[system][way].filter((x): x is number => x !== null);
    return v.length ? spread(v) : undefined;
  };
  const ratio = (way: Way) => {
    const a = s('ifqueue', way)?.median;
    const b = s('pg-boss', way)?.median;
    return a && b ? a / b : null;
  };
  const table = printTable(
    `P2b enqueue rate, jobs/s: median (min–max) over ${flags.reps} runs`,
    ['way', 'ifqueue enqueue()', 'pg-boss send()/insert()', 'ratio'],
    ways.map((w) => [
      `${w} (${sizes[w].toLocaleString('en-US')} jobs${w === 'bulk' ? ', chunks of 1000' : ''})`,
      s('ifqueue', w) ? fmtSpread(s('ifqueue', w), 0) : '—',
      fmtSpread(s('pg-boss', w), 0),
      ratio(w) === null ? '–' : `${fmt(ratio(w)! * 100, 0)} %`,
    ]),
  );
  const targets: BenchResult['targets'] = ways.map((w) => ({
    name: w,
    target: '>= 90 % of pg-boss',
    measured: ratio(w) === null ? 'not measured' : `${fmt(ratio(w)! * 100, 0)} %`,
    met: ratio(w) === null ? null : ratio(w)! >= 0.9,
  }));
  printTargets(targets);
  const file = await writeResult({
    id: 'p2b',
    title: 'enqueue rate',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { before, afterLoad: (await machineInfo()).load },
    settings: { sizes, repetitions: flags.reps, parallel: 16, bulkChunk: 1000 },
    results: { runs },
    targets,
    table,
    notes: ['sequential: one await at a time from one process; parallel16: 16 sends in flight on the same producer'],
  });
  console.log(`written ${file}`);
}

if (isMain(import.meta.url)) runBench(main);
