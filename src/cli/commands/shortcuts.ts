// Shortcuts for the IFDB tasks an operator triggers by hand: import-games, import-force-update-urls,
// force-reimport, fetch-feeds. Each enqueues one job (or returns the one already queued) and can
// follow its log.
import type { Command } from 'commander';
import { UserError } from '../../runner/errors.ts';
import { withRunner } from '../context.ts';
import { followJob } from '../follow.ts';
import { sanitizeLine } from '../format.ts';

export function registerShortcutCommands(program: Command): void {
  const globals = () => program.opts();
  const define = (name: string, description: string, build: (o: any) => Record<string, unknown>, extra?: (c: Command) => Command) => {
    let command = program
      .command(name)
      .description(`${description} (enqueues a ${name} job, or returns the one already queued)`)
      .option('--follow', 'stream the job log until it ends');
    if (name !== 'fetch-feeds') command = command.option('--dry-run', 'log what would be created, merged and updated without writing');
    if (extra) command = extra(command);
    command.action(async (o) => {
      const args = build(o);
      await withRunner(globals(), async (runner) => {
        const jobName = `${name}${args.dryRun ? ' (dry run)' : ''} (manual)`;
        const { id, created } = await runner.enqueueOrGet(name, args, { name: jobName });
        process.stdout.write(`${id}${created ? '' : ' (already queued)'}\n`);
        if (o.follow) {
          const end = await followJob(runner, id, (lines) => {
            for (const l of lines) process.stdout.write(`${l.ts.slice(11, 23)} ${l.level[0].toUpperCase()} ${sanitizeLine(l.text)}\n`);
          });
          if (end.state === null) {
            process.exitCode = 130;
            return;
          }
          process.stdout.write(`job ${end.state}${end.error ? `: ${sanitizeLine(end.error.split('\n')[0])}` : ''}\n`);
          if (end.state !== 'completed') process.exitCode = 1;
        }
      });
    });
  };
  const urls = (list: string[] | undefined) => {
    for (const u of list ?? []) if (!/^https?:\/\//i.test(u)) throw new UserError(`not an http(s) URL: ${JSON.stringify(u)}`);
    return list?.length ? list : undefined;
  };
  define(
    'import-games',
    'import new games from the six sites',
    (o) => ({ ...(o.dryRun ? { dryRun: true } : {}), ...(urls(o.appendUrls) ? { appendUrls: urls(o.appendUrls) } : {}) }),
    (c) => c.option('--append-urls <urls...>', 'extra URLs to import besides the listings'),
  );
  define(
    'import-force-update-urls',
    'add the URLs the sources know to existing games',
    (o) => ({ ...(o.dryRun ? { dryRun: true } : {}), ...(urls(o.urls) ? { urls: urls(o.urls) } : {}) }),
    (c) => c.option('--urls <urls...>', 'extra URLs'),
  );
  define('force-reimport', 're-import every game the importer owns', (o) => (o.dryRun ? { dryRun: true } : {}));
  define('fetch-feeds', 'fetch the four community feeds into core_feedcache', () => ({}));
}
