// Runs a benchmark's main function with cleanup of databases and child processes on any exit path.
import { dropAll } from './database.ts';
import { killChildren } from './child.ts';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

/** True when the module is the script node was started with (not imported by all.ts or another script). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}
