// All games of an import run (legacy GameSet, tasks.md §2.3) with a map from URL hash to the game owning it.
import type { TaskLogger } from '../../runner/types.ts';
import { hashizeUrl } from '../http/quote.ts';
import type { ImportedGame } from './imported-game.ts';
import { similarity, SIMILAR_ENOUGH } from './similarity.ts';

/** Titles this similar make a candidate the same game even without a shared URL. */
export const SAME_TITLE = 0.9;

export type MergeOutcome = { kind: 'new' } | { kind: 'merged'; into: ImportedGame; added: number };

export class GameSet {
  readonly games: ImportedGame[] = [];
  private readonly owners = new Map<string, ImportedGame>();

  constructor(private readonly log: TaskLogger) {}

  addGame(game: ImportedGame): void {
    for (const hash of game.hashUrls) this.register(hash, game);
    this.games.push(game);
  }

  private register(hash: string, game: ImportedGame): void {
    const owner = this.owners.get(hash);
    if (owner === undefined) this.owners.set(hash, game);
    else if (owner !== game) this.log.debug(`URL ${hash} belongs to ${owner.label}, also found in ${game.label}`);
  }

  hasUrl(url: string): boolean {
    return this.owners.has(hashizeUrl(url));
  }

  /** Marks the game owning the URL as modified (its page changed on the source site); false when no game has it. */
  dirtifyUrl(url: string): boolean {
    const owner = this.owners.get(hashizeUrl(url));
    if (owner === undefined) return false;
    owner.modified = true;
    return true;
  }

  /**
   * Adds a fetched candidate as a new game, or hands its seed URLs to the existing game it matches:
   * one sharing a URL, else one with a near-identical title, provided the titles are similar enough.
   */
  tryMerge(game: ImportedGame): MergeOutcome {
    let similar = [...new Set(game.hashUrls.map((h) => this.owners.get(h)).filter((g) => g !== undefined))];
    const sharedUrl = similar.length > 0;
    if (!sharedUrl) similar = this.games.filter((x) => similarity(x.bow, game.bow) > SAME_TITLE);

    let best: ImportedGame | null = null;
    let bestScore = 0;
    for (const candidate of similar) {
      const score = similarity(game.bow, candidate.bow);
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }

    if (best === null || bestScore <= SIMILAR_ENOUGH) {
      if (similar.length > 0) {
        this.log.info(`${game.label}: not merged into ${similar.map((g) => g.label).join(', ')} (titles differ), added as new`);
      }
      this.addGame(game);
      return { kind: 'new' };
    }

    // Legacy compared raw URLs with hashes here and so never skipped, and left the map stale.
    const known = new Set(best.hashUrls);
    let added = 0;
    for (const url of game.seedUrls) {
      const hash = hashizeUrl(url);
      if (known.has(hash)) continue;
      known.add(hash);
      best.addUrl(url);
      this.register(hash, best);
      added++;
    }
    return { kind: 'merged', into: best, added };
  }
}
