// Configuration of the IFDB tasks, read from the environment (documented in the README).
// OWNER: tasks-common helper fills in parsing, defaults and validation.

export interface TasksConfig {
  /** IFDB's MEDIA_ROOT; backups/ and recodes/ live below it */
  filesDir: string;
  /** public URL prefix of the files dir, default /f/ */
  filesUrlPrefix: string;
  tmpDir: string;
  /** hosts / CIDRs exempt from the SSRF guard (tests: 127.0.0.1) */
  allowHosts: string[];
  /** id -> URL overrides for feeds, sources and discord */
  sources: Record<string, string>;
  maintenanceUser: string;
  discordWebhook: string | null;
  /** argument vector of the extractor; %ARCHIVE% and %OUTDIR% are substituted */
  extractor: string[];
  limits: {
    fileBytes: number;
    pageBytes: number;
    requestTimeoutMs: number;
    idleTimeoutMs: number;
    maxRedirects: number;
    archiveEntries: number;
    archiveBytes: number;
    extractorTimeoutMs: number;
  };
}
