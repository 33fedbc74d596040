// The import tasks: import-games, import-force-update-urls and force-reimport (tasks.md §2).
//
// Dry run: the whole algorithm runs, fetches included, and each game's writes happen in their own
// transaction that is then rolled back; follow-up jobs are logged instead of queued. So a dry run
// reports exactly what would be created, merged and updated, and leaves IFDB unchanged.
import { z } from 'zod';
import { defineTask } from '../../runner/task.ts';
import type { TaskContext, TaskDefinition } from '../../runner/types.ts';
import type { TaskDeps } from '../deps.ts';
import { createHttpClient } from '../http/index.ts';
import { enrich as enrichMerged } from './enrich.ts';
import { Importer } from './importer.ts';
import { createSources } from './sources/index.ts';
import type { ImportResult, Source, SourceContext, SourceHttpClient } from './types.ts';
import { IMPORT_TABLES, requireTables } from './updater/require-tables.ts';
import { acquireImportLock } from './updater/run-lock.ts';
import { runForceReimport, runImportGames, type ImportSummary, type RunDeps } from './updater/runs.ts';

export type { ImportSummary } from './updater/runs.ts';

export interface ImportTaskOptions {
  /** the sources of a run (tests pass small fakes); default: the six real ones */
  sources?: () => Source[];
  /** default: the shared HTTP client built from the tasks configuration */
  http?: SourceHttpClient;
  enrich?: (result: ImportResult) => ImportResult;
}

const url = z.string().max(2048).regex(/^https?:\/\//i, 'an http(s) URL');
const dryRun = z.boolean().optional();

const importGamesArgs = z
  .object({
    /** URLs to import besides the listings; `true` is the legacy append_urls flag (= import-force-update-urls) */
    appendUrls: z.union([z.boolean(), z.array(url).max(1000)]).optional(),
    dryRun,
  })
  .strict();
const forceUpdateArgs = z.object({ urls: z.array(url).max(1000).optional(), dryRun }).strict();
const reimportArgs = z.object({ dryRun }).strict();

const LONG_RUN = {
  exclusive: true,
  expireSeconds: 3 * 60 * 60,
  retry: { retries: 1, delaySeconds: 600, backoff: false },
} as const;

export function importTasks(deps: TaskDeps, options: ImportTaskOptions = {}): TaskDefinition[] {
  async function withImporter(task: string, ctx: TaskContext, run: (runDeps: RunDeps) => Promise<ImportSummary>): Promise<ImportSummary> {
    await requireTables(deps.pool, IMPORT_TABLES, task);
    const release = await acquireImportLock(deps.pool, ctx.log, ctx.signal);
    try {
      const http = options.http ?? createHttpClient(deps.config, (level, message) => ctx.log[level](message));
      const context: SourceContext = { http, signal: ctx.signal, log: ctx.log, baseUrls: deps.config.sources };
      const sources = options.sources ? options.sources() : createSources(deps.config.sources);
      const importer = new Importer({ sources, context, enrich: options.enrich ?? enrichMerged, allowHosts: deps.config.allowHosts });
      return await run({ pool: deps.pool, maintenanceUser: deps.config.maintenanceUser, importer, ctx });
    } finally {
      await release();
    }
  }

  const importGames = defineTask({
    name: 'import-games',
    description: 'Imports new games from the six source sites and updates the games the importer owns',
    schema: importGamesArgs,
    ...LONG_RUN,
    handler: (args, ctx) =>
      withImporter('import-games', ctx, (runDeps) =>
        runImportGames(runDeps, {
          dryRun: args.dryRun ?? false,
          appendUrls: args.appendUrls === true,
          extraUrls: Array.isArray(args.appendUrls) ? args.appendUrls : [],
        }),
      ),
    summarize: (a) => [Array.isArray(a.appendUrls) ? `${a.appendUrls.length} URLs` : a.appendUrls ? 'append URLs' : '', a.dryRun ? 'dry run' : ''].filter(Boolean).join(', '),
  });

  const forceUpdateUrls = defineTask({
    name: 'import-force-update-urls',
    description: 'As import-games, and also adds new URLs to games a person has edited',
    schema: forceUpdateArgs,
    ...LONG_RUN,
    handler: (args, ctx) =>
      withImporter('import-force-update-urls', ctx, (runDeps) =>
        runImportGames(runDeps, { dryRun: args.dryRun ?? false, appendUrls: true, extraUrls: args.urls ?? [] }),
      ),
    summarize: (a) => [a.urls ? `${a.urls.length} URLs` : '', a.dryRun ? 'dry run' : ''].filter(Boolean).join(', '),
  });

  const forceReimport = defineTask({
    name: 'force-reimport',
    description: 'Imports every game the importer owns again from its source pages',
    schema: reimportArgs,
    ...LONG_RUN,
    handler: (args, ctx) => withImporter('force-reimport', ctx, (runDeps) => runForceReimport(runDeps, { dryRun: args.dryRun ?? false })),
    summarize: (a) => (a.dryRun ? 'dry run' : ''),
  });

  return [importGames, forceUpdateUrls, forceReimport];
}
