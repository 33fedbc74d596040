// One game of an import run (legacy ImportedGame, tasks.md §2.2): an IFDB game or a new candidate,
// its seed URLs, the hashes that identify it, and its freshly merged import.
import { hashizeUrl } from '../http/quote.ts';
import type { Importer } from './importer.ts';
import { bagOfWords } from './similarity.ts';
import type { ImportResult } from './types.ts';

/** URL categories whose URLs identify a game (a second game with one of them is the same game). */
export const HASH_CATEGORIES: ReadonlySet<string> = new Set(['game_page', 'download_direct', 'download_landing', 'play_online']);

/** A `games_game` row with what the importer needs to know about it. */
export interface StoredGame {
  id: number;
  title: string;
  /** username of `added_by`, null when nobody (or a deleted user) added it */
  addedBy: string | null;
  editTime: Date | null;
  urls: readonly { url: string; category: string | null }[];
}

export class ImportedGame {
  readonly game: StoredGame | null;
  title = '';
  bow: Set<string> = new Set();
  seedUrls: string[] = [];
  hashUrls: string[] = [];
  newUrls: string[] = [];
  content: ImportResult | null = null;
  updateable = true;
  modified = false;
  /** why the last fetch failed, for the log */
  fetchError: string | null = null;

  constructor(game: StoredGame | null = null) {
    this.game = game;
  }

  /** A game already in IFDB; only games the maintenance user added and nobody edited are updateable. */
  static fromStored(game: StoredGame, importer: Importer, maintenanceUser: string): ImportedGame {
    const g = new ImportedGame(game);
    g.setTitle(game.title);
    g.seedUrls = game.urls.filter((u) => importer.isFamiliarUrl(u.url, u.category)).map((u) => u.url);
    g.hashUrls = game.urls.filter((u) => u.category !== null && HASH_CATEGORIES.has(u.category)).map((u) => hashizeUrl(u.url));
    g.updateable = game.addedBy !== null && game.addedBy === maintenanceUser && game.editTime === null;
    return g;
  }

  get label(): string {
    return this.game ? `game ${this.game.id} "${this.title}"` : `new game "${this.title || this.seedUrls[0] || '?'}"`;
  }

  private setTitle(title: string): void {
    this.title = title;
    this.bow = bagOfWords(title);
  }

  addUrl(url: string): void {
    this.seedUrls.push(url);
    this.newUrls.push(url);
    this.hashUrls.push(hashizeUrl(url));
    this.content = null;
    this.modified = true;
  }

  /**
   * Imports the game from its seeds. Fails without a title, or when a seed that was already the game's
   * (not one just added) failed: a broken source page must not overwrite a good game.
   */
  async fetch(importer: Importer): Promise<boolean> {
    const { merged, errors } = await importer.import(this.seedUrls);
    if (!merged.title) {
      this.fetchError = merged.error ?? 'no title found';
      return false;
    }
    const newUrls = new Set(this.newUrls);
    const brokenSeed = this.seedUrls.find((url) => !newUrls.has(url) && errors.has(url));
    if (brokenSeed !== undefined) {
      this.fetchError = `${brokenSeed}: ${errors.get(brokenSeed)}`;
      return false;
    }
    this.fetchError = null;
    this.content = merged;
    const urls = merged.urls ?? [];
    this.seedUrls = urls.filter((u) => importer.isFamiliarUrl(u.url, u.urlcat_slug)).map((u) => u.url);
    this.hashUrls = urls.filter((u) => u.urlcat_slug !== null && HASH_CATEGORIES.has(u.urlcat_slug)).map((u) => hashizeUrl(u.url));
    this.setTitle(merged.title);
    return true;
  }
}
