// Child role: a working runner with nothing to do; reports its CPU time and statements over an idle period.
// argv: <databaseUrl> <seconds>
import { setTimeout as sleep } from 'node:timers/promises';
import { installQueryLog, startRecording, stopRecording } from '../lib/query-log.ts';
import { heard, tell } from '../lib/child.ts';
import { Runner } from '../../../src/runner/runner.ts';
import { demoTasks } from '../../../src/tasks/demo/index.ts';

installQueryLog();
const [url, seconds] = process.argv.slice(2);
const runner = new Runner({ databaseUrl: url, tasks: demoTasks, work: true });
await runner.start();
await sleep(3000); // start-up work (first reconcile pass, scheduler tick) is not idle time
tell({ type: 'idle-start' });
startRecording();
const cpu0 = process.cpuUsage();
await sleep(Number(seconds) * 1000);
const cpu = process.cpuUsage(cpu0);
tell({ type: 'idle-done', cpuMs: (cpu.user + cpu.system) / 1000, queries: stopRecording() });
await heard('stop');
await runner.stop();
process.exit(0);
