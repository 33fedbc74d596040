// `ifqueue --daemon`: the runner without UI, for systemd. One line per job event on stdout.
// SIGTERM/SIGINT/SIGHUP: stop taking jobs, let running ones finish (timeout), exit 0; a second
// signal returns the running jobs to the queue at once (src/cli/shutdown.ts bounds the exit).
import { openRunner, type Opened } from '../context.ts';
import { DATABASE_DOWN_EXIT_MS, Shutdown } from '../shutdown.ts';
import { onStopRequest } from '../signals.ts';
import type { DefaultOptions } from './default.ts';
import { maybeSeed, startMetricsIfAvailable } from './default.ts';
import { sanitizeLine } from '../format.ts';
import { startBridge, type Bridge } from '../../legacy/bridge.ts';
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
  let databaseUp = true;
  let bridge: Bridge | null = null;
  let metrics: { close(): Promise<void> } | null = null;
  const offs: (() => void)[] = [];
  const shutdown = new Shutdown({
    hurry: () => runner.hurry(),
    databaseUp: () => databaseUp,
    release: () => opened.db.embedded?.stop() ?? Promise.resolve(),
    onForced: (why) => out(`${why}: exiting now; ${runner.runningCount()} running job(s) are recovered by the next runner`),
  });
  // From here on a signal stops the runner gracefully, even while the daemon is still starting.
  const stopped = new Promise<number>((resolve) => {
    onStopRequest((reason) => {
      const n = shutdown.request();
      if (n === 2) out(`${reason}${reason.startsWith('received') ? ' again' : ''}: returning running jobs to the queue now`);
      if (n !== 1) return;
      out(`${reason}: not taking new jobs; waiting for ${runner.runningCount()} running job(s)`);
      if (!databaseUp) out(`the database is unreachable: exiting within ${DATABASE_DOWN_EXIT_MS / 1000} s`);
      let lastReport = 0;
      // the bridge uses the runner's pool: stop it first
      void (bridge ? bridge.stop().catch(() => {}) : Promise.resolve())
        .then(() =>
          opened.close({
            onProgress: ({ remainingSeconds, running }) => {
              if (Date.now() - lastReport > 5000) {
                lastReport = Date.now();
                out(`waiting for ${running} running job(s), ${remainingSeconds}s left before they are returned to the queue`);
              }
            },
          }),
        )
        .then(async () => {
          offs.forEach((f) => f());
          await metrics?.close();
          out(`stopped${describeLeaving(opened)}`);
          shutdown.finish(0);
          resolve(0);
        });
    });
  });
  offs.push(
    runner.on('job:started', (e) => out(`job started   ${e.task} ${short(e.id)} attempt ${e.attempt}${e.runnerId === runner.id ? '' : ' (other runner)'}`)),
    runner.on('job:completed', (e) => out(`job completed ${e.task} ${short(e.id)} in ${e.durationMs} ms`)),
    runner.on('job:failed', (e) => out(`job failed    ${e.task} ${short(e.id)} attempt ${e.attempt}: ${e.error.split('\n')[0]}${e.willRetry ? ' (will retry)' : ''}`)),
    runner.on('job:retried', (e) => out(`job retried   ${e.task ?? ''} ${e.ids.map(short).join(' ')}`)),
    runner.on('job:released', (e) => out(`job released  ${e.task ?? ''} ${e.ids.map(short).join(' ')}: its dependency completed`)),
    runner.on('job:cancelled', (e) => out(`job cancelled ${e.ids.map(short).join(' ')}`)),
    runner.on('schedule:fired', (e) => out(`schedule fired ${e.task} -> ${short(e.jobId)}`)),
    runner.on('runner:up', (e) => out(`runner up     ${e.host} pid ${e.pid} (${e.kind})`)),
    runner.on('runner:down', (e) => out(`runner down   ${e.host} pid ${e.pid} (${e.reason})`)),
    runner.on('db:status', (e) => {
      databaseUp = e.connected;
      out(e.connected ? 'database connection restored' : `database connection lost: ${e.error ?? ''}`);
      if (!e.connected) shutdown.databaseDown();
    }),
  );
  try {
    await maybeSeed(opened, o.demo, out);
    if (o.metricsPort && shutdown.count === 0) metrics = await startMetricsIfAvailable(opened, o);
    // The bridge follows the switch stored in the database (`ifqueue legacy bridge` / `rollback`).
    if (o.bridge && shutdown.count === 0)
      bridge = await startBridge(runner, {
        onEvent: (e) => out(`legacy ${describeBridgeEvent(e)}`),
        onError: (where, message) => process.stderr.write(`error legacy ${where}: ${sanitizeLine(message)}\n`),
      });
  } catch (error) {
    // stopping while starting: the start's errors are the stop's business
    if (shutdown.count > 0) return stopped;
    await opened.close().catch(() => {});
    throw error;
  }
  if (shutdown.count > 0) {
    await bridge?.stop().catch(() => {});
    return stopped;
  }
  const running = queues?.length ?? runner.registry.names().length;
  out(`ifqueue daemon running ${running} task${running === 1 ? '' : 's'} on ${runner.database} (pid ${process.pid})`);
  return stopped;
}

/** What leaving did to the embedded database, for the last line. */
function describeLeaving(opened: Opened): string {
  const left = opened.embeddedStop;
  if (!left || left === 'stopped' || left === 'gone') return '';
  return ` (the embedded PostgreSQL keeps running for ${left.others} other ifqueue process${left.others === 1 ? '' : 'es'})`;
}
