// The one HTTP client of all IFDB tasks: undici with an SSRF guard, limits, retries and per-host concurrency.
import type { TasksConfig } from '../config.ts';
import { HttpError } from './errors.ts';

export { HttpError };

export interface RequestOptions {
  signal: AbortSignal;
  headers?: Record<string, string>;
  maxBytes?: number;
  timeoutMs?: number;
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

export function createHttpClient(config: TasksConfig, log?: HttpLog): HttpClient {
  void config;
  void log;
  throw new Error('createHttpClient: implementation in progress');
}
