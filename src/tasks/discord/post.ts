// Sends the new-game post to the webhook: one attempt per job (the runner retries), a timeout, the status checked.
import { PermanentError } from '../../runner/errors.ts';
import type { TaskContext } from '../../runner/types.ts';
import type { HttpClient } from '../http/index.ts';
import { withAsciiStrings } from './ascii-json.ts';
import type { DiscordPayload } from './payload.ts';
import { maskWebhook, scrubError, scrubText } from './secret.ts';

export const POST_TIMEOUT_MS = 30_000;

/** Posts the payload; non-2xx is an error, permanent for 4xx other than 408/429 (those are worth a retry). */
export async function postToWebhook(http: HttpClient, webhook: string, payload: DiscordPayload, ctx: TaskContext): Promise<number> {
  const started = performance.now();
  let response: { status: number; text: string };
  try {
    response = await http.postJson(webhook, withAsciiStrings(payload), { signal: ctx.signal, timeoutMs: POST_TIMEOUT_MS });
  } catch (error) {
    throw scrubError(error, webhook);
  }
  const ms = Math.round(performance.now() - started);
  const { status } = response;
  if (status >= 200 && status < 300) {
    ctx.log.info(`posted to the Discord webhook at ${maskWebhook(webhook)}: HTTP ${status} in ${ms} ms`);
    return status;
  }
  const answer = scrubText(response.text.replace(/\s+/g, ' ').trim().slice(0, 200), webhook);
  const message = `the Discord webhook at ${maskWebhook(webhook)} answered HTTP ${status} in ${ms} ms${answer ? `: ${answer}` : ''}`;
  const transient = status >= 500 || status === 408 || status === 429 || status < 200;
  throw transient ? new Error(message) : new PermanentError(message);
}
