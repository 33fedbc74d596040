// Configuration of the IFDB tasks, read from the environment (documented in the README).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import envPaths from 'env-paths';
import ipaddr from 'ipaddr.js';
import { envNumber, envText, invalidSetting } from '../runner/settings.ts';

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

/** The ids IFQUEUE_SOURCES may override: feeds (IFDB's feed_id values), import sources, and the webhook. */
export const SOURCE_IDS = ['ifhub', 'ifru', 'urq', 'inst', 'ifwiki', 'apero', 'rilarhiv', 'insteadgames', 'questbook', 'ifiction', 'discord'] as const;

export const DEFAULT_MAINTENANCE_USER = 'бездушный робот';
// -D: no wrapping directory, -q: quiet, -f: overwrite duplicates inside the fresh output dir.
export const DEFAULT_EXTRACTOR = ['unar', '-q', '-f', '-D', '-o', '%OUTDIR%', '%ARCHIVE%'];

const MiB = 1024 * 1024;
export const DEFAULT_LIMITS: TasksConfig['limits'] = {
  fileBytes: 512 * MiB,
  pageBytes: 10 * MiB,
  requestTimeoutMs: 30 * 60_000,
  idleTimeoutMs: 60_000,
  maxRedirects: 5,
  archiveEntries: 10_000,
  archiveBytes: 1024 * MiB,
  extractorTimeoutMs: 5 * 60_000,
};

type Env = Record<string, string | undefined>;

function invalid(variable: string, problem: string): never {
  return invalidSetting(variable, problem);
}

const text = envText;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: MiB, mb: MiB, mib: MiB, g: 1024 * MiB, gb: 1024 * MiB, gib: 1024 * MiB };

function bytes(env: Env, variable: string, fallback: number): number {
  const value = text(env, variable);
  if (value === undefined) return fallback;
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value);
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) invalid(variable, `"${value}" is not a size (e.g. 536870912, 512MiB, 10M)`);
  const result = Number(match[1]) * unit;
  if (result < 1 || !Number.isSafeInteger(result)) invalid(variable, `"${value}" is out of range`);
  return result;
}

function integer(env: Env, variable: string, fallback: number, min: number, max: number): number {
  return envNumber(env, variable, fallback, { min, max });
}

