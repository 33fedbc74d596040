// One guarded request with its redirects, deadline and retries; the client's methods consume the body.
import type { Readable } from 'node:stream';
import { Agent, errors, request } from 'undici';
import { abortableSleep } from '../../runner/sleep.ts';
import { maskSecrets } from '../config.ts';
import { AddressGuard, isGuardRefusal, type LookupAll } from './address-guard.ts';
import { HttpError } from './errors.ts';
import { HostSlots, sharedHostSlots } from './host-slots.ts';
import { legacyQuote } from './quote.ts';

export const USER_AGENT = 'ifqueue (IFDB)';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface FetcherSettings {
  allowHosts: readonly string[];
  maxRedirects: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  /** retries after the first attempt for 5xx and network errors */
  retries: number;
  retryDelayMs: number;
  perHost: number;
  log: (level: 'info' | 'warn', message: string) => void;
  /** test hook: the resolver of the pre-connect check (the connect-time check always uses the system's) */
  checkLookup?: LookupAll;
}

export interface Exchange {
  requestUrl: string;
  finalUrl: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** aborted when the request's deadline passes or the caller aborts */
  signal: AbortSignal;
}

export interface FetchSpec {
  method: 'GET' | 'POST';
  url: string;
  signal: AbortSignal;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  followRedirects: boolean;
  retry: boolean;
  log?: FetcherSettings['log'];
}

/** Thrown by body consumers when a body is larger than allowed. */
export class SizeLimitExceeded extends Error {
  constructor(readonly limit: number) {
    super(`response larger than the ${limit}-byte limit`);
  }
}

/** Drops a body we do not read; undici reports the destroy as an error event, which nobody needs. */
export function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

