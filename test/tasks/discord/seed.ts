// Rows of IFDB's tables a Discord post reads: the maintenance user, games, authors and images.
import type { TestDatabase } from '../../helpers/db.ts';

export const ROBOT = 'бездушный робот';

export async function seedRobot(db: TestDatabase): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO core_user (password, is_superuser, email, username, is_staff, is_active, date_joined)
     VALUES ('!', false, 'robot@example.invalid', $1, false, true, now()) RETURNING id`,
    [ROBOT],
  );
  return Number(rows[0].id);
}

export async function seedGame(db: TestDatabase, game: { title: string; description: string | null; viewPerm?: string }): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO games_game (title, description, creation_time, view_perm, edit_perm, comment_perm, delete_perm, vote_perm)
     VALUES ($1, $2, now(), $3, '(alias game_edit)', '(alias game_comment)', '(alias game_delete)', '(alias game_vote)')
     RETURNING id`,
    [game.title, game.description, game.viewPerm ?? '(alias game_view)'],
  );
  return Number(rows[0].id);
}

export async function addAuthor(db: TestDatabase, gameId: number, name: string, role = 'author'): Promise<void> {
  const alias = await db.query<{ id: string }>(
    'INSERT INTO games_personalityalias (name, personality_id, keep_if_empty) VALUES ($1, NULL, false) RETURNING id',
    [name],
  );
  await db.query(
    `INSERT INTO games_gameauthor (author_id, game_id, role_id)
     VALUES ($1, $2, (SELECT id FROM games_gameauthorrole WHERE symbolic_id = $3))`,
    [alias.rows[0].id, gameId, role],
  );
}

export async function addGameUrl(
  db: TestDatabase,
  gameId: number,
  link: { category: string; description: string | null; originalUrl: string; localUrl?: string | null },
): Promise<void> {
  const url = await db.query<{ id: string }>(
    `INSERT INTO games_url (local_url, original_url, ok_to_clone, is_uploaded, is_broken, creation_date, use_count)
     VALUES ($1, $2, true, false, false, now(), 1) RETURNING id`,
    [link.localUrl ?? null, link.originalUrl],
  );
  await db.query(
    `INSERT INTO games_gameurl (description, category_id, game_id, url_id)
     VALUES ($1, (SELECT id FROM games_gameurlcategory WHERE symbolic_id = $2), $3, $4)`,
    [link.description, link.category, gameId, url.rows[0].id],
  );
}
