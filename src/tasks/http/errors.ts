// The one error type the HTTP client throws; task code turns permanent ones into PermanentError.

export class HttpError extends Error {
  /** HTTP status, or null when there was no response (refused, network, timeout, size) */
  readonly status: number | null;
  /** true for guard refusals, size limits, bad schemes and 4xx: retrying cannot help */
  readonly permanent: boolean;
  /** the URL with secrets masked */
  readonly url: string;
  /** a local failure (disk full, permissions): not retried by the client, which cannot fix it */
  readonly local: boolean;

  constructor(message: string, details: { status: number | null; permanent: boolean; url: string; local?: boolean }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpError';
    this.status = details.status;
    this.permanent = details.permanent;
    this.url = details.url;
    this.local = details.local ?? false;
  }
}