function httpUrl(variable: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid(variable, `${maskSecrets(value)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') invalid(variable, `${maskSecrets(value)} is not an http(s) URL`);
  return value;
}

function allowHosts(env: Env): string[] {
  const value = text(env, 'IFQUEUE_ALLOW_HOSTS');
  if (value === undefined) return [];
  const entries = value.split(/[\s,]+/).filter(Boolean);
  for (const entry of entries) {
    const isAddress = ipaddr.isValid(entry.replace(/^\[|\]$/g, ''));
    let isCidr = false;
    try {
      ipaddr.parseCIDR(entry);
      isCidr = true;
    } catch {}
    const isHostname = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i.test(entry);
    if (!isAddress && !isCidr && !isHostname) invalid('IFQUEUE_ALLOW_HOSTS', `"${entry}" is neither a host name, an address nor a CIDR`);
  }
  return entries;
}

function parseJson(variable: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    invalid(variable, `not valid JSON (${(error as Error).message})`);
  }
}

function sources(env: Env): Record<string, string> {
  const value = text(env, 'IFQUEUE_SOURCES');
  if (value === undefined) return {};
  const parsed = parseJson('IFQUEUE_SOURCES', value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) invalid('IFQUEUE_SOURCES', 'must be a JSON object of id → URL');
  const result: Record<string, string> = {};
  for (const [id, url] of Object.entries(parsed)) {
    if (!(SOURCE_IDS as readonly string[]).includes(id)) invalid('IFQUEUE_SOURCES', `unknown id "${id}" (known: ${SOURCE_IDS.join(', ')})`);
    if (typeof url !== 'string') invalid('IFQUEUE_SOURCES', `the URL of "${id}" must be a string`);
    result[id] = httpUrl(`IFQUEUE_SOURCES.${id}`, url);
  }
  return result;
}

function discordWebhook(env: Env): string | null {
  const direct = text(env, 'IFQUEUE_DISCORD_WEBHOOK');
  const file = text(env, 'IFQUEUE_DISCORD_WEBHOOK_FILE');
  if (direct && file) invalid('IFQUEUE_DISCORD_WEBHOOK_FILE', 'set either IFQUEUE_DISCORD_WEBHOOK or IFQUEUE_DISCORD_WEBHOOK_FILE, not both');
  if (direct) return httpUrl('IFQUEUE_DISCORD_WEBHOOK', direct);
  if (!file) return null;
  let content: string;
  try {
    content = readFileSync(file, 'utf8').trim();
  } catch (error) {
    invalid('IFQUEUE_DISCORD_WEBHOOK_FILE', `cannot read ${file}: ${(error as Error).message}`);
  }
  if (!content) invalid('IFQUEUE_DISCORD_WEBHOOK_FILE', `${file} is empty`);
  return httpUrl('IFQUEUE_DISCORD_WEBHOOK_FILE', content);
}

function extractor(env: Env): string[] {
  const value = text(env, 'IFQUEUE_EXTRACTOR');
  if (value === undefined) return [...DEFAULT_EXTRACTOR];
  const parsed = parseJson('IFQUEUE_EXTRACTOR', value);
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string' && a.length > 0)) {
    invalid('IFQUEUE_EXTRACTOR', 'must be a JSON array of non-empty strings (an argument vector, not a shell command)');
  }
  if (!parsed.some((a) => a.includes('%ARCHIVE%')) || !parsed.some((a) => a.includes('%OUTDIR%'))) {
    invalid('IFQUEUE_EXTRACTOR', 'must contain both %ARCHIVE% and %OUTDIR%');
  }
  return parsed as string[];
}

function urlPrefix(env: Env): string {
  const value = text(env, 'IFQUEUE_FILES_URL_PREFIX') ?? '/f/';
  if (!/^(\/|https?:\/\/)\S*$/.test(value)) invalid('IFQUEUE_FILES_URL_PREFIX', `"${value}" must be a path starting with / or an http(s) URL`);
  return value.endsWith('/') ? value : value + '/';
}

function directory(env: Env, variable: string, fallback: string): string {
  const value = text(env, variable);
  if (value === undefined) return fallback;
  if (value.includes('\0')) invalid(variable, 'contains a NUL character');
  return path.resolve(value);
}

/** Reads the tasks' configuration; an invalid value throws a one-line UserError naming the variable. */
export function loadTasksConfig(env: Env = process.env): TasksConfig {
  return {
    filesDir: directory(env, 'IFQUEUE_FILES_DIR', path.join(envPaths('ifqueue', { suffix: '' }).data, 'files')),
    filesUrlPrefix: urlPrefix(env),
    tmpDir: directory(env, 'IFQUEUE_TMP_DIR', path.join(os.tmpdir(), 'ifqueue')),
    allowHosts: allowHosts(env),
    sources: sources(env),
    maintenanceUser: text(env, 'IFQUEUE_MAINTENANCE_USER') ?? DEFAULT_MAINTENANCE_USER,
    discordWebhook: discordWebhook(env),
    extractor: extractor(env),
    limits: {
      fileBytes: bytes(env, 'IFQUEUE_MAX_FILE_BYTES', DEFAULT_LIMITS.fileBytes),
      pageBytes: bytes(env, 'IFQUEUE_MAX_PAGE_BYTES', DEFAULT_LIMITS.pageBytes),
      requestTimeoutMs: integer(env, 'IFQUEUE_REQUEST_TIMEOUT_MS', DEFAULT_LIMITS.requestTimeoutMs, 100, 24 * 3_600_000),
      idleTimeoutMs: integer(env, 'IFQUEUE_IDLE_TIMEOUT_MS', DEFAULT_LIMITS.idleTimeoutMs, 100, 3_600_000),
      maxRedirects: integer(env, 'IFQUEUE_MAX_REDIRECTS', DEFAULT_LIMITS.maxRedirects, 0, 5),
      archiveEntries: integer(env, 'IFQUEUE_ARCHIVE_MAX_ENTRIES', DEFAULT_LIMITS.archiveEntries, 1, 10_000_000),
      archiveBytes: bytes(env, 'IFQUEUE_ARCHIVE_MAX_BYTES', DEFAULT_LIMITS.archiveBytes),
      extractorTimeoutMs: integer(env, 'IFQUEUE_EXTRACTOR_TIMEOUT_MS', DEFAULT_LIMITS.extractorTimeoutMs, 100, 24 * 3_600_000),
    },
  };
}

const SECRET_PARAMS = /([?&;](?:[a-z0-9_.-]*(?:token|secret|password|passwd|pwd|key|sig|signature|auth|credential|session)[a-z0-9_.-]*)=)[^&#;\s"'<>]*/gi;

/** Masks secrets in any text: URL userinfo, secret-looking query values, Discord/Slack webhook tokens. */
export function maskSecrets(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"'<>]+@/gi, '$1***@')
    .replace(/(\/api\/webhooks\/[^/\s?#"'<>]+\/)[^/\s?#"'<>]+/gi, '$1***')
    .replace(/(hooks\.slack\.com\/services\/)[^\s?#"'<>]+/gi, '$1***')
    .replace(SECRET_PARAMS, '$1***');
}
