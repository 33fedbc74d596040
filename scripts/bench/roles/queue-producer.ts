// Child role: enqueues probe jobs one at a time with small random gaps, stamping each with its send time.
// argv: <system> <databaseUrl> <count> <minGapMs> <maxGapMs>
import { setTimeout as sleep } from 'node:timers/promises';
import { heard, tell } from '../lib/child.ts';
import { startProducer, type SystemName } from '../lib/systems.ts';
import { wallMs } from '../lib/stats.ts';

const [system, url, countArg, minGap, maxGap] = process.argv.slice(2) as [SystemName, string, string, string, string];
const producer = await startProducer(system, url);
// one warm-up send outside the measurement (connection set-up, prepared plans)
await producer.send({ warmup: true });
tell({ type: 'ready' });
await heard('go');
for (let i = 0; i < Number(countArg); i++) {
  await sleep(Number(minGap) + Math.random() * (Number(maxGap) - Number(minGap)));
  await producer.send({ i, t0: wallMs() });
}
tell({ type: 'sent' });
await producer.close();
process.exit(0);
