// The webhook URL is a credential (its path holds the token): it never reaches a log line or an error.
import { legacyQuote } from '../http/index.ts';

/** What the webhook may be shown as: its origin only. */
export function maskWebhook(webhook: string): string {
  try {
    return `${new URL(webhook).origin}/***`;
  } catch {
    return '***';
  }
}

/** Every spelling of the secret part that a message could contain, longest first. */
function secretForms(webhook: string): string[] {
  const forms = new Set([webhook, legacyQuote(webhook)]);
  try {
    const url = new URL(webhook);
    forms.add(url.href);
    const path = url.pathname + url.search;
    if (path.length > 1) forms.add(path);
    // the id and token segments of /api/webhooks/<id>/<token>, and anything else long enough to be a key
    const segments = url.pathname.split('/').filter(Boolean);
    const afterWebhooks = segments.indexOf('webhooks');
    segments.forEach((segment, index) => {
      if ((afterWebhooks >= 0 && index > afterWebhooks) || segment.length >= 16) forms.add(segment);
    });
  } catch {}
  return [...forms].filter((form) => form.length >= 4).sort((a, b) => b.length - a.length);
}

export function scrubText(text: string, webhook: string): string {
  let out = text;
  for (const form of secretForms(webhook)) out = out.split(form).join('***');
  return out;
}

/** The error with the secret removed from its message, stack and causes; permanence and status kept. */
export function scrubError(error: unknown, webhook: string, depth = 0): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const cause = depth < 5 && original.cause !== undefined ? scrubError(original.cause, webhook, depth + 1) : undefined;
  const scrubbed = new Error(scrubText(original.message, webhook), cause === undefined ? undefined : { cause });
  scrubbed.name = original.name;
  scrubbed.stack = original.stack === undefined ? undefined : scrubText(original.stack, webhook);
  const { permanent, status } = original as { permanent?: unknown; status?: unknown };
  Object.assign(scrubbed, { permanent: permanent === true, status: typeof status === 'number' ? status : null });
  return scrubbed;
}
