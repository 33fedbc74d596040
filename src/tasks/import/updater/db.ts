// The slice of pg the updater needs, and IFDB's column limits (Django never truncated; PostgreSQL refuses overlong values).
import type pg from 'pg';

export type Queryable = Pick<pg.ClientBase, 'query'>;

/** varchar(255) columns: titles, names, descriptions */
export const NAME_MAX = 255;
/** games_url.original_url is varchar(2048) */
export const URL_MAX = 2048;

export function clip(text: string, max = NAME_MAX): string {
  return [...text].length <= max ? text : [...text].slice(0, max).join('');
}

export function nowUtc(): Date {
  return new Date();
}
