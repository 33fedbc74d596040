// The HTTP toolkit shared by all IFDB tasks.
export { createHttpClient, HttpError } from './client.ts';
export type { DownloadResult, HttpClient, HttpLog, RequestOptions, TextResponse } from './client.ts';
export { hashizeUrl, legacyQuote } from './quote.ts';
