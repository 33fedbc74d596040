// enqueue, jobs, job, retry, cancel, delete, cleanup.
import type { Command } from 'commander';
import { UserError } from '../../runner/errors.ts';
import { JOB_STATES, type StateFilter } from '../../runner/types.ts';
import { readArgsOption } from '../args-input.ts';
import { withRunner } from '../context.ts';
import { JOB_HEADERS, ago, formatDuration, jobRow, parseDuration, printLines, sanitizeLine, table, toJson } from '../format.ts';

const STATES: StateFilter[] = [...JOB_STATES, 'waiting', 'scheduled'];

function intOption(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UserError(`${name} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

export function registerJobCommands(program: Command): void {
  const globals = () => program.opts();

  program
    .command('enqueue <task>')
    .description('enqueue a job; prints its id')
    .option('--args <json|@file|->', 'arguments as JSON, or @file to read them from a file, or - from stdin', '{}')
    .option('--name <name>', 'job name (dedupe key with --or-get)')
    .option('--or-get', 'return the queued/running job with this name instead of creating another')
    .option('--priority <n>', 'legacy priority: lower runs sooner (default 100)')
    .option('--delay <duration>', 'start after a delay, e.g. 10m')
    .option('--retries <n>', 'retries after the first attempt')
    .option('--on-fail <task>', 'task to run with the job and its error after the final failure')
    .option('--depends-on <id-or-name>', 'run only after this job succeeded')
    .option('--dry-run', 'shortcut: add "dryRun": true to the arguments')
    .action(async (task: string, o) => {
      const args = (await readArgsOption(o.args)) as Record<string, unknown>;
      if (o.dryRun) {
        if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new UserError('--dry-run needs object arguments');
        args.dryRun = true;
      }
      await withRunner(globals(), async (runner) => {
        const options = {
          name: o.name,
          priority: o.priority !== undefined ? intOption(o.priority, '--priority') : undefined,
          startAfter: o.delay !== undefined ? parseDuration(o.delay) : undefined,
          retries: o.retries !== undefined ? intOption(o.retries, '--retries') : undefined,
          onFail: o.onFail,
          dependsOn: o.dependsOn,
        };
        if (o.orGet) {
          if (!o.name) throw new UserError('--or-get needs --name');
          const r = await runner.enqueueOrGet(task, args, { ...options, name: o.name });
          printLines([`${r.id}${r.created ? '' : ' (existing)'}`]);
        } else {
          process.stdout.write(`${await runner.enqueue(task, args, options)}\n`);
        }
      });
    });

  program
    .command('jobs')
    .description('list jobs, newest first')
    .option('--state <state>', `one of ${STATES.join(', ')}`)
    .option('--task <task>', 'only this task')
    .option('--search <text>', 'name, id prefix or argument text')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'JSON output (one array)')
    .action(async (o) => {
      if (o.state && !STATES.includes(o.state)) throw new UserError(`unknown state ${JSON.stringify(o.state)}; use one of ${STATES.join(', ')}`);
      await withRunner(globals(), async (runner) => {
        if (o.task) runner.registry.get(o.task);
        const page = await runner.listJobs({ state: o.state, task: o.task, search: o.search }, { limit: intOption(o.limit, '--limit') });
        if (o.json) process.stdout.write(toJson(page.jobs, 2) + '\n');
        else process.stdout.write((page.jobs.length ? table(page.jobs.map(jobRow), JOB_HEADERS) : 'no jobs') + '\n');
      });
    });

  program
    .command('job <id>')
    .description('show one job with its attempts and log')
    .option('--json', 'JSON output (the job with its log lines)')
    .option('--follow', 'stream the log live until the job ends')
    .action(async (id: string, o) => {
      await withRunner(globals(), async (runner) => {
        const job = await runner.getJob(id);
        if (!job) throw new UserError(`unknown job id ${JSON.stringify(id)}`);
        if (o.json && !o.follow) {
          const log = await runner.getLog(id);
          process.stdout.write(toJson({ ...job, log }, 2) + '\n');
          return;
        }
        if (!o.json) {
          const lines = [
            `job       ${job.id}`,
            `task      ${job.task}${job.name ? `  name ${job.name}` : ''}`,
            `state     ${job.state}${job.blocked ? ' (waiting for its dependency)' : ''}   attempt ${job.attempt}/${job.maxAttempts}   priority ${job.priority}`,
            `args      ${JSON.stringify(job.args)}`,
            `created   ${job.createdAt} (${ago(job.createdAt)})`,
            job.startedAt ? `started   ${job.startedAt}` : null,
            job.finishedAt ? `finished  ${job.finishedAt}` : null,
            job.dependsOn ? `depends   ${job.dependsOn}` : null,
            job.options.onFail ? `on fail   ${job.options.onFail}${job.onFailJobId ? ` → ${job.onFailJobId}` : ''}` : null,
            job.error ? `error     ${job.error}` : null,
            ...job.attempts.map(
              (a) =>
                `attempt ${a.attempt}: ${a.outcome} ${a.host ? `on ${a.host} pid ${a.pid}` : ''} ${a.finishedAt ? formatDuration((new Date(a.finishedAt).getTime() - new Date(a.startedAt).getTime()) / 1000) : ''}${a.error ? ` — ${a.error}` : ''}`,
            ),
            '── log',
          ].filter((l) => l !== null);
          printLines(lines);
        }
        const print = (ls: { ts: string; level: string; text: string; attempt: number }[]) => {
          for (const l of ls) {
            if (o.json) process.stdout.write(toJson(l) + '\n');
            else printLines([`${l.ts.slice(11, 23)} ${l.level[0].toUpperCase()} ${l.text}`]);
          }
        };
        if (!o.follow) {
          print(await runner.getLog(id));
          return;
        }
        await new Promise<void>((resolve) => {
          let unsubscribe: (() => void) | null = null;
          const finish = () => {
            offs.forEach((f) => f());
            // let the last log batch arrive
            setTimeout(() => {
              unsubscribe?.();
              resolve();
            }, 300);
          };
          const isFinal = (jid: string) => jid === id;
          const offs = [
            runner.on('job:completed', (e) => isFinal(e.id) && finish()),
            runner.on('job:failed', (e) => isFinal(e.id) && !e.willRetry && finish()),
            runner.on('job:cancelled', (e) => e.ids.includes(id) && finish()),
          ];
          void runner.followLog(id, print).then(async (u) => {
            unsubscribe = u;
            const now = await runner.getJob(id);
            if (now && ['completed', 'failed', 'cancelled'].includes(now.state)) finish();
          });
          process.once('SIGINT', finish);
        });
      });
    });

  program
    .command('retry [id]')
    .description('retry a failed job, or all failed jobs, with a fresh retry budget')
    .option('--all-failed', 'every failed job (optionally of one task)')
    .option('--task <task>', 'with --all-failed: only this task')
    .action(async (id: string | undefined, o) => {
      if (!id && !o.allFailed) throw new UserError('give a job id or --all-failed');
      await withRunner(globals(), async (runner) => {
        if (id) {
          const n = await runner.retryJob(id);
          if (!n) throw new UserError(`job ${id} is not failed or cancelled (or does not exist)`);
          process.stdout.write(`retried ${id}\n`);
        } else {
          if (o.task) runner.registry.get(o.task);
          const n = await runner.retryFailed({ task: o.task });
          process.stdout.write(`retried ${n} failed job${n === 1 ? '' : 's'}${o.task ? ` of ${o.task}` : ''}\n`);
        }
      });
    });

  program
    .command('cancel <id>')
    .description('cancel a queued or running job')
    .action(async (id: string) => {
      await withRunner(globals(), async (runner) => {
        if (!(await runner.cancelJob(id))) throw new UserError(`job ${id} is not queued or running (or does not exist)`);
        process.stdout.write(`cancelled ${id}\n`);
      });
    });

  program
    .command('delete <id>')
    .description('delete a job that is not running')
    .action(async (id: string) => {
      await withRunner(globals(), async (runner) => {
        if (!(await runner.deleteJob(id))) throw new UserError(`job ${id} does not exist or is running`);
        process.stdout.write(`deleted ${id}\n`);
      });
    });

  program
    .command('cleanup')
    .description('delete finished jobs older than a duration (failed ones only with --failed)')
    .option('--older-than <duration>', 'age, e.g. 14d', '14d')
    .option('--failed', 'also delete failed jobs')
    .option('--task <task>', 'only this task')
    .option('--dry-run', 'only count what would go')
    .action(async (o) => {
      const olderThanSeconds = parseDuration(o.olderThan);
      await withRunner(globals(), async (runner) => {
        if (o.task) runner.registry.get(o.task);
        const r = await runner.cleanup({ olderThanSeconds, includeFailed: !!o.failed, task: o.task, dryRun: !!o.dryRun });
        process.stdout.write(
          `${r.dryRun ? 'would delete' : 'deleted'} ${r.completed} completed, ${r.cancelled} cancelled, ${r.failed} failed job(s) older than ${o.olderThan}\n`,
        );
        // downloads and recodes a killed process left half-written in the stores
        const [{ loadTasksConfig }, { staleAfterMs, sweepTemporaries }] = await Promise.all([import('../../tasks/config.ts'), import('../../tasks/files/index.ts')]);
        const config = loadTasksConfig(process.env);
        const swept = await sweepTemporaries(config, staleAfterMs(config), { dryRun: !!o.dryRun });
        if (swept.removed.length > 0) printLines([`${r.dryRun ? 'would remove' : 'removed'} ${swept.removed.length} stale temporary file(s): ${swept.removed.join(', ')}`]);
      });
    });
}
