// Legacy UpdatePersonalityUrls (tasks.md §2.6, update=false): give an author alias a personality
// (imported from the author's page when it is new) and attach the URLs it does not have yet.
import type { TaskLogger } from '../../../runner/types.ts';
import type { AuthorImport } from '../types.ts';
import type { Catalog } from './catalog.ts';
import { clip, URL_MAX, type Queryable } from './db.ts';
import type { FollowUp } from './follow-ups.ts';
import { createUrl } from './urls.ts';

export interface AuthorImporter {
  importAuthor(url: string): Promise<AuthorImport>;
}

export interface PersonalityUrlInput {
  categoryId: number;
  description: string | null;
  url: string;
}

const PERSONALITY_VIEW = '(alias personality_view)';
const PERSONALITY_EDIT = '(alias personality_edit)';

/** The personality of the alias named like a redirect target, when exactly one exists (legacy crashed on two). */
async function canonicalPersonality(db: Queryable, canonical: string): Promise<{ id: number; bio: string | null } | null> {
  const { rows } = await db.query<{ id: string; bio: string | null }>(
    `SELECT DISTINCT p.id, p.bio FROM games_personalityalias a JOIN games_personality p ON p.id = a.personality_id WHERE a.name = $1`,
    [canonical],
  );
  return rows.length === 1 ? { id: Number(rows[0]!.id), bio: rows[0]!.bio } : null;
}

/** Returns true when a personality was created. */
export async function updatePersonalityUrls(
  db: Queryable,
  catalog: Catalog,
  importer: AuthorImporter,
  log: TaskLogger,
  aliasId: number,
  data: readonly PersonalityUrlInput[],
  followUps: FollowUp[],
): Promise<boolean> {
  const otherSite = catalog.personalityUrlCategories.get('other_site')?.id;
  const alias = await db.query<{ name: string; personality_id: string | null; bio: string | null }>(
    `SELECT a.name, a.personality_id, p.bio FROM games_personalityalias a
       LEFT JOIN games_personality p ON p.id = a.personality_id WHERE a.id = $1`,
    [aliasId],
  );
  const row = alias.rows[0]!;
  let personalityId = row.personality_id === null ? null : Number(row.personality_id);
  let bio = row.bio;
  let created = false;
  let urls: PersonalityUrlInput[] = [...data];

  if (personalityId === null) {
    urls = [];
    for (const entry of data) {
      if (entry.categoryId !== otherSite) continue;
      const imported = await importer.importAuthor(entry.url);
      for (const u of imported.urls ?? []) {
        const category = u.urlcat_slug ? catalog.personalityUrlCategories.get(u.urlcat_slug) : undefined;
        if (category === undefined) {
          if (u.urlcat_slug) log.warn(`author URL ${u.url}: unknown category ${u.urlcat_slug}, skipped`);
          continue;
        }
        urls.push({ categoryId: category.id, description: u.description || null, url: u.url });
      }
      if (imported.bio) bio = imported.bio;
      if (imported.canonical && personalityId === null) {
        const canonical = await canonicalPersonality(db, imported.canonical);
        if (canonical !== null) {
          personalityId = canonical.id;
          bio = canonical.bio;
          await db.query('UPDATE games_personalityalias SET personality_id = $1 WHERE id = $2', [personalityId, aliasId]);
        }
      }
      urls.push({ ...entry, url: imported.canonical_url || entry.url });
    }
    if (personalityId === null) {
      const inserted = await db.query<{ id: string }>(
        'INSERT INTO games_personality (name, bio, view_perm, edit_perm) VALUES ($1, $2, $3, $4) RETURNING id',
        [row.name, bio || null, PERSONALITY_VIEW, PERSONALITY_EDIT],
      );
      personalityId = Number(inserted.rows[0]!.id);
      created = true;
      await db.query('UPDATE games_personalityalias SET personality_id = $1 WHERE id = $2', [personalityId, aliasId]);
    }
  }

  const { rows: existingRows } = await db.query<{ category_id: string; original_url: string | null }>(
    `SELECT pu.category_id, u.original_url FROM games_personalityurl pu JOIN games_url u ON u.id = pu.url_id WHERE pu.personality_id = $1`,
    [personalityId],
  );
  const key = (categoryId: number, url: string) => `${categoryId} ${url}`;
  const existing = new Set(existingRows.map((r) => key(Number(r.category_id), r.original_url ?? '')));
  const cloning = new Map([...catalog.personalityUrlCategories.values()].map((c) => [c.id, c.allowCloning]));

  for (const entry of urls) {
    const k = key(entry.categoryId, entry.url);
    if (existing.has(k) || entry.url.length > URL_MAX) continue;
    existing.add(k);
    const url = await createUrl(db, entry.url, { okToClone: cloning.get(entry.categoryId) ?? false, creatorId: catalog.maintenanceUser.id }, followUps);
    await db.query('INSERT INTO games_personalityurl (personality_id, url_id, category_id, description) VALUES ($1, $2, $3, $4)', [
      personalityId,
      url.id,
      entry.categoryId,
      entry.description ? clip(entry.description) : null,
    ]);
    if (!bio && entry.categoryId === otherSite) {
      const imported = await importer.importAuthor(entry.url);
      if (imported.bio) {
        bio = imported.bio;
        await db.query('UPDATE games_personality SET bio = $1 WHERE id = $2', [bio, personalityId]);
      }
    }
  }
  return created;
}
