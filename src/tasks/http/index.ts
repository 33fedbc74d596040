// The HTTP toolkit shared by all IFDB tasks.
export { createHttpClient, HttpError } from './client.ts';
export type { DownloadResult, HttpClient, HttpLog, HttpTuning, RequestOptions, TextResponse } from './client.ts';
export { mediaType } from './charset.ts';
export { hashizeUrl, legacyQuote } from './quote.ts';
export { toTaskError } from './task-error.ts';
