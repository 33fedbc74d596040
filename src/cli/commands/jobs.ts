// enqueue (one job, or one per line of a JSON-lines file), jobs, job, retry, cancel, delete, cleanup.
// All but the bulk enqueue run on the light client (no pg-boss, no tasks); one job is enqueued through
// ifqueue.enqueue_job, which checks its arguments against the schema the runners registered.
import type { Command } from 'commander';
import type { JobRefusal } from '../../runner/client.ts';
import { UserError } from '../../runner/errors.ts';
import { parseNumberSetting } from '../../runner/settings.ts';
import { JOB_STATES, type LogLine, type StateFilter } from '../../runner/types.ts';
import { retentionDaysFromEnv, withClient, withRunner } from '../context.ts';
import { readArgsLines } from '../args-file.ts';
import { followJob } from '../follow.ts';
import { readArgsOption } from '../args-input.ts';
import { JOB_HEADERS, ago, formatDuration, jobRow, parseDuration, printLines, sanitizeLine, table, toJson } from '../format.ts';

const STATES: StateFilter[] = [...JOB_STATES, 'waiting', 'scheduled'];

function intOption(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UserError(`${name} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Why retry, cancel or delete changed nothing, as one line. */
export function refusalText(id: string, why: JobRefusal, action: 'retry' | 'cancel' | 'delete'): string {
  switch (why) {
    case 'unknown':
      return `unknown job id ${JSON.stringify(id)}`;
    case 'running':
      return `job ${id} is running${action === 'delete' ? ': cancel it first' : ''}`;
    case 'finished':
      return `job ${id} has already finished`;
    case 'not failed':
      return `job ${id} is not failed or cancelled: only those can be retried`;
  }
}

export function registerJobCommands(program: Command): void {
  const globals = () => program.opts();

  program
    .command('enqueue <task>')
    .description('enqueue a job and print its id; with --args-file, one job per line')
    .option('--args <json|@file|->', 'arguments as JSON, or @file to read them from a file, or - from stdin', '{}')
    .option('--args-file <file>', 'JSON lines, one arguments object per line ("-": standard input); all are checked before any is enqueued')
    .option('--name <name>', 'job name (dedupe key with --or-get)')
    .option('--or-get', 'return the queued/running job with this name instead of creating another')
    .option('--priority <n>', 'legacy priority: lower runs sooner (default 100)')
    .option('--delay <duration>', 'start after a delay, e.g. 10m')
    .option('--retries <n>', 'retries after the first attempt')
    .option('--on-fail <task>', 'task to run with the job and its error after the final failure')
    .option('--depends-on <id-or-name>', 'run only after this job succeeded')
    .option('--dry-run', 'shortcut: add "dryRun": true to the arguments')
    .action(async (task: string, o) => {
      const options = {
        priority: o.priority !== undefined ? intOption(o.priority, '--priority') : undefined,
        startAfter: o.delay !== undefined ? parseDuration(o.delay) : undefined,
        retries: o.retries !== undefined ? intOption(o.retries, '--retries') : undefined,
        onFail: o.onFail,
      };
      if (o.argsFile !== undefined) {
        if (o.args !== '{}') throw new UserError('give --args or --args-file, not both');
        for (const [flag, given] of [['--name', o.name], ['--or-get', o.orGet], ['--depends-on', o.dependsOn]] as const)
          if (given !== undefined) throw new UserError(`${flag} applies to one job; it cannot be used with --args-file`);
        const lines = await readArgsLines(o.argsFile, { dryRun: !!o.dryRun });
        await withRunner(globals(), async (runner) => {
          // every line checked first, naming its line number; nothing is enqueued if one is bad
          for (const { line, args } of lines) {
            try {
              runner.registry.parseArgs(task, args);
            } catch (error) {
              throw new UserError(`${o.argsFile === '-' ? 'stdin' : o.argsFile} line ${line}: ${(error as Error).message}`);
            }
          }
          const ids = await runner.enqueueMany(task, lines.map((l) => l.args), options);
          process.stdout.write(
            ids.length ? `enqueued ${ids.length} ${task} job${ids.length === 1 ? '' : 's'} (${ids[0]}${ids.length > 1 ? ` … ${ids[ids.length - 1]}` : ''})\n` : 'no jobs: the file has no lines\n',
          );
        });
        return;
      }
      const args = (await readArgsOption(o.args)) as Record<string, unknown>;
      if (o.dryRun) {
        if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new UserError('--dry-run needs object arguments');
        args.dryRun = true;
      }
      if (o.orGet && !o.name) throw new UserError('--or-get needs --name');
      await withClient(globals(), async (client) => {
        const r = await client.enqueue(task, args, { ...options, name: o.name, dependsOn: o.dependsOn, orGet: !!o.orGet });
        printLines([`${r.id}${r.created ? '' : ' (existing)'}`]);
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
      const limit = parseNumberSetting('--limit', String(o.limit).trim(), { min: 1, max: 1000 });
      await withClient(globals(), async (client) => {
        if (o.task) await client.assertTask(o.task);
        const page = await client.listJobs({ state: o.state, task: o.task, search: o.search }, { limit });
        if (o.json) process.stdout.write(toJson(page.jobs, 2) + '\n');
        else process.stdout.write((page.jobs.length ? table(page.jobs.map(jobRow), JOB_HEADERS) : 'no jobs') + '\n');
      });
    });

  program
    .command('job <id>')
    .description('show one job with its attempts and log')
    .option('--json', 'JSON output (the job with its log lines)')
    .option('--follow', 'stream the log live until the job ends, then print its final state (exit 1 unless it completed)')
    .action(async (id: string, o) => {
      await withClient(globals(), async (client) => {
        const job = await client.getJob(id);
        if (!job) throw new UserError(`unknown job id ${JSON.stringify(id)}`);
        if (o.json && !o.follow) {
          const log = await client.getLog(id);
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
        const print = (ls: LogLine[]) => {
          for (const l of ls) {
            if (o.json) process.stdout.write(toJson(l) + '\n');
            else printLines([`${l.ts.slice(11, 23)} ${l.level[0].toUpperCase()} ${l.text}`]);
          }
        };
        if (!o.follow) {
          print(await client.getLog(id));
          return;
        }
        const end = await followJob(client, id, print);
        if (end.state === null) {
          process.exitCode = 130;
          return;
        }
        if (o.json) process.stdout.write(toJson({ jobId: id, state: end.state, error: end.error }) + '\n');
        else printLines([`job ${end.state}${end.error ? `: ${end.error.split('\n')[0]}` : ''}`]);
        if (end.state !== 'completed') process.exitCode = 1;
      });
    });

  program
    .command('retry [id]')
    .description('retry a failed job, or all failed jobs, with a fresh retry budget')
    .option('--all-failed', 'every failed job (optionally of one task)')
    .option('--task <task>', 'with --all-failed: only this task')
    .action(async (id: string | undefined, o) => {
      if (!id && !o.allFailed) throw new UserError('give a job id or --all-failed');
      await withClient(globals(), async (client) => {
        if (id) {
          if (!(await client.retryFailed({ ids: [id] }))) throw new UserError(refusalText(id, await client.refusal(id, 'retry'), 'retry'));
          process.stdout.write(`retried ${id}\n`);
        } else {
          if (o.task) await client.assertTask(o.task);
          const n = await client.retryFailed({ task: o.task });
          process.stdout.write(`retried ${n} failed job${n === 1 ? '' : 's'}${o.task ? ` of ${o.task}` : ''}\n`);
        }
      });
    });

  program
    .command('cancel <id>')
    .description('cancel a queued or running job')
    .action(async (id: string) => {
      await withClient(globals(), async (client) => {
        if (!(await client.cancelJob(id))) throw new UserError(refusalText(id, await client.refusal(id, 'cancel'), 'cancel'));
        process.stdout.write(`cancelled ${id}\n`);
      });
    });

  program
    .command('delete <id>')
    .description('delete a job that is not running')
    .action(async (id: string) => {
      await withClient(globals(), async (client) => {
        if (!(await client.deleteJob(id))) throw new UserError(refusalText(id, await client.refusal(id, 'delete'), 'delete'));
        process.stdout.write(`deleted ${id}\n`);
      });
    });

  program
    .command('cleanup')
    .description('delete finished jobs older than a duration (failed ones only with --failed)')
    .option('--older-than <duration>', 'age, e.g. 14d (default: IFQUEUE_RETENTION_DAYS, 14 days)')
    .option('--failed', 'also delete failed jobs')
    .option('--task <task>', 'only this task')
    .option('--dry-run', 'only count what would go')
    .action(async (o) => {
      // the same default as the runners' own retention, so `cleanup` and the sweep agree
      o.olderThan ??= `${retentionDaysFromEnv()}d`;
      const olderThanSeconds = parseDuration(o.olderThan);
      await withClient(globals(), async (client) => {
        if (o.task) await client.assertTask(o.task);
        const r = await client.cleanup({ olderThanSeconds, includeFailed: !!o.failed, task: o.task, dryRun: !!o.dryRun });
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
