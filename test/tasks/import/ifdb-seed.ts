// Rows the import tests need in a database loaded with IFDB's schema: users and existing games.
import type { TestDatabase } from '../../helpers/db.ts';

export const ROBOT = 'бездушный робот';

export async function seedUsers(db: TestDatabase): Promise<{ robot: number; human: number }> {
  const insert = async (username: string, email: string) =>
    Number(
      (
        await db.query<{ id: string }>(
          `INSERT INTO core_user (password, is_superuser, email, username, is_staff, is_active, date_joined)
           VALUES ('!', false, $1, $2, false, true, now()) RETURNING id`,
          [email, username],
        )
      ).rows[0]!.id,
    );
  return { robot: await insert(ROBOT, 'robot@ifdb.test'), human: await insert('человек', 'human@ifdb.test') };
}

export interface SeedGame {
  title: string;
  addedBy: number | null;
  edited?: boolean;
  description?: string;
  urls?: { url: string; category: string; description?: string }[];
  tags?: { category: string; name: string }[];
  authors?: { role: string; name: string }[];
}

export async function insertGame(db: TestDatabase, game: SeedGame): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO games_game (title, description, creation_time, edit_time, added_by_id, view_perm, edit_perm, comment_perm, delete_perm, vote_perm)
     VALUES ($1, $2, now(), $3, $4, '(alias game_view)', '(alias game_edit)', '(alias game_comment)', '(alias game_delete)', '(alias game_vote)')
     RETURNING id`,
    [game.title, game.description ?? null, game.edited ? new Date() : null, game.addedBy],
  );
  const id = Number(rows[0]!.id);
  for (const u of game.urls ?? []) {
    const url = await db.query<{ id: string }>(
      `INSERT INTO games_url (original_url, creation_date, ok_to_clone, is_uploaded, is_broken, use_count) VALUES ($1, now(), false, false, false, 0) RETURNING id`,
      [u.url],
    );
    await db.query(
      `INSERT INTO games_gameurl (game_id, url_id, category_id, description)
       VALUES ($1, $2, (SELECT id FROM games_gameurlcategory WHERE symbolic_id = $3), $4)`,
      [id, url.rows[0]!.id, u.category, u.description ?? null],
    );
  }
  for (const t of game.tags ?? []) {
    await db.query(
      `INSERT INTO games_gametag (name, category_id) SELECT $1, id FROM games_gametagcategory WHERE symbolic_id = $2
       ON CONFLICT (category_id, name) DO NOTHING`,
      [t.name, t.category],
    );
    await db.query(
      `INSERT INTO games_game_tags (game_id, gametag_id)
       SELECT $1, t.id FROM games_gametag t JOIN games_gametagcategory c ON c.id = t.category_id WHERE t.name = $2 AND c.symbolic_id = $3`,
      [id, t.name, t.category],
    );
  }
  for (const a of game.authors ?? []) {
    const alias = await db.query<{ id: string }>(
      `INSERT INTO games_personalityalias (name, keep_if_empty) VALUES ($1, false) RETURNING id`,
      [a.name],
    );
    await db.query(
      `INSERT INTO games_gameauthor (game_id, author_id, role_id) VALUES ($1, $2, (SELECT id FROM games_gameauthorrole WHERE symbolic_id = $3))`,
      [id, alias.rows[0]!.id, a.role],
    );
  }
  return id;
}

/** Row counts of every table the import writes, to prove a run wrote nothing. */
export async function tableCounts(db: TestDatabase): Promise<Record<string, number>> {
  const tables = [
    'games_game', 'games_url', 'games_gameurl', 'games_gametag', 'games_game_tags', 'games_gamedescriptionattribution',
    'games_game_description_attributions', 'games_gameauthor', 'games_personality', 'games_personalityalias', 'games_personalityurl',
  ];
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]!.n);
  return counts;
}
