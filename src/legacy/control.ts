// The dashboard's handle on the legacy queue (src/legacy/types.ts): status and the stop action.
import type { Runner } from '../runner/runner.ts';
import { UserError } from '../runner/errors.ts';
import type { LegacyAdapter } from './types.ts';
import { legacyOptionsFromEnv, type LegacyOptions } from './options.ts';
import { legacyReport, toLegacyStatus } from './status.ts';
import { legacyTableExists } from './store.ts';
import { stopWorker } from './stop.ts';

export function createLegacyControl(runner: Runner, options: Partial<LegacyOptions> = {}): LegacyAdapter {
  const o = legacyOptionsFromEnv(process.env, options);
  return {
    async status() {
      await runner.start();
      return toLegacyStatus(await legacyReport(runner.db, o));
    },
    async stopWorker(onProgress) {
      await runner.start();
      const result = await stopWorker(runner.db, o, onProgress);
      if (!result.ok) throw new UserError(result.message);
      return result.message;
    },
  };
}

/** The dashboard needs a Legacy screen only where IFDB's legacy table exists. */
export async function hasLegacyQueue(runner: Runner): Promise<boolean> {
  await runner.start();
  return legacyTableExists(runner.db);
}
