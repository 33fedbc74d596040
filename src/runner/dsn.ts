// Connection strings for display: the password never reaches a screen, a log or an error.

/** postgres://user:secret@host/db -> postgres://user:***@host/db (also masks password=... key/value forms). */
export function maskDsn(dsn: string): string {
  try {
    const u = new URL(dsn);
    if (u.password) u.password = '***';
    for (const key of ['password', 'sslpassword']) if (u.searchParams.has(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return dsn.replace(/(password\s*=\s*)(\S+)/gi, '$1***').replace(/\/\/([^:/@]+):.*@/, '//$1:***@');
  }
}

/** Short form for headers: user@host:port/db */
export function shortDsn(dsn: string): string {
  try {
    const u = new URL(dsn);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${user}${host}${u.port ? ':' + u.port : ''}${u.pathname}`;
  } catch {
    return maskDsn(dsn);
  }
}

/** Replaces every occurrence of the DSN's password in a text (error messages from pg may echo it). */
export function scrubSecrets(text: string, dsn: string): string {
  try {
    const pw = decodeURIComponent(new URL(toConnectionUrl(dsn)).password);
    if (pw && pw.length >= 3) return text.split(pw).join('***');
  } catch {}
  return text;
}

/** Environment variable bin/ifqueue.js uses to hand a --database-url to the Node it re-executes. */
export const LAUNCHER_DATABASE_URL = 'IFQUEUE_LAUNCHER_DATABASE_URL';

/** Whether a connection string (URL or key=value) carries a password. */
export function hasPassword(dsn: string): boolean {
  try {
    const url = new URL(toConnectionUrl(dsn));
    return url.password !== '' || url.searchParams.has('password');
  } catch {
    return /password\s*=/i.test(dsn);
  }
}

/** libpq's `keyword = value` pairs: values bare or in single quotes, backslash escapes in both. */
function parseKeyValue(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  for (skipSpace(); i < text.length; skipSpace()) {
    const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
    if (!key) throw new Error(`expected a keyword at character ${i + 1}`);
    i += key.length;
    skipSpace();
    if (text[i] !== '=') throw new Error(`expected "=" after "${key}"`);
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      for (i++; ; i++) {
        if (i >= text.length) throw new Error(`unterminated quoted value for "${key}"`);
        if (text[i] === '\\' && i + 1 < text.length) value += text[++i];
        else if (text[i] === "'") break;
        else value += text[i];
      }
      i++;
    } else {
      for (; i < text.length && !/\s/.test(text[i]); i++) value += text[i] === '\\' && i + 1 < text.length ? text[++i] : text[i];
    }
    pairs.set(key.toLowerCase(), value);
  }
  return pairs;
}

const URL_FORM = 'postgres://user:password@host:5432/db';
const KEY_VALUE_FORM = "host=… port=5432 dbname=… user=… password='…'";

/**
 * DATABASE_URL as the URL node-postgres and pg-boss understand. libpq's key=value form
 * ("host=db dbname=ifdb user=ifdb") is converted; anything else is refused, naming both forms
 * (pg would otherwise read "dbname=ifdb" as a relative URL and try to resolve the host "base").
 */
export function toConnectionUrl(dsn: string): string {
  const text = dsn.trim();
  if (/^postgres(?:ql)?:\/\//i.test(text)) return text;
  if (!/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(text)) {
    throw new Error(`DATABASE_URL is neither a URL (${URL_FORM}) nor libpq key=value pairs (${KEY_VALUE_FORM})`);
  }
  let pairs: Map<string, string>;
  try {
    pairs = parseKeyValue(text);
  } catch (error) {
    throw new Error(`DATABASE_URL in key=value form is malformed: ${(error as Error).message} (expected ${KEY_VALUE_FORM}, or a URL ${URL_FORM})`);
  }
  const host = pairs.get('hostaddr') || pairs.get('host') || '';
  if (host.includes(',')) throw new Error('DATABASE_URL: several hosts are not supported; give one host');
  const user = pairs.get('user') ?? '';
  const password = pairs.get('password') ?? '';
  const auth = user || password ? `${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@` : '';
  // A Unix socket directory travels as the host parameter (pg-connection-string reads it from there).
  const socket = host.startsWith('/');
  const authority = socket || !host ? '' : host.includes(':') ? `[${host}]` : host;
  const port = pairs.get('port') ? `:${pairs.get('port')}` : '';
  const query = new URLSearchParams();
  if (socket) query.set('host', host);
  for (const [key, value] of pairs) {
    if (!['host', 'hostaddr', 'port', 'dbname', 'user', 'password'].includes(key)) query.set(key, value);
  }
  const search = query.size ? `?${query.toString()}` : '';
  return `postgres://${auth}${authority || (socket || !host ? 'localhost' : '')}${port}/${encodeURIComponent(pairs.get('dbname') ?? '')}${search}`;
}
