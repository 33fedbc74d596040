// IFDB's lookup rows the importer writes against (categories, tags, roles) and the maintenance user,
// loaded once per run.
import type pg from 'pg';
import { PermanentError } from '../../../runner/errors.ts';
import { canMaintenanceUser, type Actor } from './permissions.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export interface Catalog {
  maintenanceUser: Actor;
  /** games_gameurlcategory by symbolic_id */
  urlCategories: Map<string, { id: number; allowCloning: boolean }>;
  urlCategorySlugs: Map<number, string | null>;
  /** games_gametagcategory by symbolic_id */
  tagCategories: Map<string, { id: number; allowNewTags: boolean }>;
  /** tag category ids whose tags the maintenance user may edit (show_in_edit_perm) */
  editableTagCategories: Set<number>;
  tagCategoryAllowsNew: Map<number, boolean>;
  /** games_gametag by symbolic_id */
  tagsBySlug: Map<string, { id: number; categoryId: number }>;
  /** games_gameauthorrole id by symbolic_id */
  roles: Map<string, number>;
  /** games_personalityurlcategory by symbolic_id */
  personalityUrlCategories: Map<string, { id: number; allowCloning: boolean }>;
}

export async function loadCatalog(db: Queryable, maintenanceUsername: string): Promise<Catalog> {
  const user = await db.query<{ id: string; is_superuser: boolean }>(
    'SELECT id, is_superuser FROM core_user WHERE username = $1',
    [maintenanceUsername],
  );
  if (user.rows.length === 0) {
    throw new PermanentError(`maintenance user "${maintenanceUsername}" not found in core_user: create it or set the maintenance user name`);
  }
  const userId = Number(user.rows[0]!.id);
  const groups = await db.query<{ name: string }>(
    'SELECT g.name FROM auth_group g JOIN core_user_groups ug ON ug.group_id = g.id WHERE ug.user_id = $1',
    [userId],
  );
  const maintenanceUser: Actor = {
    id: userId,
    username: maintenanceUsername,
    isSuperuser: user.rows[0]!.is_superuser,
    groups: new Set(groups.rows.map((g) => g.name)),
  };

  const urlCats = await db.query<{ id: string; symbolic_id: string | null; allow_cloning: boolean }>(
    'SELECT id, symbolic_id, allow_cloning FROM games_gameurlcategory',
  );
  const tagCats = await db.query<{ id: string; symbolic_id: string | null; allow_new_tags: boolean; show_in_edit_perm: string }>(
    'SELECT id, symbolic_id, allow_new_tags, show_in_edit_perm FROM games_gametagcategory',
  );
  const tags = await db.query<{ id: string; symbolic_id: string; category_id: string }>(
    'SELECT id, symbolic_id, category_id FROM games_gametag WHERE symbolic_id IS NOT NULL',
  );
  const roles = await db.query<{ id: string; symbolic_id: string }>(
    'SELECT id, symbolic_id FROM games_gameauthorrole WHERE symbolic_id IS NOT NULL',
  );
  const personCats = await db.query<{ id: string; symbolic_id: string; allow_cloning: boolean }>(
    'SELECT id, symbolic_id, allow_cloning FROM games_personalityurlcategory WHERE symbolic_id IS NOT NULL',
  );

  const catalog: Catalog = {
    maintenanceUser,
    urlCategories: new Map(),
    urlCategorySlugs: new Map(),
    tagCategories: new Map(),
    editableTagCategories: new Set(),
    tagCategoryAllowsNew: new Map(),
    tagsBySlug: new Map(tags.rows.map((t) => [t.symbolic_id, { id: Number(t.id), categoryId: Number(t.category_id) }])),
    roles: new Map(roles.rows.map((r) => [r.symbolic_id, Number(r.id)])),
    personalityUrlCategories: new Map(personCats.rows.map((c) => [c.symbolic_id, { id: Number(c.id), allowCloning: c.allow_cloning }])),
  };
  for (const c of urlCats.rows) {
    catalog.urlCategorySlugs.set(Number(c.id), c.symbolic_id);
    if (c.symbolic_id !== null) catalog.urlCategories.set(c.symbolic_id, { id: Number(c.id), allowCloning: c.allow_cloning });
  }
  for (const c of tagCats.rows) {
    const id = Number(c.id);
    catalog.tagCategoryAllowsNew.set(id, c.allow_new_tags);
    if (canMaintenanceUser(maintenanceUser, c.show_in_edit_perm)) catalog.editableTagCategories.add(id);
    if (c.symbolic_id !== null) catalog.tagCategories.set(c.symbolic_id, { id, allowNewTags: c.allow_new_tags });
  }
  return catalog;
}
