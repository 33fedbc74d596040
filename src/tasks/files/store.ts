// IFDB's file stores below MEDIA_ROOT, and their public URLs (Django's filepath_to_uri).
import path from 'node:path';
import type { TasksConfig } from '../config.ts';

export type StoreName = 'uploads' | 'backups' | 'recodes';

export function storeDir(config: TasksConfig, store: StoreName): string {
  return path.join(config.filesDir, store);
}

/** Percent-encodes UTF-8 like IFDB's storage: `/ ~ ! * ( ) '` stay as they are. */
export function encodeStoredName(name: string): string {
  return encodeURIComponent(name).replace(/%2F/g, '/');
}

export function storeUrl(config: TasksConfig, store: StoreName, name: string): string {
  return `${config.filesUrlPrefix}${store}/${encodeStoredName(name)}`;
}

/**
 * The absolute path of a name stored in the database, refused if it points outside the store
 * (legacy names may contain sub-directories, so `/` is allowed, `..` and absolute paths are not).
 */
export function resolveStored(config: TasksConfig, store: StoreName, name: string): string | null {
  const root = storeDir(config, store);
  if (!name || name.includes('\0') || path.isAbsolute(name)) return null;
  const full = path.resolve(root, name);
  const relative = path.relative(root, full);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return null;
  return full;
}
