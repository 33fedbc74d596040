// Child role: the real dashboard on a real runner (watching, no jobs run) in an in-memory 120×40 terminal.
// Walks the main screens, timing every Ink render; reports first-frame times and memory.
// argv: <databaseUrl> <idleSeconds (0: walk the screens)>
import { setTimeout as sleep } from 'node:timers/promises';
import { tell } from '../lib/child.ts';
import { Runner } from '../../../src/runner/runner.ts';
import { mountDashboard } from '../../../src/ui/mount.tsx';
import { demoTasks } from '../../../src/tasks/demo/index.ts';
import { probeTask } from '../lib/systems.ts';
import { logTask } from '../lib/log-task.ts';
import { KEYS, MemoryStdin, MemoryStdout } from '../lib/terminal.ts';
import { installQueryLog, startRecording, stopRecording } from '../lib/query-log.ts';

installQueryLog();

const [url, idleArg] = process.argv.slice(2);
const idleSeconds = Number(idleArg ?? 0);
const renders: { phase: string; at: number; ms: number; data: boolean }[] = [];
let hasData = () => false;
let phase = 'start';
let lastRenderAt = 0;

const runner = new Runner({ databaseUrl: url, tasks: [...demoTasks, probeTask(() => {}), logTask], work: false, register: true, kind: 'dashboard' });
const stdout = new MemoryStdout(120, 40);
const stdin = new MemoryStdin();
const mountAt = performance.now();
const mounted = mountDashboard({
  api: runner,
  watching: true,
  stdout: stdout as unknown as NodeJS.WriteStream,
  stdin: stdin as unknown as NodeJS.ReadStream,
  env: { NO_COLOR: '1' },
  ink: { patchConsole: false, alternateScreen: false, onRender: ({ renderTime }) => void renders.push({ phase, at: (lastRenderAt = performance.now()), ms: renderTime, data: hasData() }) },
});
hasData = () => mounted.store.getState().snapshot !== null;

async function settle(maxMs = 5000): Promise<void> {
  const start = performance.now();
  await sleep(50);
  while (performance.now() - start < maxMs && performance.now() - lastRenderAt < 400) await sleep(25);
  while (performance.now() - start < maxMs && performance.now() - lastRenderAt < 400) await sleep(50);
}

async function press(p: string, key: string): Promise<void> {
  phase = p;
  stdin.write(key);
  await settle();
}

// wait for the first frame that shows the snapshot
const deadline = performance.now() + 30_000;
while (performance.now() < deadline && !renders.some((r) => r.data)) await sleep(5);
const firstDataAt = renders.find((r) => r.data)?.at ?? null;
phase = 'overview';
await settle();

if (idleSeconds > 0) {
  await sleep(3000); // the first refreshes after start are not idle time
  tell({ type: 'idle-start' });
  startRecording();
  const cpu0 = process.cpuUsage();
  const renders0 = renders.length;
  await sleep(idleSeconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  tell({ type: 'idle-done', cpuMs: (cpu.user + cpu.system) / 1000, renders: renders.length - renders0, queries: stopRecording() });
} else {
  await press('jobs list (queue)', KEYS.enter);
  for (const tab of ['1', '2', '3', '4', '5', '6', '7']) await press(`jobs tab ${tab}`, tab);
  await press('jobs tab 1', '1');
  await press('job detail', KEYS.enter);
  await press('back to list', KEYS.escape);
  await press('back to overview', KEYS.escape);
  await press('schedules', 's');
  await press('back to overview', KEYS.escape);
}
const firstRender = renders[0];
tell({
  type: 'report',
  processStartToMountMs: mountAt,
  mountToFirstFrameMs: firstRender ? firstRender.at - mountAt : null,
  processStartToFirstFrameMs: firstRender?.at ?? null,
  processStartToFirstDataFrameMs: firstDataAt,
  renders: renders.map(({ phase: p, ms }) => ({ phase: p, ms })),
  rssMB: process.memoryUsage().rss / 2 ** 20,
  maxRssMB: process.resourceUsage().maxRSS / 1024,
  heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20,
});
mounted.instance.unmount();
await mounted.exited;
await runner.stop();
process.exit(0);
