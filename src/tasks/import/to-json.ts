// Legacy Importer2Json (tasks.md §2.5): turns a merged import into the payload UpdateGame writes,
// with slugs resolved to IFDB's ids.
import type { ImportResult } from './types.ts';
import type { Catalog } from './updater/catalog.ts';

export interface PayloadAuthor {
  roleId: number;
  name: string;
  /** the author's page on the source site, with its description */
  url?: string;
  urlDescription?: string;
}

/** A tag by id (slug tags) or by name in a category. */
export interface PayloadTag {
  categoryId: number;
  tag: number | string;
}

export interface PayloadLink {
  categoryId: number;
  description: string | null;
  url: string;
}

export interface UpdatePayload {
  title: string;
  desc?: string;
  /** YYYY-MM-DD */
  release_date?: string;
  description_attributions?: string[];
  authors: PayloadAuthor[];
  tags: PayloadTag[];
  links: PayloadLink[];
}

/** Thrown for a slug IFDB does not know; the game is skipped, the run goes on. */
export class UnknownSlugError extends Error {
  constructor(kind: string, slug: string | null | undefined) {
    super(`unknown ${kind} ${JSON.stringify(slug ?? null)}`);
    this.name = 'UnknownSlugError';
  }
}

/** Legacy fell back to a variable that never existed; an author without a role is an author. */
const DEFAULT_ROLE = 'author';

function validDate(text: string | undefined): string | undefined {
  if (!text || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text) ? text : undefined;
}

export function importerToJson(result: ImportResult, catalog: Catalog): UpdatePayload {
  if (!result.title) throw new Error('import result has no title');
  const payload: UpdatePayload = { title: result.title, authors: [], tags: [], links: [] };
  if (result.desc) payload.desc = result.desc;
  const date = validDate(result.release_date);
  if (date) payload.release_date = date;
  if (result.description_attributions) payload.description_attributions = [...result.description_attributions];

  for (const author of result.authors ?? []) {
    const slug = author.role_slug || DEFAULT_ROLE;
    const roleId = catalog.roles.get(slug);
    if (roleId === undefined) throw new UnknownSlugError('author role', slug);
    const entry: PayloadAuthor = { roleId, name: author.name };
    if (author.url) {
      entry.url = author.url;
      if (author.urldesc) entry.urlDescription = author.urldesc;
    }
    payload.authors.push(entry);
  }

  for (const tag of result.tags ?? []) {
    if (tag.tag_slug) {
      const known = catalog.tagsBySlug.get(tag.tag_slug);
      if (known === undefined) throw new UnknownSlugError('tag', tag.tag_slug);
      payload.tags.push({ categoryId: known.categoryId, tag: known.id });
      continue;
    }
    const category = tag.cat_slug ? catalog.tagCategories.get(tag.cat_slug) : undefined;
    if (category === undefined) throw new UnknownSlugError('tag category', tag.cat_slug);
    if (!tag.tag) continue;
    payload.tags.push({ categoryId: category.id, tag: tag.tag });
  }

  for (const url of result.urls ?? []) {
    const category = url.urlcat_slug ? catalog.urlCategories.get(url.urlcat_slug) : undefined;
    if (category === undefined) throw new UnknownSlugError('URL category', url.urlcat_slug);
    payload.links.push({ categoryId: category.id, description: url.description || null, url: url.url });
  }
  return payload;
}
