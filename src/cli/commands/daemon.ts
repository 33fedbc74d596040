// `ifqueue --daemon`: the runner without UI, for systemd. One line per job event on stdout.
// SIGTERM/SIGINT/SIGHUP: stop taking jobs, let running ones finish (timeout), exit 0; a second
// signal returns the running jobs to the queue at once.
import { openRunner } from '../context.ts';
import type { DefaultOptions } from './default.ts';
import { maybeSeed, startMetricsIfAvailable } from './default.ts';
import { sanitizeLine } from '../format.ts';
import { startBridge } from '../../legacy/bridge.ts';
import { describeBridgeEvent } from './legacy.ts';

const short = (id: string) => id.slice(0, 8);

export async function runDaemon(o: DefaultOptions, queues: string[] | undefined): Promise<number> {
  const out = (line: string) => process.stdout.write(sanitizeLine(line) + '\n');
  const opened = await openRunner(o, {
    kind: 'daemon',
    work: true,
    queues,
    onError: (where, message) => process.stderr.write(`error ${where}: ${sanitizeLine(message)}\n`),
  }, out);
  const { runner } = opened;
  await maybeSeed(opened, o.demo, out);
  const metrics = o.metricsPort ? await startMetricsIfAvailable(opened, o) : null;
  const offs = [
    runner.on('job:started', (e) => out(`job started   ${e.task} ${short(e.id)} attempt ${e.attempt}${e.runnerId === runner.id ? '' : ' (other runner)'}`)),
    runner.on('job:completed', (e) => out(`job completed ${e.task} ${short(e.id)} in ${e.durationMs} ms`)),
    runner.on('job:failed', (e) => out(`job failed    ${e.task} ${short(e.id)} attempt ${e.attempt}: ${e.error.split('\n')[0]}${e.willRetry ? ' (will retry)' : ''}`)),
    runner.on('job:retried', (e) => out(`job retried   ${e.task ?? ''} ${e.ids.map(short).join(' ')}`)),
    runner.on('job:released', (e) => out(`job released  ${e.task ?? ''} ${e.ids.map(short).join(' ')}: its dependency completed`)),
    runner.on('job:cancelled', (e) => out(`job cancelled ${e.ids.map(short).join(' ')}`)),
    runner.on('schedule:fired', (e) => out(`schedule fired ${e.task} -> ${short(e.jobId)}`)),
    runner.on('runner:up', (e) => out(`runner up     ${e.host} pid ${e.pid} (${e.kind})`)),
    runner.on('runner:down', (e) => out(`runner down   ${e.host} pid ${e.pid} (${e.reason})`)),
    runner.on('db:status', (e) => out(e.connected ? 'database connection restored' : `database connection lost: ${e.error ?? ''}`)),
  ];
  // The bridge follows the switch stored in the database (`ifqueue legacy bridge` / `rollback`).
  const bridge = o.bridge
    ? await startBridge(runner, {
        onEvent: (e) => out(`legacy ${describeBridgeEvent(e)}`),
        onError: (where, message) => process.stderr.write(`error legacy ${where}: ${sanitizeLine(message)}\n`),
      })
    : null;
  out(`ifqueue daemon running ${runner.registry.names().length} tasks on ${runner.database} (pid ${process.pid})`);

  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        out(`received ${signal}: not taking new jobs; waiting for ${runner.runningCount()} running job(s)`);
        let lastReport = 0;
        // the bridge uses the runner's pool: stop it first
        void (bridge ? bridge.stop().catch(() => {}) : Promise.resolve())
          .then(() => opened.close({
            onProgress: ({ remainingSeconds, running }) => {
              if (Date.now() - lastReport > 5000) {
                lastReport = Date.now();
                out(`waiting for ${running} running job(s), ${remainingSeconds}s left before they are returned to the queue`);
              }
            },
          }))
          .then(async () => {
            offs.forEach((f) => f());
            await metrics?.close();
            out('stopped');
            resolve(0);
          });
      } else {
        out(`received ${signal} again: returning running jobs to the queue now`);
        runner.hurry();
      }
    };
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, onSignal);
  });
}
