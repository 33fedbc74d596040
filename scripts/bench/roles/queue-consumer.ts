// Child role: runs one system's consumer and reports each job's start (P1 latency, P2 drain).
// argv: <system> <databaseUrl> <latency|throughput>
import { heard, tell } from '../lib/child.ts';
import { startConsumer, type Mode, type SystemName } from '../lib/systems.ts';
import { wallMs } from '../lib/stats.ts';

const [system, url, mode] = process.argv.slice(2) as [SystemName, string, Mode];
const latencies: number[] = [];
let handled = 0;
let firstAt = 0;
let expected = Infinity;
let cpuAtFirst: NodeJS.CpuUsage | null = null;

const consumer = await startConsumer(system, url, mode, (data) => {
  const now = wallMs();
  if (handled === 0) {
    firstAt = now;
    cpuAtFirst = process.cpuUsage();
  }
  handled++;
  if (typeof data.t0 === 'number') latencies.push(now - data.t0);
  if (handled === expected) tell({ type: 'handled', firstAt, lastAt: now, count: handled });
});
tell({ type: 'ready', settings: consumer.settings });

process.on('message', (m: { type: string; n?: number }) => {
  if (m.type === 'collect') tell({ type: 'latencies', values: latencies.splice(0), handled });
  if (m.type === 'expect') {
    expected = m.n!;
    if (handled >= expected) tell({ type: 'handled', firstAt, lastAt: wallMs(), count: handled });
  }
});
await heard('stop');
// CPU from the first job on: start-up (tsx, migrations check) is not part of the work measured
const cpu = process.cpuUsage(cpuAtFirst ?? undefined);
await consumer.stop();
tell({ type: 'stopped', cpuMs: (cpu.user + cpu.system) / 1000 });
process.exit(0);
