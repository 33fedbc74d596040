// Runs a benchmark's main function with cleanup of databases and child processes on any exit path.
import { dropAll } from './database.ts';
import { killChildren } from './child.ts';

export function runBench(main: () => Promise<void>): void {
  const cleanup = async () => {
    killChildren();
    await dropAll();
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  main().then(
    async () => {
      await cleanup();
      process.exit(0);
    },
    async (error) => {
      console.error(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await cleanup();
      process.exit(1);
    },
  );
}
