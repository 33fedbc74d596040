// Jobs an import queues after a game's transaction commits: file clones, interpreter recodes, Discord posts.
import { errorMessage } from '../../../runner/errors.ts';
import type { TaskContext } from '../../../runner/types.ts';

export type FollowUp =
  | { kind: 'clone'; urlId: number }
  /** waits for the clone of its URL when the file is not local yet */
  | { kind: 'recode'; gameUrlId: number; waitForCloneOf: number | null }
  | { kind: 'discord'; gameId: number };

export const cloneJobName = (urlId: number) => `CloneUrl(${urlId})`;
export const recodeJobName = (gameUrlId: number) => `RecodeGame(${gameUrlId})`;
export const discordJobName = (gameId: number) => `PostToDiscord(${gameId})`;

export function describeFollowUp(f: FollowUp): string {
  switch (f.kind) {
    case 'clone':
      return `clone-file ${cloneJobName(f.urlId)}`;
    case 'recode':
      return `recode-game ${recodeJobName(f.gameUrlId)}${f.waitForCloneOf === null ? '' : ` after ${cloneJobName(f.waitForCloneOf)}`}`;
    case 'discord':
      return `post-to-discord ${discordJobName(f.gameId)}`;
  }
}

type Enqueuer = Pick<TaskContext, 'enqueueOrGet' | 'log'>;

async function cloneJob(ctx: Enqueuer, urlId: number): Promise<string> {
  const { id } = await ctx.enqueueOrGet('clone-file', { urlId }, { name: cloneJobName(urlId), onFail: 'mark-broken' });
  return id;
}

/** Queues the follow-ups; a failure is logged and counted, never thrown (the game is already stored). */
export async function enqueueFollowUps(ctx: Enqueuer, followUps: readonly FollowUp[]): Promise<{ enqueued: number; failed: number }> {
  let enqueued = 0;
  let failed = 0;
  const cloneIds = new Map<number, string>();
  const ordered = [...followUps].sort((a, b) => rank(a) - rank(b));
  for (const f of ordered) {
    try {
      if (f.kind === 'clone') {
        cloneIds.set(f.urlId, await cloneJob(ctx, f.urlId));
      } else if (f.kind === 'recode') {
        let dependsOn: string | undefined;
        if (f.waitForCloneOf !== null) {
          dependsOn = cloneIds.get(f.waitForCloneOf) ?? (await cloneJob(ctx, f.waitForCloneOf));
          cloneIds.set(f.waitForCloneOf, dependsOn);
        }
        await ctx.enqueueOrGet('recode-game', { gameUrlId: f.gameUrlId }, { name: recodeJobName(f.gameUrlId), ...(dependsOn ? { dependsOn } : {}) });
      } else {
        await ctx.enqueueOrGet('post-to-discord', { gameId: f.gameId }, { name: discordJobName(f.gameId) });
      }
      enqueued++;
    } catch (error) {
      failed++;
      ctx.log.error(`could not enqueue ${describeFollowUp(f)}: ${errorMessage(error)}`);
    }
  }
  return { enqueued, failed };
}

function rank(f: FollowUp): number {
  return f.kind === 'clone' ? 0 : f.kind === 'recode' ? 1 : 2;
}
