// The body of IFDB's "new game" webhook post, read from IFDB's tables as games/importer/discord.py did.
import type pg from 'pg';
import { PermanentError } from '../../runner/errors.ts';
import type { TasksConfig } from '../config.ts';
import { canMaintenanceUser, type Actor } from '../import/updater/permissions.ts';
import { authorLine, clipText, DISCORD_LIMITS, postDescription } from './text.ts';

const SITE = 'https://db.crem.xyz/';
const BOT_NAME = 'Бот игровых новинок';
const CONTENT = 'Новая игра!';
const AVATAR_URL = 'https://db.crem.xyz/static/duck_full.png';
const AUTHOR_ICON_URL = 'https://db.crem.xyz/static/default_author.jpg';

/** Key order is the legacy one: Discord does not care, people comparing bodies do. */
export interface DiscordEmbed {
  title: string;
  url: string;
  description: string;
  footer?: { text: string; icon_url: string };
  image?: { url: string };
}

export interface DiscordPayload {
  username: string;
  content: string;
  avatar_url: string;
  embeds: [DiscordEmbed];
}

/** The tables the post reads; the task checks them before anything else. */
export const DISCORD_TABLES = [
  'games_game', 'games_gameauthor', 'games_gameauthorrole', 'games_personalityalias',
  'games_gameurl', 'games_gameurlcategory', 'games_url', 'core_user', 'auth_group', 'core_user_groups',
] as const;

/** Python's urljoin(SITE, img) for the shapes IFDB stores: absolute URLs, //host/..., /f/... and bare names. */
function siteUrl(image: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(image)) return image;
  if (image.startsWith('//')) return 'https:' + image;
  return SITE + image.replace(/^\/+/, '');
}

async function loadMaintenanceUser(pool: pg.Pool, username: string): Promise<Actor> {
  const user = await pool.query<{ id: string; is_superuser: boolean; groups: string[] }>(
    `SELECT u.id, u.is_superuser,
            coalesce(array_agg(g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups
       FROM core_user u
       LEFT JOIN core_user_groups ug ON ug.user_id = u.id
       LEFT JOIN auth_group g ON g.id = ug.group_id
      WHERE u.username = $1
      GROUP BY u.id, u.is_superuser`,
    [username],
  );
  const row = user.rows[0];
  if (!row) throw new PermanentError(`maintenance user "${username}" not found in core_user: create it or set the maintenance user name`);
  return { id: Number(row.id), username, isSuperuser: row.is_superuser, groups: new Set(row.groups) };
}

async function loadAuthors(pool: pg.Pool, gameId: number): Promise<string[]> {
  const result = await pool.query<{ name: string }>(
    `SELECT pa.name
       FROM games_gameauthor ga
       JOIN games_gameauthorrole r ON r.id = ga.role_id
       JOIN games_personalityalias pa ON pa.id = ga.author_id
      WHERE ga.game_id = $1 AND r.symbolic_id = 'author'
      ORDER BY ga.id`,
    [gameId],
  );
  return result.rows.map((row) => row.name);
}

/** The last poster/screenshot in description order (legacy overwrote the image in a loop), or null. */
async function loadImage(pool: pg.Pool, gameId: number): Promise<string | null> {
  const result = await pool.query<{ description: string | null; image: string | null }>(
    `SELECT gu.description,
            CASE WHEN c.allow_cloning AND u.local_url IS NOT NULL AND u.local_url <> '' THEN u.local_url
                 ELSE u.original_url END AS image
       FROM games_gameurl gu
       JOIN games_gameurlcategory c ON c.id = gu.category_id
       JOIN games_url u ON u.id = gu.url_id
      WHERE gu.game_id = $1 AND c.symbolic_id IN ('poster', 'screenshot')
      ORDER BY gu.id`,
    [gameId],
  );
  // Sorted here, stably and by code unit like Python's sort of str, with NULL read as "" (legacy raised).
  const media = result.rows.map((row) => ({ key: row.description ?? '', image: row.image }));
  media.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const images = media.map((entry) => entry.image).filter((image): image is string => Boolean(image));
  return images.length > 0 ? siteUrl(images[images.length - 1]) : null;
}

/**
 * Builds the post for a game, or returns null when the game does not exist or the maintenance user
 * may not view it (a hidden game is never announced).
 */
export async function buildNewGamePayload(pool: pg.Pool, gameId: number, config: Pick<TasksConfig, 'maintenanceUser'>): Promise<DiscordPayload | null> {
  const game = await pool.query<{ title: string; description: string | null; view_perm: string }>(
    'SELECT title, description, view_perm FROM games_game WHERE id = $1',
    [gameId],
  );
  const row = game.rows[0];
  if (!row) return null;
  const robot = await loadMaintenanceUser(pool, config.maintenanceUser);
  if (!canMaintenanceUser(robot, row.view_perm)) return null;

  const embed: DiscordEmbed = {
    title: clipText(row.title, DISCORD_LIMITS.title),
    url: `${SITE}game/${gameId}/`,
    description: postDescription(row.description),
  };
  const authors = authorLine(await loadAuthors(pool, gameId));
  if (authors !== null) embed.footer = { text: authors, icon_url: AUTHOR_ICON_URL };
  const image = await loadImage(pool, gameId);
  if (image !== null) embed.image = { url: image };
  return { username: BOT_NAME, content: CONTENT, avatar_url: AVATAR_URL, embeds: [embed] };
}
