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
    const pw = decodeURIComponent(new URL(dsn).password);
    if (pw && pw.length >= 3) return text.split(pw).join('***');
  } catch {}
  return text;
}