export function header(headers: Exchange['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Legacy quoting, except for the brackets of an IPv6 host, which the quoting would escape. */
function quoteForRequest(raw: string): string {
  return legacyQuote(raw).replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i, (_all, scheme: string, authority: string) =>
    scheme + authority.replace(/%5B/g, '[').replace(/%5D/g, ']'),
  );
}

function parseUrl(raw: string, base?: string): URL {
  try {
    return new URL(quoteForRequest(raw), base);
  } catch (error) {
    throw new HttpError(`not a valid URL: ${maskSecrets(raw).slice(0, 200)}`, { status: null, permanent: true, url: maskSecrets(raw) }, { cause: error });
  }
}

/** Node decodes header bytes as latin1; a raw UTF-8 Location (common on Russian sites) is recovered here. */
function decodeLocation(location: string): string {
  if (!/[\x80-\xff]/.test(location)) return location;
  const utf8 = Buffer.from(location, 'latin1').toString('utf8');
  return utf8.includes('\uFFFD') ? location : utf8;
}

export class Fetcher {
  private readonly guard: AddressGuard;
  private readonly agent: Agent;
  private readonly slots: HostSlots;

  constructor(private readonly settings: FetcherSettings) {
    this.guard = new AddressGuard(settings.allowHosts, settings.checkLookup);
    this.slots = sharedHostSlots(settings.perHost);
    this.agent = new Agent({
      connect: { lookup: this.guard.lookup, timeout: Math.min(settings.idleTimeoutMs, 30_000) },
      headersTimeout: settings.idleTimeoutMs,
      bodyTimeout: settings.idleTimeoutMs,
    });
  }

  /**
   * Runs `consume` on the final response of `spec`, retrying 5xx and network failures (of the
   * request or of the consumption) with backoff. The host slot is held until `consume` settles.
   */
  async run<T>(spec: FetchSpec, consume: (exchange: Exchange) => Promise<T>): Promise<T> {
    const attempts = spec.retry ? 1 + this.settings.retries : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(spec, consume);
      } catch (error) {
        const failure = error as HttpError;
        if (failure.permanent || failure.local || spec.signal.aborted || attempt >= attempts) throw failure;
        const delay = this.settings.retryDelayMs * 3 ** (attempt - 1);
        (spec.log ?? this.settings.log)('warn', `${failure.message}; retry ${attempt} of ${attempts - 1} in ${(delay / 1000).toFixed(1)} s`);
        await abortableSleep(delay, spec.signal);
        if (spec.signal.aborted) throw failure;
      }
    }
  }

  private async once<T>(spec: FetchSpec, consume: (exchange: Exchange) => Promise<T>): Promise<T> {
    const timeoutMs = spec.timeoutMs ?? this.settings.requestTimeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([spec.signal, deadline]);
    const requestUrl = parseUrl(spec.url);
    let current = requestUrl;
    try {
      for (let hop = 0; ; hop++) {
        await this.guard.checkUrl(current);
        const release = await this.slots.acquire(current.host, signal);
        try {
          const response = await request(current, {
            dispatcher: this.agent,
            method: spec.method,
            headers: { 'user-agent': USER_AGENT, ...spec.headers },
            body: spec.body,
            signal,
          });
          const location = header(response.headers, 'location');
          if (spec.followRedirects && REDIRECTS.has(response.statusCode) && location) {
            discard(response.body);
            if (hop >= this.settings.maxRedirects) {
              throw new HttpError(`more than ${this.settings.maxRedirects} redirects from ${maskSecrets(requestUrl.href)}`, {
                status: response.statusCode,
                permanent: true,
                url: maskSecrets(current.href),
              });
            }
            const next = parseUrl(decodeLocation(location), current.href);
            (spec.log ?? this.settings.log)('info', `redirect ${response.statusCode}: ${maskSecrets(current.href)} → ${maskSecrets(next.href)}`);
            current = next;
            continue;
          }
          return await consume({
            requestUrl: requestUrl.href,
            finalUrl: current.href,
            status: response.statusCode,
            headers: response.headers,
            body: response.body,
            signal,
          });
        } finally {
          release();
        }
      }
    } catch (error) {
      throw this.describe(error, spec, current, { deadline, timeoutMs });
    }
  }

  /** Turns any failure into an HttpError with a one-line message, a masked URL and the right permanence. */
  private describe(error: unknown, spec: FetchSpec, url: URL, timing: { deadline: AbortSignal; timeoutMs: number }): HttpError {
    if (error instanceof HttpError) return error;
    const masked = maskSecrets(url.href);
    const fail = (reason: string, permanent: boolean) =>
      new HttpError(`${spec.method} ${masked}: ${reason}`, { status: null, permanent, url: masked }, { cause: error });
    if (isGuardRefusal(error)) {
      const refusal = (function find(e: any): string {
        if (e?.code === 'IFQUEUE_GUARD_REFUSED') return e.message;
        if (e instanceof AggregateError) return e.errors.map(find).find(Boolean) ?? '';
        return e?.cause ? find(e.cause) : '';
      })(error);
      return fail(refusal || 'refused by the address guard', true);
    }
    if (error instanceof SizeLimitExceeded) return fail(error.message, true);
    if (spec.signal.aborted) return fail('aborted', false);
    // A response that breaks HTTP/1.1 (a header value with NUL, ESC, a bare CR or LF; a bad status
    // line) is the server's doing and comes back the same on every try.
    if (error instanceof errors.HTTPParserError) return fail(`malformed response: ${(error as Error).message}`, true);
    if (timing.deadline.aborted) return fail(`no complete response within ${timing.timeoutMs} ms`, false);
    const code = (error as { code?: string }).code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return fail(`no data for ${this.settings.idleTimeoutMs} ms`, false);
    }
    const message = error instanceof Error ? error.message || error.name : String(error);
    const text = `${code && !message.startsWith(code) ? code + ' ' : ''}${maskSecrets(message)}`.split('\n')[0];
    // Local file-system failures (disk full, quota, permissions) are not the network's: fetching
    // again cannot help within this attempt, so they are not retried here (the job's own retries
    // still apply later).
    if (code && ['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE'].includes(code)) {
      return new HttpError(`${spec.method} ${masked}: ${text}`, { status: null, permanent: false, url: masked, local: true }, { cause: error });
    }
    return fail(text, false);
  }

  /** The error for a final response that is not 2xx: 4xx are permanent, except 408 and 429. */
  static statusError(exchange: Exchange, method: string): HttpError {
    const masked = maskSecrets(exchange.finalUrl);
    const transient = exchange.status >= 500 || exchange.status === 408 || exchange.status === 429;
    return new HttpError(`${method} ${masked}: HTTP ${exchange.status}`, { status: exchange.status, permanent: !transient, url: masked });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
