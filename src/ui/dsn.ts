// A database address to show: user@host:port/db, never the password, whatever the runner handed us.
import { sanitizeLine } from '../text/terminal.ts';

export function displayDsn(dsn: string): string {
  try {
    const u = new URL(dsn);
    if (u.protocol === 'postgres:' || u.protocol === 'postgresql:') {
      const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
      const db = u.pathname.length > 1 ? decodeURIComponent(u.pathname) : '';
      return sanitizeLine(`${user}${u.hostname}${u.port ? `:${u.port}` : ''}${db}`);
    }
  } catch {
    // not a URL: a keyword/value DSN
  }
  return sanitizeLine(dsn.replace(/password\s*=\s*\S+/gi, 'password=*****').replace(/:[^:@/]+@/, ':*****@'));
}
