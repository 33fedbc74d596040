// post-to-discord: announces a game the importer has just created (enqueued after its transaction commits).
import { AsyncLocalStorage } from 'node:async_hooks';
import { z } from 'zod';
import { defineTask } from '../../runner/task.ts';
import type { TaskDefinition } from '../../runner/types.ts';
import type { TasksConfig } from '../config.ts';
import type { TaskDeps } from '../deps.ts';
import { createHttpClient, type HttpLog, type HttpTuning } from '../http/client.ts';
import { requireTables } from '../import/updater/require-tables.ts';
import { buildNewGamePayload, DISCORD_TABLES } from './payload.ts';
import { postToWebhook } from './post.ts';
import { scrubText } from './secret.ts';

export { buildNewGamePayload, type DiscordPayload } from './payload.ts';

/** IFQUEUE_SOURCES.discord (tests) overrides the configured webhook. */
export function discordWebhookUrl(config: Pick<TasksConfig, 'sources' | 'discordWebhook'>): string | null {
  return config.sources.discord || config.discordWebhook || null;
}

export interface DiscordTaskOptions {
  httpTuning?: HttpTuning;
}

export function discordTasks(deps: TaskDeps, options: DiscordTaskOptions = {}): TaskDefinition[] {
  // One client for all jobs; whatever it logs goes to the job that caused it, with the webhook scrubbed.
  const jobLog = new AsyncLocalStorage<HttpLog>();
  const http = createHttpClient(deps.config, (level, message) => jobLog.getStore()?.(level, message), options.httpTuning);

  const postToDiscord = defineTask({
    name: 'post-to-discord',
    description: 'Announces a new game on the Discord webhook',
    schema: z.object({ gameId: z.number().int().positive() }).strict(),
    retry: { retries: 5, delaySeconds: 30, backoff: true, maxDelaySeconds: 3600 },
    expireSeconds: 120,
    async handler({ gameId }, ctx) {
      const webhook = discordWebhookUrl(deps.config);
      if (!webhook) {
        ctx.log.info(`no Discord webhook configured; game ${gameId} not announced`);
        return { posted: false, reason: 'no webhook configured' };
      }
      await requireTables(deps.pool, DISCORD_TABLES, 'post-to-discord');
      const payload = await buildNewGamePayload(deps.pool, gameId, deps.config);
      if (payload === null) {
        ctx.log.warn(`game ${gameId} does not exist or is hidden from "${deps.config.maintenanceUser}"; nothing posted`);
        return { posted: false, reason: 'game missing or hidden' };
      }
      ctx.log.info(`announcing game ${gameId} "${payload.embeds[0].title}"`);
      const log: HttpLog = (level, message) => ctx.log[level](scrubText(message, webhook));
      const status = await jobLog.run(log, () => postToWebhook(http, webhook, payload, ctx));
      return { posted: true, status };
    },
    summarize: (args) => `game ${args.gameId}`,
  });

  return [postToDiscord];
}
