// The one HTTP client of all IFDB tasks: undici with an SSRF guard, limits, retries and per-host concurrency.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseDisposition } from 'content-disposition';
import { maskSecrets, type TasksConfig } from '../config.ts';
import type { LookupAll } from './address-guard.ts';
import { decodeBody, mediaType } from './charset.ts';
import { HttpError } from './errors.ts';
import { discard, type Exchange, Fetcher, header, SizeLimitExceeded } from './fetcher.ts';

export { HttpError };

export interface RequestOptions {
  signal: AbortSignal;
  headers?: Record<string, string>;
  maxBytes?: number;
  timeoutMs?: number;
  /** where this request's retries and redirects are logged (e.g. the job log); defaults to the client's */
  log?: (level: 'info' | 'warn', message: string) => void;
}

export interface TextResponse {
  requestUrl: string;
  finalUrl: string;
  status: number;
  /** media type lower-cased, no params */
  contentType: string;
  body: Buffer;
  /** decoded: charset from header/meta, or options.encoding */
  text: string;
}

export interface DownloadResult {
  finalUrl: string;
  bytes: number;
  /** hex SHA-256 of the bytes written */
  sha256: string;
  contentType: string;
  dispositionFilename: string | null;
}

export interface HttpClient {
  /** non-2xx -> HttpError */
  getText(url: string, options: RequestOptions & { encoding?: 'utf-8' | 'windows-1251' }): Promise<TextResponse>;
  getJson<T = unknown>(url: string, options: RequestOptions): Promise<T>;
  /** streams to disk, never buffers whole */
  download(url: string, destinationPath: string, options: RequestOptions & { onProgress?: (bytes: number) => void }): Promise<DownloadResult>;
  postJson(url: string, body: unknown, options: RequestOptions): Promise<{ status: number; text: string }>;
}

export type HttpLog = (level: 'info' | 'warn', message: string) => void;

/** Knobs tests turn down; production uses the defaults. */
export interface HttpTuning {
  retries?: number;
  retryDelayMs?: number;
  perHost?: number;
  /** simulates DNS answers for the pre-connect check (DNS-rebinding tests) */
  checkLookup?: LookupAll;
}

async function readLimited(exchange: Exchange, maxBytes: number): Promise<Buffer> {
  const declared = Number(header(exchange.headers, 'content-length'));
  if (declared > maxBytes) {
    discard(exchange.body);
    throw new SizeLimitExceeded(maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of exchange.body) {
    size += chunk.length;
    if (size > maxBytes) {
      discard(exchange.body);
      throw new SizeLimitExceeded(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function ensureOk(exchange: Exchange, method: string): void {
  if (exchange.status >= 200 && exchange.status < 300) return;
  discard(exchange.body);
  throw Fetcher.statusError(exchange, method);
}

function dispositionFilename(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return parseDisposition(value).parameters.filename ?? null;
  } catch {
    return null;
  }
}

export function createHttpClient(config: TasksConfig, log: HttpLog = () => {}, tuning: HttpTuning = {}): HttpClient {
  const fetcher = new Fetcher({
    allowHosts: config.allowHosts,
    maxRedirects: config.limits.maxRedirects,
    requestTimeoutMs: config.limits.requestTimeoutMs,
    idleTimeoutMs: config.limits.idleTimeoutMs,
    retries: tuning.retries ?? 2,
    retryDelayMs: tuning.retryDelayMs ?? 500,
    perHost: tuning.perHost ?? 2,
    checkLookup: tuning.checkLookup,
    log,
  });
  const pageLimit = (options: RequestOptions) => options.maxBytes ?? config.limits.pageBytes;

  async function getText(url: string, options: RequestOptions & { encoding?: 'utf-8' | 'windows-1251' }): Promise<TextResponse> {
    const spec = { method: 'GET' as const, url, signal: options.signal, headers: options.headers, timeoutMs: options.timeoutMs, followRedirects: true, retry: true, log: options.log };
    return fetcher.run(spec, async (exchange) => {
      ensureOk(exchange, 'GET');
      const body = await readLimited(exchange, pageLimit(options));
      const contentTypeHeader = header(exchange.headers, 'content-type');
      const { text } = decodeBody(body, contentTypeHeader, options.encoding ?? 'utf-8');
      return { requestUrl: exchange.requestUrl, finalUrl: exchange.finalUrl, status: exchange.status, contentType: mediaType(contentTypeHeader), body, text };
    });
  }

  return {
    getText,

    async getJson<T>(url: string, options: RequestOptions): Promise<T> {
      const response = await getText(url, { ...options, headers: { accept: 'application/json', ...options.headers } });
      try {
        return JSON.parse(response.text) as T;
      } catch (error) {
        const masked = maskSecrets(response.finalUrl);
        throw new HttpError(`GET ${masked}: invalid JSON (${(error as Error).message})`, { status: response.status, permanent: true, url: masked }, { cause: error });
      }
    },

    async download(url, destinationPath, options) {
      const maxBytes = options.maxBytes ?? config.limits.fileBytes;
      const spec = { method: 'GET' as const, url, signal: options.signal, headers: options.headers, timeoutMs: options.timeoutMs, followRedirects: true, retry: true, log: options.log };
      try {
        return await fetcher.run(spec, async (exchange) => {
          ensureOk(exchange, 'GET');
          if (Number(header(exchange.headers, 'content-length')) > maxBytes) {
            discard(exchange.body);
            throw new SizeLimitExceeded(maxBytes);
          }
          let bytes = 0;
          const hash = createHash('sha256');
          const limiter = new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              bytes += chunk.length;
              if (bytes > maxBytes) return callback(new SizeLimitExceeded(maxBytes));
              hash.update(chunk);
              options.onProgress?.(bytes);
              callback(null, chunk);
            },
          });
          // private while it is written; the store publishes it with its own mode when it is placed
          await pipeline(exchange.body, limiter, createWriteStream(destinationPath, { mode: 0o600 }), { signal: exchange.signal });
          return {
            finalUrl: exchange.finalUrl,
            bytes,
            sha256: hash.digest('hex'),
            contentType: mediaType(header(exchange.headers, 'content-type')),
            dispositionFilename: dispositionFilename(header(exchange.headers, 'content-disposition')),
          };
        });
      } catch (error) {
        await rm(destinationPath, { force: true });
        throw error;
      }
    },

    /** One attempt, no redirects: a POST is not safely repeatable, so the caller decides what a status means. */
    async postJson(url, body, options) {
      const spec = {
        method: 'POST' as const,
        url,
        signal: options.signal,
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(body),
        timeoutMs: options.timeoutMs,
        log: options.log,
        followRedirects: false,
        retry: false,
      };
      return fetcher.run(spec, async (exchange) => {
        const text = (await readLimited(exchange, pageLimit(options))).toString('utf8');
        return { status: exchange.status, text };
      });
    },
  };
}
