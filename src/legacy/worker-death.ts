// Tells an old worker that died on its own from one that was stopped. systemd knows how the unit's
// last run ended; without systemd the traces are in the database: the take guard's last refusal (the
// worker's save raised, which ends it) or a row it left started and unfinished, after the worker
// wrote its pid file (at start).
import type { Queryable } from '../runner/db.ts';
import type { UnfinishedRow } from './rows.ts';
import { lastGuardRefusal } from './store.ts';
import { unitCrashed } from './systemd.ts';
import type { WorkerInfo } from './worker.ts';

// the pid file's mtime and PostgreSQL's clock may disagree by a little
const CLOCK_SLACK_MS = 1000;

const time = (d: Date) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** One line saying how a worker that is not running crashed, or null when nothing shows it did. */
export async function crashOfDeadWorker(db: Queryable, worker: WorkerInfo, orphans: UnfinishedRow[]): Promise<string | null> {
  if (worker.alive) return null;
  const unit = worker.unitInfo;
  if (unit && unitCrashed(unit)) {
    const how = [`result ${unit.result ?? 'unknown'}`, unit.exitStatus ? `exit status ${unit.exitStatus}` : null].filter(Boolean).join(', ');
    return `${unit.unit} is ${unit.active} (${how}): the old worker crashed; see journalctl -u ${unit.unit}`;
  }
  const pf = worker.pidFile;
  if (pf.state !== 'gone' || !pf.writtenAt) return null;
  const since = pf.writtenAt.getTime() - CLOCK_SLACK_MS;
  const signs: string[] = [];
  const left = orphans.filter((o) => o.start_time && o.start_time.getTime() >= since);
  const refusal = await lastGuardRefusal(db);
  // a refused save ends the worker at once: a row it started after that refusal shows the refusal was an earlier worker's
  const refusedThisWorker = refusal && refusal.at.getTime() >= since && !left.some((o) => o.start_time!.getTime() > refusal.at.getTime());
  if (refusedThisWorker) {
    signs.push(`the take guard refused it row ${refusal.rowId} at ${time(refusal.at)} (bridging was switched on while it ran)`);
  }
  if (left.length) signs.push(`it left row ${left.map((o) => o.id).join(', ')} started and unfinished (ifqueue legacy adopt-orphans)`);
  if (!signs.length) return null;
  return `pid ${pf.pid} from ${pf.path} died on its own: ${signs.join('; ')}`;
}
