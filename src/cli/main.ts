// `ifqueue`: argument parsing and wiring only; the work is in src/runner, src/tasks and src/ui.
import { Command, Option } from 'commander';
import { UserError, errorMessage } from '../runner/errors.ts';
import { scrubSecrets } from '../runner/dsn.ts';
import { VERSION } from '../runner/version.ts';
import { registerJobCommands } from './commands/jobs.ts';
import { registerScheduleCommands } from './commands/schedules.ts';
import { registerStatusCommands } from './commands/status.ts';
import { registerShortcutCommands } from './commands/shortcuts.ts';
import { runDefault } from './commands/default.ts';
import { registerExtensions } from './extensions.ts';

export function buildProgram(): Command {
  const program = new Command('ifqueue')
    .description('Job runner and terminal dashboard for IFDB (pg-boss on PostgreSQL)')
    .version(VERSION)
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL, else the embedded PostgreSQL)')
    .option('--daemon', 'run jobs headless (systemd), one line per job event on stdout')
    .option('--no-runner', 'dashboard only watches: jobs run elsewhere (a daemon)')
    .option('--readonly', 'dashboard without any action; runs no jobs (implies --no-runner)')
    .option('--demo', 'seed demo jobs first (only into a database that holds no jobs)')
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics on 127.0.0.1:<port>').argParser(Number))
    .addOption(new Option('--metrics-host <host>', 'address for the metrics server').default('127.0.0.1'))
    .option('--queues <names>', 'run only these tasks (comma-separated)')
    .option('--bridge', 'with --daemon: also bridge the legacy queue (core_taskqueueelement) while bridging is switched on')
    .showHelpAfterError('(run ifqueue --help for usage)')
    .action(async (options) => {
      process.exitCode = await runDefault(options);
    });
  registerJobCommands(program);
  registerScheduleCommands(program);
  registerStatusCommands(program);
  registerShortcutCommands(program);
  registerExtensions(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
      process.exitCode = 0;
      return;
    }
    if (code?.startsWith('commander.')) {
      process.exitCode = 2;
      return;
    }
    const url = program.opts().databaseUrl ?? process.env.DATABASE_URL ?? '';
    const message = scrubSecrets(errorMessage(error), url).split('\n')[0];
    process.stderr.write(`ifqueue: ${message}\n`);
    if (!(error instanceof UserError) && process.env.IFQUEUE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = error instanceof UserError ? 1 : 1;
  }
}
